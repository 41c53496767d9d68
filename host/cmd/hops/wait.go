package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
)

// Following a job with `hops op --wait`.
const (
	// jobPollInterval is how often get_job is asked: often enough for a
	// bar that moves, rare enough to cost the server nothing.
	jobPollInterval = 250 * time.Millisecond
	// plainLineInterval spaces the progress lines written when stderr is
	// not a terminal (a log, a CI job), so a long job writes a few lines a
	// minute, not four a second.
	plainLineInterval = 5 * time.Second
	// maxPollErrors is how many get_job calls in a row may fail (hops
	// restarting, a network blip) before --wait gives up.
	maxPollErrors = 20
	// barWidth is the width of the progress bar, in cells.
	barWidth = 30
)

// Job states as get_job reports them.
const (
	jobComplete = "COMPLETE"
	jobError    = "ERROR"
)

// doneKeys are the progress members read as "how much is done", in
// order: "done" of sdk.Progress ({done, total, unit}), then the counts
// of families that report a progress object of their own.
var doneKeys = []string{"done", "rows_written", "records_written", "deleted", "processed", "count"}

// jobView is what --wait reads of a job record.
type jobView struct {
	ID       string          `json:"id"`
	Status   string          `json:"status"`
	Message  string          `json:"message"`
	Progress json.RawMessage `json:"progress"`
}

// progress reads done, total (0 when unknown) and the name of the done
// count from a job's progress object.
func (j jobView) progress() (done, total float64, unit string, ok bool) {
	var m map[string]any
	if len(j.Progress) == 0 || json.Unmarshal(j.Progress, &m) != nil {
		return 0, 0, "", false
	}
	total, _ = m["total"].(float64)
	for _, k := range doneKeys {
		if v, isNum := m[k].(float64); isNum {
			unit, _ = m["unit"].(string)
			if unit == "" && k != "done" {
				unit = strings.ReplaceAll(k, "_", " ")
			}
			return v, total, unit, true
		}
	}
	return 0, total, "", false
}

// follow polls get_job until the job ends, showing its progress on
// stderr, prints the final record on stdout, and fails when it ended
// ERROR.
func (cl *opClient) follow(c *cobra.Command, id string) error {
	errOut := c.ErrOrStderr()
	p := &progressPrinter{w: errOut, tty: isTerminal(errOut), id: id, began: time.Now()}
	failures := 0
	for {
		status, raw, err := cl.post(map[string]any{"operation": "get_job", "id": id})
		if err == nil && status != 200 {
			err = fmt.Errorf("get_job answered %d: %s", status, strings.TrimSpace(string(raw)))
		}
		var jobs []json.RawMessage
		var job jobView
		if err == nil {
			if err = json.Unmarshal(raw, &jobs); err == nil && len(jobs) != 1 {
				err = fmt.Errorf("get_job answered %d records for job %s", len(jobs), id)
			}
		}
		if err == nil {
			err = json.Unmarshal(jobs[0], &job)
		}
		if err != nil {
			failures++
			if failures >= maxPollErrors {
				p.end()
				return fmt.Errorf("following job %s: %w", id, err)
			}
			time.Sleep(jobPollInterval)
			continue
		}
		failures = 0
		p.show(job)
		if job.Status == jobComplete || job.Status == jobError {
			p.end()
			fmt.Fprintln(c.OutOrStdout(), pretty(jobs[0]))
			if job.Status == jobError {
				return &exitError{code: 1, msg: fmt.Sprintf("job %s ended ERROR: %s", id, job.Message)}
			}
			return nil
		}
		time.Sleep(jobPollInterval)
	}
}

// progressPrinter draws a job's progress: one redrawn line on a terminal,
// spaced plain lines otherwise.
type progressPrinter struct {
	w     io.Writer
	tty   bool
	id    string
	began time.Time
	// firstDone and firstAt anchor the rate: done counted since the first
	// sample over the time since then.
	firstDone float64
	firstAt   time.Time
	sampled   bool
	lastLine  time.Time
	lastText  string
	drawn     bool
}

func (p *progressPrinter) show(j jobView) {
	now := time.Now()
	done, total, unit, ok := j.progress()
	if ok && !p.sampled {
		p.firstDone, p.firstAt, p.sampled = done, now, true
	}
	rate := 0.0
	if ok && now.Sub(p.firstAt) > time.Second {
		rate = (done - p.firstDone) / now.Sub(p.firstAt).Seconds()
	}
	elapsed := now.Sub(p.began).Round(time.Second)
	if p.tty {
		fmt.Fprintf(p.w, "\r%s\x1b[K", barLine(j.Status, done, total, unit, ok, rate, elapsed))
		p.drawn = true
		return
	}
	text := plainLine(p.id, j.Status, done, total, unit, ok, rate)
	final := j.Status == jobComplete || j.Status == jobError
	if text != p.lastText && (final || now.Sub(p.lastLine) >= plainLineInterval || p.lastText == "") {
		fmt.Fprintln(p.w, text)
		p.lastLine, p.lastText = now, text
	}
}

// end finishes the terminal line.
func (p *progressPrinter) end() {
	if p.tty && p.drawn {
		fmt.Fprintln(p.w)
	}
}

func barLine(status string, done, total float64, unit string, ok bool, rate float64, elapsed time.Duration) string {
	var b strings.Builder
	if ok && total > 0 {
		frac := math.Min(done/total, 1)
		fill := int(frac * barWidth)
		b.WriteString("[" + strings.Repeat("#", fill) + strings.Repeat(".", barWidth-fill) + "]")
		fmt.Fprintf(&b, " %3.0f%% %s/%s %s", frac*100, count(done), count(total), unit)
	} else if ok {
		fmt.Fprintf(&b, "%s %s", count(done), unit)
	} else {
		b.WriteString(status)
	}
	if rate > 0 {
		fmt.Fprintf(&b, "  %s/s", count(rate))
	}
	fmt.Fprintf(&b, "  %s", elapsed)
	return b.String()
}

func plainLine(id, status string, done, total float64, unit string, ok bool, rate float64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "job %s: %s", id, status)
	switch {
	case ok && total > 0:
		fmt.Fprintf(&b, " %.0f%% (%s/%s %s)", math.Min(done/total, 1)*100, count(done), count(total), unit)
	case ok:
		fmt.Fprintf(&b, " %s %s", count(done), unit)
	}
	if rate > 0 && status != jobComplete && status != jobError {
		fmt.Fprintf(&b, ", %s/s", count(rate))
	}
	return b.String()
}

// count formats a whole number with thousands separators.
func count(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}
