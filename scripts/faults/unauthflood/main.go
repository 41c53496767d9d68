// Command unauthflood measures what unauthenticated connections that
// declare the largest body and trickle bytes cost the host (issue 13). It
// opens -conns connections to -url (loopback only), each sending request
// headers without valid credentials and a Content-Length of -declare
// bytes (half of them -small, just under what a public operation may
// send), then -rounds times writes -chunk more bytes on every connection
// still open. It samples the host's VmRSS (-pid) before and after and
// prints:
//
//	RESULT conns=N rss_before_kib=.. rss_after_kib=.. rss_peak_kib=.. delta_mib=.. answered=.. still_open=..
//
// answered counts connections the host answered (401) and closed; still
// open are those it is still reading, bounded by the 64 KiB an
// unauthenticated body may reach.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	target := flag.String("url", "", "operations API URL (loopback)")
	pid := flag.Int("pid", 0, "host process id (for VmRSS)")
	conns := flag.Int("conns", 256, "connections")
	declare := flag.Int("declare", 64<<20, "Content-Length most connections declare")
	small := flag.Int("small", 60<<10, "Content-Length the other half declare")
	rounds := flag.Int("rounds", 30, "trickle rounds")
	chunk := flag.Int("chunk", 1024, "bytes per connection per round")
	every := flag.Duration("every", 100*time.Millisecond, "pause between rounds")
	flag.Parse()
	u, err := url.Parse(*target)
	if err != nil || !net.ParseIP(u.Hostname()).IsLoopback() || *pid <= 0 {
		fmt.Fprintln(os.Stderr, "unauthflood: -url must be a loopback URL and -pid the host's pid")
		os.Exit(2)
	}
	before := rss(*pid)
	peak := before
	cs := make([]net.Conn, 0, *conns)
	for i := range *conns {
		c, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
		if err != nil {
			fmt.Fprintln(os.Stderr, "dial:", err)
			os.Exit(1)
		}
		defer c.Close()
		n := *declare
		if i%2 == 1 {
			n = *small
		}
		fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{\"operation\":\"user_info\",\"pad\":\"", n)
		cs = append(cs, c)
	}
	pad := []byte(strings.Repeat("x", *chunk))
	for range *rounds {
		for _, c := range cs {
			_ = c.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
			_, _ = c.Write(pad)
		}
		peak = max(peak, rss(*pid))
		time.Sleep(*every)
	}
	after := rss(*pid)
	answered := 0
	for _, c := range cs {
		_ = c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err == nil {
			resp.Body.Close()
			answered++
		}
	}
	fmt.Printf("RESULT conns=%d rss_before_kib=%d rss_after_kib=%d rss_peak_kib=%d delta_mib=%.1f answered=%d still_open=%d\n",
		*conns, before, after, peak, float64(peak-before)/1024, answered, *conns-answered)
}

func rss(pid int) int {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}
