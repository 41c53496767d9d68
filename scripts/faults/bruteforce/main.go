// Command bruteforce measures what a flood of wrong passwords does to the
// logins of everyone else (issue 13). For -duration it runs:
//
//   - the flood: -conns keep-alive connections from -attacker (a second
//     loopback address), each posting user_info with Basic credentials of
//     -victim and a new wrong password every time;
//   - a cached login: one connection posting user_info as -user/-pass
//     (verified once, then answered from the credential cache);
//   - first logins: every -first-every, user_info as the next of the
//     users -first-prefix0, -first-prefix1, ... (password -first-pass),
//     each never logged in before, so the server hashes its password.
//
// It runs the same probes without the flood first (the baseline in the
// same run), then with it, and prints one line per phase:
//
//	RESULT phase=flood cached_p50_ms=.. cached_p99_ms=.. first_n=.. first_p50_ms=.. first_p99_ms=.. flood_401=.. flood_429=.. flood_other=.. verified_per_s=..
//
// flood_401 counts wrong passwords the server actually verified (each a
// guess tested); flood_429 those it refused without hashing. Loopback
// only: -url must be a 127.0.0.0/8 address. Bounded by -duration per phase.
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// requestTimeout bounds one request; a held login waits at most a few
// seconds.
const requestTimeout = 30 * time.Second

type options struct {
	url, user, pass, victim, attacker string
	firstPrefix, firstPass            string
	conns, firstCount                 int
	duration, firstEvery, cachedEvery time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.url, "url", "", "operations API URL (loopback)")
	flag.StringVar(&o.user, "user", "admin", "user of the cached login")
	flag.StringVar(&o.pass, "pass", "password", "its password")
	flag.StringVar(&o.victim, "victim", "admin", "username the flood guesses passwords of")
	flag.StringVar(&o.attacker, "attacker", "127.0.0.2", "loopback address the flood connects from")
	flag.StringVar(&o.firstPrefix, "first-prefix", "bf_first_", "first-login users are this prefix and 0, 1, ...")
	flag.StringVar(&o.firstPass, "first-pass", "First#Pass1", "password of the first-login users")
	flag.IntVar(&o.firstCount, "first-count", 40, "first-login users that exist (two phases use them)")
	flag.IntVar(&o.conns, "conns", 32, "flood connections")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each phase")
	flag.DurationVar(&o.firstEvery, "first-every", 500*time.Millisecond, "interval between first logins")
	flag.DurationVar(&o.cachedEvery, "cached-every", 2*time.Millisecond, "interval between cached logins")
	flag.Parse()
	u, err := url.Parse(o.url)
	if err != nil || u.Hostname() == "" || !net.ParseIP(u.Hostname()).IsLoopback() {
		fmt.Fprintln(os.Stderr, "bruteforce: -url must be a loopback http URL")
		os.Exit(2)
	}
	next := 0
	for _, flood := range []bool{false, true} {
		r := run(o, flood, &next)
		fmt.Println(r)
	}
}

// result is one phase's figures.
type result struct {
	phase                       string
	cached, first               []time.Duration
	cachedFail, firstFail       int
	f401, f429, fOther, fErrors atomic.Int64
	elapsed                     time.Duration
}

func (r *result) String() string {
	return fmt.Sprintf("RESULT phase=%s cached_n=%d cached_fail=%d cached_p50_ms=%.2f cached_p99_ms=%.2f first_n=%d first_fail=%d first_p50_ms=%.1f first_p99_ms=%.1f first_max_ms=%.1f flood_401=%d flood_429=%d flood_other=%d flood_errors=%d verified_per_s=%.1f",
		r.phase, len(r.cached), r.cachedFail, ms(pct(r.cached, 50)), ms(pct(r.cached, 99)),
		len(r.first), r.firstFail, ms(pct(r.first, 50)), ms(pct(r.first, 99)), ms(pct(r.first, 100)),
		r.f401.Load(), r.f429.Load(), r.fOther.Load(), r.fErrors.Load(), float64(r.f401.Load())/r.elapsed.Seconds())
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(min(i, len(s))-1, 0)]
}

func client(localIP string, conns int) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	if localIP != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(localIP)}
	}
	return &http.Client{Timeout: requestTimeout, Transport: &http.Transport{
		DialContext: d.DialContext, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns,
	}}
}

var body = []byte(`{"operation":"user_info"}`)

func post(c *http.Client, target, user, pass string) (int, time.Duration, error) {
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, time.Since(start), err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, time.Since(start), nil
}

func run(o options, flood bool, next *int) *result {
	r := &result{phase: "baseline"}
	if flood {
		r.phase = "flood"
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.duration)
	defer cancel()
	var wg sync.WaitGroup
	if flood {
		fc := client(o.attacker, o.conns)
		var seq atomic.Int64
		for range o.conns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					st, _, err := post(fc, o.url, o.victim, "wrong-"+strconv.FormatInt(seq.Add(1), 36))
					switch {
					case err != nil:
						r.fErrors.Add(1)
						time.Sleep(10 * time.Millisecond)
					case st == http.StatusUnauthorized:
						r.f401.Add(1)
					case st == http.StatusTooManyRequests:
						r.f429.Add(1)
					default:
						r.fOther.Add(1)
					}
				}
			}()
		}
	}
	var mu sync.Mutex
	wg.Add(2)
	go func() { // cached login
		defer wg.Done()
		c := client("", 1)
		_, _, _ = post(c, o.url, o.user, o.pass) // verified once, cached from now on
		for ctx.Err() == nil {
			st, d, err := post(c, o.url, o.user, o.pass)
			mu.Lock()
			if err != nil || st != http.StatusOK {
				r.cachedFail++
			} else {
				r.cached = append(r.cached, d)
			}
			mu.Unlock()
			time.Sleep(o.cachedEvery)
		}
	}()
	go func() { // first logins, each of a user never verified before
		defer wg.Done()
		c := client("", 1)
		for ctx.Err() == nil && *next < o.firstCount {
			user := o.firstPrefix + strconv.Itoa(*next)
			*next++
			st, d, err := post(c, o.url, user, o.firstPass)
			mu.Lock()
			if err != nil || st != http.StatusOK {
				r.firstFail++
			} else {
				r.first = append(r.first, d)
			}
			mu.Unlock()
			select {
			case <-ctx.Done():
			case <-time.After(o.firstEvery):
			}
		}
	}()
	start := time.Now()
	wg.Wait()
	r.elapsed = time.Since(start)
	return r
}
