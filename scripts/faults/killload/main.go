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
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type host struct {
	bin, root, url string
	port           int
	cmd            *exec.Cmd
	families       map[string]int
	client         *http.Client
}

func (h *host) post(body string) (int, []byte, error) {
	req, _ := http.NewRequest("POST", h.url, bytes.NewReader([]byte(body)))
	req.SetBasicAuth("admin", "password")
	req.Header.Set("Content-Type", "application/json")
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func (h *host) start() error {
	cmd := exec.Command(h.bin, "run")
	cmd.Env = append(os.Environ(), "ROOTPATH="+h.root, "HDB_ADMIN_USERNAME=admin",
		"HDB_ADMIN_PASSWORD=password", "OPERATIONSAPI_NETWORK_PORT="+strconv.Itoa(h.port))
	log, err := os.OpenFile(h.root+".out", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	h.cmd = cmd
	go func() { _ = cmd.Wait(); log.Close() }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		code, b, err := h.post(`{"operation":"host_information"}`)
		if err == nil && code == 200 {
			var hi struct {
				Plugins []struct {
					Name  string `json:"name"`
					Pid   int    `json:"pid"`
					State string `json:"state"`
				} `json:"plugins"`
			}
			if json.Unmarshal(b, &hi) == nil {
				ready := len(hi.Plugins) > 0
				h.families = map[string]int{}
				for _, p := range hi.Plugins {
					h.families[p.Name] = p.Pid
					ready = ready && p.State == "serving"
				}
				if ready {
					return nil
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("hops did not answer within 60 s (see %s.out)", h.root)
}

func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// a zombie is gone for our purpose
	return !bytes.Contains(b, []byte(") Z "))
}

// killHost SIGKILLs the host only and waits up to 10 s for its families
// to exit; it kills the ones that stay and says so.
func (h *host) killHost() {
	pgid := h.cmd.Process.Pid
	_ = h.cmd.Process.Signal(syscall.SIGKILL)
	deadline := time.Now().Add(10 * time.Second)
	for name, pid := range h.families {
		for alive(pid) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if alive(pid) {
			fmt.Printf("family %s (pid %d) outlived its host by 10 s: killed\n", name, pid)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

func main() {
	bin := flag.String("bin", "/tmp/f13-hops", "hops binary")
	port := flag.Int("port", 0, "loopback port (0: pick a free one)")
	duration := flag.Duration("duration", 60*time.Second, "how long to load and kill")
	every := flag.Duration("every", 4*time.Second, "pause between kills")
	clients := flag.Int("clients", 4, "concurrent loaders")
	batch := flag.Int("batch", 500, "records per insert")
	flag.Parse()
	if *port == 0 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		*port = l.Addr().(*net.TCPAddr).Port
		l.Close()
	}
	dir, err := os.MkdirTemp("", "killload-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer os.RemoveAll(dir)
	h := &host{bin: *bin, root: dir + "/root", port: *port, url: fmt.Sprintf("http://127.0.0.1:%d/", *port),
		client: &http.Client{Timeout: 30 * time.Second}}
	defer func() {
		if h.cmd != nil {
			h.killHost()
		}
	}()
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "killload:", err)
		if h.cmd != nil {
			h.killHost()
		}
		os.RemoveAll(dir)
		os.Exit(1)
	}
	if err := h.start(); err != nil {
		fail(err)
	}
	for _, b := range []string{`{"operation":"create_database","database":"f13"}`,
		`{"operation":"create_table","database":"f13","table":"t","primary_key":"id"}`} {
		if code, resp, err := h.post(b); err != nil || code != 200 {
			fail(fmt.Errorf("setup %s: %d %s %v", b, code, resp, err))
		}
	}
	fmt.Printf("hops on %s, root %s, %d loaders x %d records, kill every %s for %s\n", h.url, h.root, *clients, *batch, *every, *duration)

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
				req, _ := http.NewRequest("POST", h.url, bytes.NewReader(body))
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
			h.killHost()
			hostKills++
			if err := h.start(); err != nil {
				stop.Store(true)
				fail(fmt.Errorf("round %d: restart after kill -9: %w", rounds, err))
			}
			fmt.Printf("round %d at %.1fs: host killed and started again\n", rounds, time.Since(start).Seconds())
		} else {
			pid := h.families["records"]
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				fmt.Printf("round %d: kill records %d: %v\n", rounds, pid, err)
				continue
			}
			recKills++
			// wait for the supervisor to bring it back (bounded)
			deadline := time.Now().Add(30 * time.Second)
			for time.Now().Before(deadline) {
				code, b, err := h.post(`{"operation":"host_information"}`)
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
							h.families["records"] = p.Pid
						}
					}
				}
				if h.families["records"] != pid {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			fmt.Printf("round %d at %.1fs: records family %d killed, now %d\n", rounds, time.Since(start).Seconds(), pid, h.families["records"])
		}
	}
	stop.Store(true)
	wg.Wait()
	// one more kill -9 right after the last acknowledgements
	h.killHost()
	hostKills++
	if err := h.start(); err != nil {
		fail(fmt.Errorf("final restart: %w", err))
	}
	code, b, err := h.post(`{"operation":"search_by_value","database":"f13","table":"t","search_attribute":"id","search_value":"*","get_attributes":["id"]}`)
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
	h.killHost()
	h.cmd = nil
	if lost > 0 {
		os.RemoveAll(dir)
		os.Exit(1)
	}
}
