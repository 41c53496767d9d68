// Command opclient times single operations for the scripts in
// scripts/bench/, against hops or HarperDB alike. Four modes, each
// ending with one `RESULT key=value ...` line the scripts parse:
//
//	opclient job    -url U -body B   POST a job operation (export_local,
//	                                 delete_records_before), poll get_job
//	                                 until COMPLETE or ERROR; time from the
//	                                 request to the poll that saw the end.
//	opclient stream -url U -body B   POST once, read the answer to its last
//	                                 byte; time to first and last byte.
//	opclient repeat -url U -body B   POST -n times in a row; per-call times.
//	opclient cold -url U -body B -- CMD ARGS...
//	                                 start CMD, POST until a 200; time from
//	                                 the start to that answer, then to the
//	                                 first 200 of GET /ready; stop CMD.
//
// B is the request JSON, or @file to read it from a file. Basic auth is
// -user/-pass. Everything is bounded by -timeout.
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"
)

type options struct {
	url, user, pass string
	body            []byte
	timeout, poll   time.Duration
	n               int
	count           string
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: opclient job|stream|repeat|cold -url URL -body JSON|@file [flags]")
		os.Exit(2)
	}
	mode := os.Args[1]
	fs := flag.NewFlagSet(mode, flag.ExitOnError)
	var o options
	var body string
	fs.StringVar(&o.url, "url", "http://127.0.0.1:9925/", "operations API URL")
	fs.StringVar(&o.user, "user", "admin", "Basic auth user")
	fs.StringVar(&o.pass, "pass", "password", "Basic auth password")
	fs.StringVar(&body, "body", "", "request JSON, or @file")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Minute, "bound on the whole measurement")
	fs.DurationVar(&o.poll, "poll", 20*time.Millisecond, "get_job polling interval (job mode)")
	fs.IntVar(&o.n, "n", 50, "calls (repeat mode)")
	fs.StringVar(&o.count, "count", "", "substring to count in the answer, e.g. an attribute every row has (stream mode)")
	_ = fs.Parse(os.Args[2:])
	var err error
	if o.body, err = readBody(body); err == nil {
		client := &http.Client{Timeout: o.timeout, Transport: &http.Transport{DisableCompression: true}}
		switch mode {
		case "job":
			err = runJob(client, o)
		case "stream":
			err = runStream(client, o)
		case "repeat":
			err = runRepeat(client, o)
		case "cold":
			err = runCold(client, o, fs.Args())
		default:
			err = fmt.Errorf("unknown mode %q", mode)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "opclient:", err)
		os.Exit(1)
	}
}

func readBody(arg string) ([]byte, error) {
	if arg == "" {
		return nil, fmt.Errorf("-body is required")
	}
	if name, ok := strings.CutPrefix(arg, "@"); ok {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read body: %w", err)
		}
		return b, nil
	}
	return []byte(arg), nil
}

// ms is a duration in milliseconds, as the RESULT lines print it.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
