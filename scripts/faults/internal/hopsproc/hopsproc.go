// Package hopsproc starts, calls and kills a hops instance for the fault
// programs under scripts/faults (killload, configkill): the process
// handling they share, written once.
package hopsproc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// Host is one hops instance a fault program runs: its binary, root and
// loopback port, the running host process and its families' pids.
type Host struct {
	Bin, Root, URL string
	Port           int
	Cmd            *exec.Cmd
	Families       map[string]int
	Client         *http.Client
}

// Post sends body as the admin user and returns the status and answer.
func (h *Host) Post(body string) (int, []byte, error) {
	req, _ := http.NewRequest("POST", h.URL, bytes.NewReader([]byte(body)))
	req.SetBasicAuth("admin", "password")
	req.Header.Set("Content-Type", "application/json")
	resp, err := h.Client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// Start runs the host on Root and Port (output appended to Root+".out")
// and waits up to 60 s until every family serves, recording their pids.
func (h *Host) Start() error {
	cmd := exec.Command(h.Bin, "run")
	cmd.Env = append(os.Environ(), "ROOTPATH="+h.Root, "HDB_ADMIN_USERNAME=admin",
		"HDB_ADMIN_PASSWORD=password", "OPERATIONSAPI_NETWORK_PORT="+strconv.Itoa(h.Port))
	log, err := os.OpenFile(h.Root+".out", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	h.Cmd = cmd
	go func() { _ = cmd.Wait(); log.Close() }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		code, b, err := h.Post(`{"operation":"host_information"}`)
		if err == nil && code == 200 {
			var hi struct {
				Plugins []struct {
					Name  string `json:"name"`
					Pid   int    `json:"pid"`
					State string `json:"state"`
				} `json:"plugins"`
			}
			if json.Unmarshal(b, &hi) == nil {
				ready := len(hi.Plugins) > 0
				h.Families = map[string]int{}
				for _, p := range hi.Plugins {
					h.Families[p.Name] = p.Pid
					ready = ready && p.State == "serving"
				}
				if ready {
					return nil
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("hops did not answer within 60 s (see %s.out)", h.Root)
}

// Alive reports whether pid runs (a zombie does not).
func Alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// a zombie is gone for our purpose
	return !bytes.Contains(b, []byte(") Z "))
}

// KillHost SIGKILLs the host only and waits up to 10 s for its families
// to exit; it kills the ones that stay and says so.
func (h *Host) KillHost() {
	pgid := h.Cmd.Process.Pid
	_ = h.Cmd.Process.Signal(syscall.SIGKILL)
	deadline := time.Now().Add(10 * time.Second)
	for name, pid := range h.Families {
		for Alive(pid) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if Alive(pid) {
			fmt.Printf("family %s (pid %d) outlived its host by 10 s: killed\n", name, pid)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}
