package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// coldPoll is how often cold mode asks whether the server answers yet: a
// millisecond keeps the figure's resolution finer than what it measures
// without the polling itself loading the two CPUs.
const coldPoll = time.Millisecond

// coldStopGrace is how long cold mode waits for the server it started to
// stop after SIGTERM before it kills the server's process group.
const coldStopGrace = 15 * time.Second

// runCold starts the command after "--" (in a process group of its own,
// with this process's environment), POSTs the body every coldPoll until
// an answer is a 200, and notes the time from the start to that answer
// and the CPU time the command's process group used up to it (groupCPU,
// which the machine's other work changes less). hops answers while its
// families start, so it then polls GET /ready (beside the URL) every
// coldPoll until a 200 and notes time and CPU again: the whole start.
// It prints both, then stops the command (SIGTERM to its group, SIGKILL
// after coldStopGrace).
func runCold(c *http.Client, o options, argv []string) error {
	if len(argv) == 0 {
		return errors.New("cold: the command to start goes after --")
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// hops holds an early request until the family that answers it has
	// started: a request may take as long as a start.
	c.Timeout = min(o.timeout, 30*time.Second)
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("cold: start: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(coldStopGrace):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}
	deadline := t0.Add(o.timeout)
	if err := pollOK(func() (*http.Response, error) { return post(c, o, o.body) }, exited, deadline); err != nil {
		if !errors.Is(err, errExited) {
			stop()
		}
		return fmt.Errorf("cold: first answer: %w", err)
	}
	first := time.Since(t0)
	cpu := groupCPU(cmd.Process.Pid)
	readyURL := strings.TrimSuffix(o.url, "/") + "/ready"
	if err := pollOK(func() (*http.Response, error) { return c.Get(readyURL) }, exited, deadline); err != nil {
		if !errors.Is(err, errExited) {
			stop()
		}
		return fmt.Errorf("cold: /ready: %w", err)
	}
	ready := time.Since(t0)
	readyCPU := groupCPU(cmd.Process.Pid)
	stop()
	fmt.Printf("RESULT first_answer_ms=%.1f cpu_ms=%.0f ready_ms=%.1f ready_cpu_ms=%.0f\n", ms(first), ms(cpu), ms(ready), ms(readyCPU))
	return nil
}

// clockTick is the unit of /proc/<pid>/stat's CPU times (USER_HZ, 100 on
// Linux).
const clockTick = 10 * time.Millisecond

// groupCPU sums the CPU time (user + system) the processes of process
// group pgid have used so far, from /proc: what a start cost, whatever
// else the machine was doing.
func groupCPU(pgid int) time.Duration {
	ents, _ := os.ReadDir("/proc")
	var ticks int64
	for _, e := range ents {
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// Fields after the command name, which may hold spaces: state is
		// the first, pgrp the third, utime and stime the 12th and 13th.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 13 || f[2] != strconv.Itoa(pgid) {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		s, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += u + s
	}
	return time.Duration(ticks) * clockTick
}

// errExited is pollOK's error when the server exits before answering.
var errExited = errors.New("the server exited before answering")

// pollOK calls do every coldPoll until it answers 200 (the body read and
// closed), the server exits (a value on exited: errExited), or deadline
// passes.
func pollOK(do func() (*http.Response, error), exited <-chan error, deadline time.Time) error {
	for {
		if resp, err := do(); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-exited:
			return fmt.Errorf("%w: %v", errExited, err)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no 200 by the deadline")
		}
		time.Sleep(coldPoll)
	}
}
