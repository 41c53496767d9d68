// Command clusterbench is the measuring side of scripts/bench/cluster.sh:
// one mode per figure, each against running nodes' operations APIs (hops
// or HarperDB: the same requests to both).
//
//	clusterbench lag -a URL -b URL [-n 200] [-rate 0]
//	    write one record on A, poll B until it is there; p50/p99 of n
//	    samples, with -rate records/s of other inserts on A meanwhile;
//	    also the insert call alone and the time from its answer.
//	clusterbench userlag -a URL -b URL [-n 50]
//	    the same for a user: from add_user's answer on A until B lists
//	    it (then it logs in on B once); add_user's own time beside.
//	clusterbench droplag -a URL -b URL [-n 50]
//	    a user logged in on B (so its credential is cached there) is
//	    dropped on A: from drop_user's answer until B refuses its login.
//	clusterbench roll -coord URL -nodes URL,URL,URL [-service http_workers]
//	    a replicated restart (restart_service, or restart when -service is
//	    "instance") started on coord under a client load on every node:
//	    failed requests, each node's restart time from the job's result.
//	clusterbench count -url URL -db D -table T -want N [-max 600s] [-every 250ms]
//	    poll (describe_table's record_count) until the table holds N
//	    records; prints how long it took.
//
// Every mode prints RESULT lines (key=value) for cluster.sh to pick up.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var (
	user   = "admin"
	pass   = "password"
	client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
)

func post(url string, body any) (int, []byte, error) {
	return postAs(url, user, pass, body)
}

func postAs(url, u, p string, body any) (int, []byte, error) {
	return postWith(client, url, u, p, body)
}

// postWith posts body as JSON with c, as u:p, and reads the whole answer.
func postWith(c *http.Client, url, u, p string, body any) (int, []byte, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(raw))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(u, p)
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func must(status int, body []byte, err error) []byte {
	if err != nil || status != 200 {
		fmt.Fprintf(os.Stderr, "clusterbench: %d %s %v\n", status, body, err)
		os.Exit(1)
	}
	return body
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: clusterbench lag|userlag|roll|count [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	fs.StringVar(&user, "user", user, "Basic auth user")
	fs.StringVar(&pass, "pass", pass, "Basic auth password")
	a := fs.String("a", "", "node A's operations API URL")
	b := fs.String("b", "", "node B's operations API URL")
	n := fs.Int("n", 200, "samples")
	rate := fs.Int("rate", 0, "background inserts per second on A (lag)")
	db := fs.String("db", "bench", "database")
	table := fs.String("table", "lag", "table")
	coord := fs.String("coord", "", "the node that coordinates the roll")
	nodes := fs.String("nodes", "", "every node's URL, comma-separated (roll)")
	service := fs.String("service", "http_workers", "restart_service's service, or instance for restart")
	url := fs.String("url", "", "URL (count)")
	want := fs.Int("want", 0, "records to wait for (count)")
	maxWait := fs.Duration("max", 10*time.Minute, "longest wait (count, lag sample, roll)")
	every := fs.Duration("every", 250*time.Millisecond, "poll interval (count)")
	_ = fs.Parse(os.Args[2:])
	switch os.Args[1] {
	case "lag":
		lag(*a, *b, *db, *table, *n, *rate, *maxWait)
	case "userlag":
		userLag(*a, *b, *n)
	case "droplag":
		dropLag(*a, *b, *n)
	case "roll":
		roll(*coord, strings.Split(*nodes, ","), *service, *maxWait)
	case "count":
		count(*url, *db, *table, *want, *maxWait, *every)
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", os.Args[1])
		os.Exit(2)
	}
}

// percentiles prints p50, p99 and max of ds.
func percentiles(what string, ds []time.Duration) {
	if len(ds) == 0 {
		fmt.Printf("RESULT %s samples=0\n", what)
		return
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	p := func(q float64) time.Duration { return ds[min(len(ds)-1, int(q*float64(len(ds))))] }
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) }
	fmt.Printf("RESULT %s samples=%d p50_ms=%s p99_ms=%s max_ms=%s\n", what, len(ds), ms(p(0.5)), ms(p(0.99)), ms(ds[len(ds)-1]))
}

// background inserts rate records/s into db.bg on url until ctx ends:
// a ticker makes a batch of rate/100 records every 10 ms and bgClients
// clients send them (a batch no client can take within bgClients queued
// batches is dropped, so the achieved rate shows when the server does not
// keep up); it returns how many went in.
// bgClients is how many clients send the background batches: enough that
// a batch's insert call (an fsync on the writer, behind the load's own
// calls) does not limit the rate to less than the server takes.
const bgClients = 8

