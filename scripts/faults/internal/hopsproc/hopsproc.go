// Package hopsproc starts, calls and kills a hops instance for the fault
// programs under scripts/faults (killload, configkill): the process
// handling they share, written once.
package hopsproc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// Host is one hops instance a fault program runs: its binary, the
// temporary directory holding its root, its loopback port, the running
// host process and its families' pids.
type Host struct {
	Bin, Dir, Root, URL string
	Port                int
	Cmd                 *exec.Cmd
	Families            map[string]int
	Client              *http.Client
	// Env is added to the host's environment (KEY=value), after the
	// root, port and admin variables Start sets.
	Env []string
}

// New makes the Host of bin on loopback port (0: a free one), with its
// root in a new temporary directory named after prefix (RemoveDir removes
// it) and an HTTP client of the given timeout. It starts nothing.
func New(bin string, port int, prefix string, timeout time.Duration) (*Host, error) {
	if port == 0 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("pick a port: %w", err)
		}
		port = l.Addr().(*net.TCPAddr).Port
		l.Close()
	}
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return nil, fmt.Errorf("make a root: %w", err)
	}
	return &Host{Bin: bin, Dir: dir, Root: dir + "/root", Port: port,
		URL: fmt.Sprintf("http://127.0.0.1:%d/", port), Client: &http.Client{Timeout: timeout}}, nil
}

// RemoveDir removes the temporary directory New made.
func (h *Host) RemoveDir() { os.RemoveAll(h.Dir) }

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
	cmd.Env = append(cmd.Env, h.Env...)
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
