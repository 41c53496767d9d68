package system

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"time"
)

// npmTimeout bounds one project's `npm install`: a cold install of a large
// dependency tree over a slow link takes minutes, and ten of them means
// npm is stuck (waiting on a registry that never answers), not working.
const npmTimeout = 10 * time.Minute

// npmWaitDelay is how long Wait waits for npm's output pipes to close
// after npm exits or is killed: a grandchild that inherited them must not
// hold the request open.
const npmWaitDelay = 5 * time.Second

// maxNpmOutput caps what is kept of each of npm's stdout and stderr: an
// install's --json report is tens of KiB; past 1 MiB it is noise that would
// only bloat the answer.
const maxNpmOutput = 1 << 20

// exitNotRun is the exit_code of a project npm did not run for (npm
// missing, or it could not start); it matches what os/exec reports for a
// process killed by a signal.
const exitNotRun = -1

// npmArgs are HarperDB's arguments: install even over peer-dependency
// conflicts, skip dev dependencies, report as JSON.
var npmArgs = []string{"install", "--force", "--omit=dev", "--json"}

// npmDryRunFlag is appended when the request asks for a dry run.
const npmDryRunFlag = "--dry-run"

// Messages in a project's npm_error when npm did not run to the end.
const (
	// MsgNpmNotFound starts npm_error when npm is not on PATH.
	MsgNpmNotFound = "npm was not found on PATH"
	// MsgNpmTimeout is npm_error when npm ran out of time; %s is the limit.
	MsgNpmTimeout = "npm install did not finish within %s and was stopped"
)

// npmResult is one project's entry in the reply. npm_output and npm_error
// hold npm's output parsed as JSON when it is JSON, else as text, and are
// null when empty; npm_error is null when npm exited 0.
type npmResult struct {
	NpmOutput any  `json:"npm_output"`
	NpmError  any  `json:"npm_error"`
	DryRun    bool `json:"dry_run"`
	ExitCode  int  `json:"exit_code"`
}

// lookNpm finds npm on PATH.
func lookNpm() (string, error) {
	path, err := exec.LookPath("npm")
	if err != nil {
		return "", fmt.Errorf("%s: %w", MsgNpmNotFound, err)
	}
	return path, nil
}

// runNpm runs npm install in dir and reports how it went; it never fails,
// every outcome is data for the reply.
func runNpm(ctx context.Context, npm, dir string, dryRun bool) npmResult {
	ctx, cancel := context.WithTimeout(ctx, npmTimeout)
	defer cancel()
	args := append([]string(nil), npmArgs...)
	if dryRun {
		args = append(args, npmDryRunFlag)
	}
	cmd := exec.CommandContext(ctx, npm, args...)
	cmd.Dir = dir
	stdout, stderr := &cappedBuffer{max: maxNpmOutput}, &cappedBuffer{max: maxNpmOutput}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = npmWaitDelay
	killGroupOnCancel(cmd)

	err := cmd.Run()
	res := npmResult{NpmOutput: stdout.value(), DryRun: dryRun}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return res
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		res.ExitCode, res.NpmError = exitNotRun, fmt.Sprintf(MsgNpmTimeout, npmTimeout)
	case errors.As(err, &exitErr):
		res.ExitCode, res.NpmError = exitErr.ExitCode(), stderr.value()
		if res.NpmError == nil {
			res.NpmError = err.Error()
		}
	default:
		res.ExitCode, res.NpmError = exitNotRun, err.Error()
	}
	return res
}

// cappedBuffer keeps the first max bytes written to it and counts the
// rest, so a chatty npm cannot grow the family's memory.
type cappedBuffer struct {
	buf     bytes.Buffer
	max     int
	dropped int
}

// Write implements io.Writer; it never fails, so npm never sees EPIPE.
func (c *cappedBuffer) Write(p []byte) (int, error) {
	room := c.max - c.buf.Len()
	if room >= len(p) {
		return c.buf.Write(p)
	}
	if room > 0 {
		c.buf.Write(p[:room])
	}
	c.dropped += len(p) - max(room, 0)
	return len(p), nil
}

// value is the output for the reply: nil when empty, JSON when it parses
// as JSON, else the text (with a note when it was cut).
func (c *cappedBuffer) value() any {
	out := bytes.TrimSpace(c.buf.Bytes())
	if len(out) == 0 && c.dropped == 0 {
		return nil
	}
	if c.dropped == 0 && json.Valid(out) {
		return json.RawMessage(bytes.Clone(out))
	}
	s := string(out)
	if c.dropped > 0 {
		s += fmt.Sprintf("\n[%d more bytes of output dropped]", c.dropped)
	}
	return s
}