func background(ctx context.Context, url, db string, rate int) *atomic.Int64 {
	var done atomic.Int64
	if rate <= 0 {
		return &done
	}
	post(url, map[string]any{"operation": "create_table", "database": db, "table": "bg", "primary_key": "id"})
	batch := max(1, rate/100)
	work := make(chan []any, bgClients)
	for w := 0; w < bgClients; w++ {
		go func() {
			for recs := range work {
				if s, _, err := post(url, map[string]any{"operation": "insert", "database": db, "table": "bg", "records": recs}); err == nil && s == 200 {
					done.Add(int64(len(recs)))
				}
			}
		}()
	}
	go func() {
		defer close(work)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		k := 0
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			recs := make([]any, batch)
			for i := range recs {
				recs[i] = map[string]any{"id": k, "v": "background load record", "n": k}
				k++
			}
			select {
			case work <- recs:
			default: // every client busy: this batch is not sent
			}
		}
	}()
	return &done
}

func lag(a, b, db, table string, n, rate int, maxWait time.Duration) {
	post(a, map[string]any{"operation": "create_database", "database": db})
	post(a, map[string]any{"operation": "create_table", "database": db, "table": table, "primary_key": "id"})
	// The table reaches B first (or never: no records replication).
	deadline := time.Now().Add(30 * time.Second)
	for {
		if s, _, _ := post(b, map[string]any{"operation": "describe_table", "database": db, "table": table}); s == 200 {
			break
		}
		if time.Now().After(deadline) {
			fmt.Println("RESULT lag skipped=the table made on A did not reach B within 30s (no records replication)")
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	ctx, cancel := context.WithCancel(context.Background())
	bg := background(ctx, a, db, rate)
	time.Sleep(time.Second) // the load runs before the first sample
	run := time.Now().UnixNano()
	// ds: from sending the insert to A until B finds the record; ins: the
	// insert call alone; after: from A's answer until B finds it.
	var ds, ins, after []time.Duration
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("lag-%d-%d", run, i)
		t0 := time.Now()
		must(post(a, map[string]any{"operation": "insert", "database": db, "table": table, "records": []any{map[string]any{"id": id}}}))
		t1 := time.Now()
		ins = append(ins, t1.Sub(t0))
		for {
			_, body, err := post(b, map[string]any{"operation": "search_by_hash", "database": db, "table": table, "hash_values": []any{id}, "get_attributes": []any{"id"}})
			if err == nil && bytes.Contains(body, []byte(id)) {
				ds = append(ds, time.Since(t0))
				after = append(after, time.Since(t1))
				break
			}
			if time.Since(t0) > maxWait {
				fmt.Printf("sample %d not on B after %s\n", i, maxWait)
				break
			}
			time.Sleep(200 * time.Microsecond)
		}
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(time.Unix(0, run))
	cancel()
	percentiles(fmt.Sprintf("lag rate=%d achieved_rate=%.0f", rate, float64(bg.Load())/elapsed.Seconds()), ds)
	percentiles(fmt.Sprintf("lag_insert_call rate=%d", rate), ins)
	percentiles(fmt.Sprintf("lag_after_answer rate=%d", rate), after)
}

func userLag(a, b string, n int) {
	run := time.Now().UnixNano() % 1_000_000
	// A cluster just formed replicates only once JetStream elected its
	// meta leader and every node's stream and consumers exist: the first
	// change waits for that, and is reported apart.
	warm := fmt.Sprintf("warm_%d", run)
	must(post(a, map[string]any{"operation": "add_user", "username": warm, "password": "Pass#" + warm, "role": "super_user", "active": true}))
	t0 := time.Now()
	if waitListed(b, warm, true, t0) {
		fmt.Printf("RESULT userlag_first ms=%d\n", time.Since(t0).Milliseconds())
	}
	post(a, map[string]any{"operation": "drop_user", "username": warm})
	var ds, adds []time.Duration
	for i := 0; i < n; i++ {
		u := fmt.Sprintf("lag_%d_%d", run, i)
		t0 := time.Now()
		must(post(a, map[string]any{"operation": "add_user", "username": u, "password": "Pass#" + u, "role": "super_user", "active": true}))
		t1 := time.Now()
		adds = append(adds, t1.Sub(t0))
		// Polled as admin: logging in as a user B does not know yet would
		// be a failed login, and B's brute-force throttle would soon
		// refuse every login from this address.
		if waitListed(b, u, true, t1) {
			ds = append(ds, time.Since(t1))
			slow("userlag", i, ds[len(ds)-1])
			if s, body, err := postFrom(sourceAddr(i), b, u, "Pass#"+u, map[string]any{"operation": "user_info"}); err != nil || s != 200 {
				fmt.Printf("user %s listed on B but cannot log in: %d %s %v\n", u, s, body, err)
			}
		}
		post(a, map[string]any{"operation": "drop_user", "username": u})
		time.Sleep(20 * time.Millisecond)
	}
	percentiles("userlag", ds)
	percentiles("add_user_call", adds)
}

// waitListed polls B's list_users (as admin) until u is listed (or, with
// listed false, is not), 30 s at most from t0.
func waitListed(b, u string, listed bool, t0 time.Time) bool {
	for {
		if s, body, err := post(b, map[string]any{"operation": "list_users"}); err == nil && s == 200 &&
			bytes.Contains(body, []byte(`"`+u+`"`)) == listed {
			return true
		}
		if time.Since(t0) > 30*time.Second {
			fmt.Printf("user %s listed=%v not reached on B after 30s\n", u, !listed)
			return false
		}
		time.Sleep(time.Millisecond)
	}
}

// dropLag: per sample, a user added on A logs in on B (B caches the
// credential), is dropped on A, and B is asked as that user until it
// refuses (401): from drop_user's answer to the first refusal. Each
// sample logs in from its own loopback address, so the one failed login
// per sample never meets B's per-address brute-force throttle.
func dropLag(a, b string, n int) {
	run := time.Now().UnixNano() % 1_000_000
	var ds []time.Duration
	gone := 0
	for i := 0; i < n; i++ {
		u := fmt.Sprintf("drop_%d_%d", run, i)
		must(post(a, map[string]any{"operation": "add_user", "username": u, "password": "Pass#" + u, "role": "super_user", "active": true}))
		if !waitListed(b, u, true, time.Now()) {
			continue
		}
		src := sourceAddr(i)
		whoami := map[string]any{"operation": "user_info"}
		if s, body, err := postFrom(src, b, u, "Pass#"+u, whoami); err != nil || s != 200 {
			fmt.Printf("user %s listed on B but cannot log in: %d %s %v\n", u, s, body, err)
			continue
		}
		must(post(a, map[string]any{"operation": "drop_user", "username": u}))
		t0 := time.Now()
		for {
			s, body, err := postFrom(src, b, u, "Pass#"+u, whoami)
			if err == nil && s == 401 {
				ds = append(ds, time.Since(t0))
				slow("droplag", i, ds[len(ds)-1])
				break
			}
			switch {
			case err == nil && s == 404:
				// Authenticated from B's cache just before the drop was
				// applied there, and the operation then found no user.
				gone++
			case err != nil || s != 200:
				fmt.Printf("user %s: %d %s %v while waiting for the refusal\n", u, s, body, err)
			}
			if time.Since(t0) > 30*time.Second {
				fmt.Printf("user %s still accepted on B 30s after its drop\n", u)
				break
			}
			time.Sleep(time.Millisecond)
		}
		time.Sleep(20 * time.Millisecond)
	}
	percentiles("droplag", ds)
	fmt.Printf("RESULT droplag_user_gone requests=%d (authenticated while the drop was being applied, then 404)\n", gone)
}

// slow prints a sample over half a second, with its time of day: the
// tail is what the goals are about.
func slow(what string, i int, d time.Duration) {
	if d > 500*time.Millisecond {
		fmt.Printf("%s sample %d: %d ms (ended %s)\n", what, i, d.Milliseconds(), time.Now().UTC().Format("15:04:05.000"))
	}
}

// sourceAddr is sample i's loopback client address (127.1.x.y).
func sourceAddr(i int) net.IP { return net.IPv4(127, 1, byte(i/250), byte(1+i%250)) }

var fromClients sync.Map // source address -> *http.Client

// postFrom posts as u:p from the loopback address src (Linux routes all
// of 127/8 to lo).
func postFrom(src net.IP, url, u, p string, body any) (int, []byte, error) {
	c, ok := fromClients.Load(src.String())
	if !ok {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: src}, Timeout: 10 * time.Second}
		c, _ = fromClients.LoadOrStore(src.String(), &http.Client{Timeout: 30 * time.Second,
			Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 4}})
	}
	return postWith(c.(*http.Client), url, u, p, body)
}

