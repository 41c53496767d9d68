// Command killload checks that no acknowledged record is lost across
// kill -9 (issue 13). It starts hops (-bin) on a fresh root and a
// loopback port, creates one table, and runs -clients loaders that each
// insert batches of -batch records with unique ids, recording every batch
// the server answered 200 for. Every -every it SIGKILLs, in turn, the host
// process (then waits for its family processes to go and starts the host
// again on the same root) and the records family process (the host's
// supervisor starts it again). After -duration it stops loading, kills
// the host once more, starts it, reads every id in the table and prints:
//
//	RESULT rounds=.. host_kills=.. records_kills=.. acknowledged=.. present=.. lost=..
//
// It exits non-zero when an acknowledged id is missing. Every process it
// starts is killed on exit.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hops-dev/hops/scripts/faults/internal/hopsproc"
)

func main() {
	bin := flag.String("bin", "/tmp/f13-hops", "hops binary")
	port := flag.Int("port", 0, "loopback port (0: pick a free one)")
	duration := flag.Duration("duration", 60*time.Second, "how long to load and kill")
	every := flag.Duration("every", 4*time.Second, "pause between kills")
	clients := flag.Int("clients", 4, "concurrent loaders")
	batch := flag.Int("batch", 500, "records per insert")
	flag.Parse()
	h, err := hopsproc.New(*bin, *port, "killload-", 30*time.Second)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer h.RemoveDir()
	defer func() {
		if h.Cmd != nil {
			h.KillHost()
		}
	}()
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "killload:", err)
		if h.Cmd != nil {
			h.KillHost()
		}
		h.RemoveDir()
		os.Exit(1)
	}
	if err := h.Start(); err != nil {
		fail(err)
	}
	for _, b := range []string{`{"operation":"create_database","database":"f13"}`,
		`{"operation":"create_table","database":"f13","table":"t","primary_key":"id"}`} {
		if code, resp, err := h.Post(b); err != nil || code != 200 {
			fail(fmt.Errorf("setup %s: %d %s %v", b, code, resp, err))
		}
	}
	fmt.Printf("hops on %s, root %s, %d loaders x %d records, kill every %s for %s\n", h.URL, h.Root, *clients, *batch, *every, *duration)

	var mu sync.Mutex
	acked := map[string]bool{}
	var stop atomic.Bool
	var sent, ok, failed atomic.Int64
	var wg sync.WaitGroup
	lc := &http.Client{Timeout: 30 * time.Second}
	for c := range *clients {
		wg.Go(func() {
			seq := 0
			for !stop.Load() {
				ids := make([]string, *batch)
				recs := make([]map[string]any, *batch)
				for i := range ids {
					ids[i] = fmt.Sprintf("c%d-%d", c, seq)
					seq++
					recs[i] = map[string]any{"id": ids[i], "client": c, "v": seq}
				}
				body, _ := json.Marshal(map[string]any{"operation": "insert", "database": "f13", "table": "t", "records": recs})
				req, _ := http.NewRequest("POST", h.URL, bytes.NewReader(body))
				req.SetBasicAuth("admin", "password")
				req.Header.Set("Content-Type", "application/json")
				sent.Add(1)
				resp, err := lc.Do(req)
				if err != nil {
					failed.Add(1)
					time.Sleep(50 * time.Millisecond)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					failed.Add(1)
					time.Sleep(50 * time.Millisecond)
					continue
				}
				ok.Add(1)
				mu.Lock()
				for _, id := range ids {
					acked[id] = true
				}
				mu.Unlock()
			}
		})
	}
	start := time.Now()
	rounds, hostKills, recKills := 0, 0, 0
	for time.Since(start) < *duration {
		time.Sleep(*every)
		rounds++
		if rounds%2 == 1 {
			h.KillHost()
			hostKills++
			if err := h.Start(); err != nil {
				stop.Store(true)
				fail(fmt.Errorf("round %d: restart after kill -9: %w", rounds, err))
			}
			fmt.Printf("round %d at %.1fs: host killed and started again\n", rounds, time.Since(start).Seconds())
		} else {
			pid := h.Families["records"]
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				fmt.Printf("round %d: kill records %d: %v\n", rounds, pid, err)
				continue
			}
			recKills++
			// wait for the supervisor to bring it back (bounded)
			deadline := time.Now().Add(30 * time.Second)
			for time.Now().Before(deadline) {
				code, b, err := h.Post(`{"operation":"host_information"}`)
				var hi struct {
					Plugins []struct {
						Name  string `json:"name"`
						Pid   int    `json:"pid"`
						State string `json:"state"`
					} `json:"plugins"`
				}
				if err == nil && code == 200 && json.Unmarshal(b, &hi) == nil {
					for _, p := range hi.Plugins {
						if p.Name == "records" && p.Pid != pid && p.State == "serving" {
							h.Families["records"] = p.Pid
						}
					}
				}
				if h.Families["records"] != pid {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			fmt.Printf("round %d at %.1fs: records family %d killed, now %d\n", rounds, time.Since(start).Seconds(), pid, h.Families["records"])
		}
	}
	stop.Store(true)
	wg.Wait()
	// one more kill -9 right after the last acknowledgements
	h.KillHost()
	hostKills++
	if err := h.Start(); err != nil {
		fail(fmt.Errorf("final restart: %w", err))
	}
	code, b, err := h.Post(`{"operation":"search_by_value","database":"f13","table":"t","search_attribute":"id","search_value":"*","get_attributes":["id"]}`)
	if err != nil || code != 200 {
		fail(fmt.Errorf("final search: %d %.300s %v", code, b, err))
	}
	var rows []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &rows); err != nil {
		fail(fmt.Errorf("final search answer: %w", err))
	}
	present := make(map[string]bool, len(rows))
	for _, r := range rows {
		present[r.ID] = true
	}
	lost := 0
	for id := range acked {
		if !present[id] {
			if lost < 10 {
				fmt.Println("LOST", id)
			}
			lost++
		}
	}
	fmt.Printf("RESULT rounds=%d host_kills=%d records_kills=%d inserts_sent=%d inserts_200=%d inserts_failed=%d acknowledged=%d rows_in_table=%d lost=%d\n",
		rounds, hostKills, recKills, sent.Load(), ok.Load(), failed.Load(), len(acked), len(rows), lost)
	h.KillHost()
	h.Cmd = nil
	if lost > 0 {
		h.RemoveDir()
		os.Exit(1)
	}
}
