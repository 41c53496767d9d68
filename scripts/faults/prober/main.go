// Command prober measures how long an operations API is unavailable while
// something happens to it (a restart, a roll of its processes). It POSTs
// one request every -interval for -duration and records every failure and
// the longest gap between two successful answers: with a 1 ms interval
// the gap is the unavailable window to about a millisecond. It ends with
// one line scripts/faults/restart-under-load.sh parses:
//
//	RESULT ok=N failed=N max_gap_ms=G gap_end_s=T max_latency_ms=L
//
// where gap_end_s is when (seconds after the start) the longest gap ended.
// Failures are printed one a line before it (the first -show of them).
//
// -fresh opens a new connection for every request (the path a client
// takes after Connection: close, and the accept queue a restart hands
// over); without it requests reuse one keep-alive connection, the path
// a drain must not break.
//
//	prober -url http://127.0.0.1:9925/ -duration 10s -fresh
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// requestTimeout bounds one request: a restart takes about a second, so a
// request that waits longer than this is stuck, and counts as failed.
const requestTimeout = 30 * time.Second

// defaultShow is how many failures are printed: the first few say what
// went wrong; the count says how often.
const defaultShow = 10

type options struct {
	url, user, pass, body string
	duration, interval    time.Duration
	fresh                 bool
	show                  int
}

// stats is what one run measured.
type stats struct {
	ok, failed int
	maxGap     time.Duration
	gapEnd     time.Duration // since the start, when the longest gap ended
	maxLatency time.Duration
	failures   []string
}

func main() {
	var o options
	flag.StringVar(&o.url, "url", "http://127.0.0.1:9925/", "operations API URL")
	flag.StringVar(&o.user, "user", "admin", "Basic auth user")
	flag.StringVar(&o.pass, "pass", "password", "Basic auth password")
	flag.StringVar(&o.body, "body", `{"operation":"get_status","id":"primary"}`, "request JSON")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "how long to probe")
	flag.DurationVar(&o.interval, "interval", time.Millisecond, "time between the starts of two requests")
	flag.BoolVar(&o.fresh, "fresh", false, "a new connection for every request")
	flag.IntVar(&o.show, "show", defaultShow, "failures printed")
	flag.Parse()
	if o.duration <= 0 || o.interval <= 0 {
		fmt.Fprintln(os.Stderr, "prober: -duration and -interval must be positive")
		os.Exit(2)
	}
	s := probe(o)
	for _, f := range s.failures {
		fmt.Println("FAIL", f)
	}
	fmt.Printf("RESULT ok=%d failed=%d max_gap_ms=%.1f gap_end_s=%.3f max_latency_ms=%.1f\n",
		s.ok, s.failed, ms(s.maxGap), s.gapEnd.Seconds(), ms(s.maxLatency))
}

// probe sends one request per interval (the next one right away when a
// request took longer) until the duration is over.
func probe(o options) stats {
	client := &http.Client{Timeout: requestTimeout,
		Transport: &http.Transport{DisableKeepAlives: o.fresh, MaxIdleConnsPerHost: 1}}
	defer client.CloseIdleConnections()
	var s stats
	start := time.Now()
	end := start.Add(o.duration)
	lastOK := time.Time{}
	tick := time.NewTicker(o.interval)
	defer tick.Stop()
	for now := start; now.Before(end); now = <-tick.C {
		t0 := time.Now()
		err := once(client, o)
		t1 := time.Now()
		s.maxLatency = max(s.maxLatency, t1.Sub(t0))
		if err != nil {
			s.failed++
			if len(s.failures) < o.show {
				s.failures = append(s.failures, fmt.Sprintf("at %.3fs after %s: %v", t0.Sub(start).Seconds(), t1.Sub(t0).Round(time.Microsecond), err))
			}
			continue
		}
		s.ok++
		if !lastOK.IsZero() && t1.Sub(lastOK) > s.maxGap {
			s.maxGap, s.gapEnd = t1.Sub(lastOK), t1.Sub(start)
		}
		lastOK = t1
	}
	return s
}

// once sends one request and reads the answer; an error says why it did
// not succeed (transport error or a status other than 2xx).
func once(client *http.Client, o options) error {
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.url, bytes.NewReader([]byte(o.body)))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(o.user, o.pass)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("read answer: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return errors.New(resp.Status + " " + string(bytes.TrimSpace(raw)))
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