// roll starts a client load on every node (inserts and reads, two
// clients each), runs a replicated restart on coord, and reports.
func roll(coord string, urls []string, service string, maxWait time.Duration) {
	for i, u := range urls {
		post(u, map[string]any{"operation": "create_database", "database": "roll"})
		post(u, map[string]any{"operation": "create_table", "database": "roll", "table": fmt.Sprintf("load_%d", i), "primary_key": "id"})
	}
	time.Sleep(2 * time.Second)
	var ok, failed atomic.Int64
	var mu sync.Mutex
	var failures []string
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i, u := range urls {
		table := fmt.Sprintf("load_%d", i)
		for c := 0; c < 2; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := 0; ctx.Err() == nil; k++ {
					id := fmt.Sprintf("%d-%d-%d", c, k, time.Now().UnixNano())
					for _, body := range []map[string]any{
						{"operation": "insert", "database": "roll", "table": table, "records": []any{map[string]any{"id": id}}},
						{"operation": "search_by_hash", "database": "roll", "table": table, "hash_values": []any{id}, "get_attributes": []any{"*"}},
					} {
						s, b, err := post(u, body)
						if err == nil && s == 200 {
							ok.Add(1)
							continue
						}
						failed.Add(1)
						mu.Lock()
						if len(failures) < 5 {
							failures = append(failures, fmt.Sprintf("%s: %d %s %v", u, s, b, err))
						}
						mu.Unlock()
					}
				}
			}()
		}
	}
	time.Sleep(time.Second)
	body := map[string]any{"operation": "restart_service", "service": service, "replicated": true}
	if service == "instance" {
		body = map[string]any{"operation": "restart", "replicated": true}
	}
	var started struct {
		JobID string `json:"job_id"`
	}
	_ = json.Unmarshal(must(post(coord, body)), &started)
	t0 := time.Now()
	var job struct {
		Status   string `json:"status"`
		Message  string `json:"message"`
		Result   json.RawMessage
		Progress json.RawMessage
	}
	for {
		s, b, err := post(coord, map[string]any{"operation": "get_job", "id": started.JobID})
		var jobs []json.RawMessage
		if err == nil && s == 200 && json.Unmarshal(b, &jobs) == nil && len(jobs) == 1 {
			_ = json.Unmarshal(jobs[0], &job)
			if job.Status == "COMPLETE" || job.Status == "ERROR" {
				break
			}
		}
		if time.Since(t0) > maxWait {
			fmt.Printf("roll did not end within %s\n", maxWait)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	total := time.Since(t0)
	time.Sleep(time.Second)
	cancel()
	wg.Wait()
	var res struct {
		Replicated []struct {
			Node, Start, End, Outcome string
		} `json:"replicated"`
	}
	src := job.Result
	if len(src) == 0 {
		src = job.Progress
	}
	_ = json.Unmarshal(src, &res)
	var per []string
	for _, l := range res.Replicated {
		s, _ := time.Parse(time.RFC3339Nano, l.Start)
		e, _ := time.Parse(time.RFC3339Nano, l.End)
		per = append(per, fmt.Sprintf("%s:%dms:%s", l.Node, e.Sub(s).Milliseconds(), l.Outcome))
	}
	fmt.Printf("RESULT roll service=%s status=%s total_ms=%d requests_ok=%d requests_failed=%d nodes=%s\n",
		service, job.Status, total.Milliseconds(), ok.Load(), failed.Load(), strings.Join(per, ","))
	if job.Status != "COMPLETE" {
		fmt.Println("job message:", job.Message)
	}
	for _, f := range failures {
		fmt.Println("failure:", f)
	}
}

func count(url, db, table string, want int, maxWait, every time.Duration) {
	t0 := time.Now()
	last := -1
	for {
		// describe_table's record_count costs the node nothing (a SQL
		// COUNT(*) reads the table, which would charge the poll to the
		// node being measured).
		s, b, err := post(url, map[string]any{"operation": "describe_table", "database": db, "table": table})
		var desc struct {
			RecordCount int `json:"record_count"`
		}
		if err == nil && s == 200 && json.Unmarshal(b, &desc) == nil {
			last = desc.RecordCount
			if last >= want {
				fmt.Printf("RESULT count records=%d seconds=%.2f\n", last, time.Since(t0).Seconds())
				return
			}
		}
		if time.Since(t0) > maxWait {
			fmt.Printf("RESULT count records=%d want=%d timeout_s=%.0f\n", last, want, maxWait.Seconds())
			return
		}
		time.Sleep(every)
	}
}
