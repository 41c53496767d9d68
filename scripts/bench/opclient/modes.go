package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"
)

// readChunk is the read buffer of stream mode: big enough that reading a
// multi-hundred-megabyte answer costs the client little CPU.
const readChunk = 256 << 10

func post(c *http.Client, o options, body []byte) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodPost, o.url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	req.SetBasicAuth(o.user, o.pass)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("post: %w", err)
	}
	return resp, nil
}

// postRead POSTs and reads the whole answer, which must be a 200.
func postRead(c *http.Client, o options, body []byte) ([]byte, error) {
	resp, err := post(c, o, body)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d: %.300s", resp.StatusCode, b)
	}
	return b, nil
}

// runJob starts a job and polls get_job until it ends.
func runJob(c *http.Client, o options) error {
	deadline := time.Now().Add(o.timeout)
	t0 := time.Now()
	b, err := postRead(c, o, o.body)
	if err != nil {
		return err
	}
	var started struct {
		JobID string `json:"job_id"`
	}
	if err := json.Unmarshal(b, &started); err != nil || started.JobID == "" {
		return fmt.Errorf("no job_id in %.300s", b)
	}
	accepted := time.Since(t0)
	poll := []byte(fmt.Sprintf(`{"operation":"get_job","id":%q}`, started.JobID))
	for polls := 1; time.Now().Before(deadline); polls++ {
		b, err := postRead(c, o, poll)
		if err != nil {
			return fmt.Errorf("get_job: %w", err)
		}
		var jobs []struct {
			Status  string          `json:"status"`
			Message string          `json:"message"`
			Result  json.RawMessage `json:"result"`
		}
		if err := json.Unmarshal(b, &jobs); err != nil || len(jobs) != 1 {
			return fmt.Errorf("get_job answer %.300s", b)
		}
		if j := jobs[0]; j.Status == "COMPLETE" || j.Status == "ERROR" {
			fmt.Printf("message: %s %s\n", j.Message, j.Result)
			fmt.Printf("RESULT ms=%.1f accepted_ms=%.1f polls=%d status=%s\n", ms(time.Since(t0)), ms(accepted), polls, j.Status)
			if j.Status == "ERROR" {
				return fmt.Errorf("job %s ended ERROR: %s", started.JobID, j.Message)
			}
			return nil
		}
		time.Sleep(o.poll)
	}
	return fmt.Errorf("job %s not done after %s", started.JobID, o.timeout)
}

// runStream reads one answer to its last byte, counting the bytes and
// the occurrences of -count (one per row when it names an attribute every
// row has), without holding the answer.
func runStream(c *http.Client, o options) error {
	t0 := time.Now()
	resp, err := post(c, o, o.body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, b)
	}
	buf := make([]byte, readChunk)
	pat := []byte(o.count)
	var total, rows int64
	var ttfb time.Duration
	var tail []byte // last len(pat)-1 bytes of the previous chunk
	var last byte
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			if total == 0 {
				ttfb = time.Since(t0)
			}
			total += int64(n)
			last = buf[n-1]
			if len(pat) > 0 {
				joined := append(tail, buf[:n]...)
				rows += int64(bytes.Count(joined, pat))
				keep := min(len(pat)-1, len(joined))
				tail = append(tail[:0], joined[len(joined)-keep:]...)
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read after %d bytes: %w", total, err)
		}
	}
	if last != ']' && last != '\n' && last != '}' {
		return fmt.Errorf("answer ends with %q after %d bytes: truncated?", last, total)
	}
	fmt.Printf("RESULT ttfb_ms=%.1f total_ms=%.1f bytes=%d rows=%d\n", ms(ttfb), ms(time.Since(t0)), total, rows)
	return nil
}

// runRepeat POSTs the same request -n times, one after another.
func runRepeat(c *http.Client, o options) error {
	if o.n <= 0 {
		return fmt.Errorf("-n must be positive")
	}
	times := make([]time.Duration, 0, o.n)
	var size int
	deadline := time.Now().Add(o.timeout)
	for i := 0; i < o.n && time.Now().Before(deadline); i++ {
		t := time.Now()
		b, err := postRead(c, o, o.body)
		if err != nil {
			return err
		}
		times = append(times, time.Since(t))
		size = len(b)
	}
	slices.Sort(times)
	var sum time.Duration
	for _, t := range times {
		sum += t
	}
	pct := func(p int) time.Duration { return times[(len(times)-1)*p/100] }
	fmt.Printf("RESULT calls=%d bytes=%d min_ms=%.2f p50_ms=%.2f mean_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
		len(times), size, ms(times[0]), ms(pct(50)), ms(sum/time.Duration(len(times))), ms(pct(99)), ms(times[len(times)-1]))
	return nil
}
