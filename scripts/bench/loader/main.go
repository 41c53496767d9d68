// Command loader is the bulk-insert load generator of scripts/bench/
// records.sh: it POSTs `insert` operations of -batch records each, from -c
// concurrent clients, to an operations API (hops or HarperDB, the same
// requests to both) and prints the records inserted per second.
//
// Every request body is built before the clock starts, so the loader's own
// JSON encoding does not compete for the CPU with the server it measures
// (the benchmark machine has 2 cores). Records are deterministic: record i
// is the same on every run and every target. The last line is
//
//	RESULT records=N seconds=S rps=R start_ms=T0 end_ms=T1
//
// with T0/T1 the wall-clock bounds of the timed part in Unix milliseconds
// (records.sh picks the delete_records_before cutoff between two loads).
//
// -at T (Unix milliseconds) holds the timed part until the wall clock
// reaches T, after the bodies are built: loaders started together (one
// per node in cluster.sh's spread phase) then begin at the same instant.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// requestTimeout bounds one insert request: a 10 000-record batch takes well
// under a second on either server, so two minutes only catches a hang.
const requestTimeout = 2 * time.Minute

// insertedRe reads the count out of "inserted <n> of <m> records", the
// answer both servers give.
var insertedRe = regexp.MustCompile(`inserted (\d+) of (\d+) record`)

type options struct {
	url, user, pass, db, table string
	n, start, batch, clients   int
	at                         int64
}

func main() {
	var o options
	flag.StringVar(&o.url, "url", "http://127.0.0.1:9925/", "operations API URL")
	flag.StringVar(&o.user, "user", "admin", "Basic auth user")
	flag.StringVar(&o.pass, "pass", "password", "Basic auth password")
	flag.StringVar(&o.db, "db", "bench", "database")
	flag.StringVar(&o.table, "table", "t", "table")
	flag.IntVar(&o.n, "n", 1_000_000, "records to insert")
	flag.IntVar(&o.start, "start", 0, "id of the first record")
	flag.IntVar(&o.batch, "batch", 10_000, "records per insert request")
	flag.IntVar(&o.clients, "c", 2, "concurrent clients")
	flag.Int64Var(&o.at, "at", 0, "Unix ms at which to start the timed part (0: at once)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "loader:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	if o.n <= 0 || o.batch <= 0 || o.clients <= 0 {
		return fmt.Errorf("-n, -batch and -c must be positive")
	}
	prep := time.Now()
	bodies, err := buildBodies(o)
	if err != nil {
		return err
	}
	size := 0
	for _, b := range bodies {
		size += len(b)
	}
	fmt.Printf("prepared %d requests, %.1f MiB, in %s\n", len(bodies), float64(size)/(1<<20), time.Since(prep).Round(time.Millisecond))

	client := &http.Client{
		Timeout:   requestTimeout,
		Transport: &http.Transport{MaxIdleConnsPerHost: o.clients, DisableCompression: true},
	}
	if o.at > 0 {
		time.Sleep(time.Until(time.UnixMilli(o.at)))
	}
	work := make(chan []byte)
	var inserted atomic.Int64
	var once sync.Once
	var firstErr error
	var wg sync.WaitGroup
	t0 := time.Now()
	for range o.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for body := range work {
				n, err := post(client, o, body)
				if err != nil {
					once.Do(func() { firstErr = err })
					continue
				}
				inserted.Add(int64(n))
			}
		}()
	}
	for _, b := range bodies {
		work <- b
	}
	close(work)
	wg.Wait()
	t1 := time.Now()
	if firstErr != nil {
		return firstErr
	}
	got := int(inserted.Load())
	if got != o.n {
		return fmt.Errorf("inserted %d of %d records (ids already present?)", got, o.n)
	}
	secs := t1.Sub(t0).Seconds()
	fmt.Printf("RESULT records=%d seconds=%.3f rps=%.0f start_ms=%d end_ms=%d\n",
		got, secs, float64(got)/secs, t0.UnixMilli(), t1.UnixMilli())
	return nil
}

// post sends one insert and returns how many records the server says it
// inserted.
func post(c *http.Client, o options, body []byte) (int, error) {
	req, err := http.NewRequest(http.MethodPost, o.url, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("request: %w", err)
	}
	req.SetBasicAuth(o.user, o.pass)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return 0, fmt.Errorf("insert: %w", err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, fmt.Errorf("insert answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("insert: HTTP %d: %.300s", resp.StatusCode, answer)
	}
	m := insertedRe.FindSubmatch(answer)
	if m == nil {
		return 0, fmt.Errorf("insert: unexpected answer %.300s", answer)
	}
	return strconv.Atoi(string(m[1]))
}

// buildBodies encodes every insert request up front.
func buildBodies(o options) ([][]byte, error) {
	type insert struct {
		Operation string   `json:"operation"`
		Database  string   `json:"database"`
		Table     string   `json:"table"`
		Records   []record `json:"records"`
	}
	var out [][]byte
	for first := o.start; first < o.start+o.n; first += o.batch {
		last := min(first+o.batch, o.start+o.n)
		req := insert{Operation: "insert", Database: o.db, Table: o.table, Records: make([]record, 0, last-first)}
		for id := first; id < last; id++ {
			req.Records = append(req.Records, makeRecord(id))
		}
		b, err := json.Marshal(req)
		if err != nil {
			return nil, fmt.Errorf("encode batch at %d: %w", first, err)
		}
		out = append(out, b)
	}
	return out, nil
}
