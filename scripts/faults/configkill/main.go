// Command configkill checks that the config file is never torn by a kill
// (issue 13). It starts hops (-bin) on a fresh root and a loopback port,
// and -kills times: runs -writers clients looping set_configuration
// (logging_level alternating debug and info), SIGKILLs the host after a
// random 100-900 ms, waits for its family processes to go, checks that
// <root>/hops-config.yaml parses as YAML and still has its logging.level,
// and starts hops again on the same root (which must answer within 60 s).
// It prints one line per kill and:
//
//	RESULT kills=.. set_configuration_200=.. torn=.. failed_starts=.. tmp_files_left=..
//
// It exits non-zero when a file is torn or hops does not start. Every
// process it starts is killed on exit.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"gopkg.in/yaml.v3"
)

type host struct {
	bin, root, url string
	port           int
	cmd            *exec.Cmd
	families       map[string]int
	client         *http.Client
}

func (h *host) post(body string) (int, []byte, error) {
	req, _ := http.NewRequest("POST", h.url, bytes.NewReader([]byte(body)))
	req.SetBasicAuth("admin", "password")
	req.Header.Set("Content-Type", "application/json")
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func (h *host) start() error {
	cmd := exec.Command(h.bin, "run")
	cmd.Env = append(os.Environ(), "ROOTPATH="+h.root, "HDB_ADMIN_USERNAME=admin",
		"HDB_ADMIN_PASSWORD=password", "OPERATIONSAPI_NETWORK_PORT="+strconv.Itoa(h.port))
	log, err := os.OpenFile(h.root+".out", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	h.cmd = cmd
	go func() { _ = cmd.Wait(); log.Close() }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		code, b, err := h.post(`{"operation":"host_information"}`)
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
				h.families = map[string]int{}
				for _, p := range hi.Plugins {
					h.families[p.Name] = p.Pid
					ready = ready && p.State == "serving"
				}
				if ready {
					return nil
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("hops did not answer within 60 s (see %s.out)", h.root)
}

func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// a zombie is gone for our purpose
	return !bytes.Contains(b, []byte(") Z "))
}

// killHost SIGKILLs the host only and waits up to 10 s for its families
// to exit; it kills the ones that stay and says so.
func (h *host) killHost() {
	pgid := h.cmd.Process.Pid
	_ = h.cmd.Process.Signal(syscall.SIGKILL)
	deadline := time.Now().Add(10 * time.Second)
	for name, pid := range h.families {
		for alive(pid) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if alive(pid) {
			fmt.Printf("family %s (pid %d) outlived its host by 10 s: killed\n", name, pid)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

func main() {
	bin := flag.String("bin", "/tmp/f13-hops", "hops binary")
	port := flag.Int("port", 0, "loopback port (0: pick a free one)")
	kills := flag.Int("kills", 20, "how many times to kill the host")
	writers := flag.Int("writers", 4, "concurrent set_configuration clients")
	flag.Parse()
	if *port == 0 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		*port = l.Addr().(*net.TCPAddr).Port
		l.Close()
	}
	dir, err := os.MkdirTemp("", "configkill-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer os.RemoveAll(dir)
	h := &host{bin: *bin, root: dir + "/root", port: *port, url: fmt.Sprintf("http://127.0.0.1:%d/", *port),
		client: &http.Client{Timeout: 10 * time.Second}}
	failedStarts, torn := 0, 0
	var sets atomic.Int64
	cfg := filepath.Join(h.root, "hops-config.yaml")
	for k := 1; k <= *kills; k++ {
		if err := h.start(); err != nil {
			failedStarts++
			fmt.Printf("kill %d: hops did not start again: %v\n", k, err)
			h.killHost()
			break
		}
		var stop atomic.Bool
		var wg sync.WaitGroup
		for w := range *writers {
			wg.Go(func() {
				for i := w; !stop.Load(); i++ {
					level := "debug"
					if i%2 == 1 {
						level = "info"
					}
					if code, _, err := h.post(`{"operation":"set_configuration","logging_level":"` + level + `"}`); err == nil && code == 200 {
						sets.Add(1)
					}
				}
			})
		}
		time.Sleep(time.Duration(100+rand.IntN(800)) * time.Millisecond)
		h.killHost()
		stop.Store(true)
		wg.Wait()
		data, err := os.ReadFile(cfg)
		var doc struct {
			Logging struct {
				Level string `yaml:"level"`
			} `yaml:"logging"`
		}
		verdict := "parses"
		if err != nil {
			verdict = "unreadable: " + err.Error()
		} else if err := yaml.Unmarshal(data, &doc); err != nil {
			verdict = "TORN: " + err.Error()
		} else if doc.Logging.Level == "" {
			verdict = "TORN: no logging.level"
		}
		if verdict != "parses" {
			torn++
		}
		fmt.Printf("kill %d: %d bytes, logging.level=%q, %s (set_configuration answered 200 %d times so far)\n", k, len(data), doc.Logging.Level, verdict, sets.Load())
	}
	if failedStarts == 0 {
		if err := h.start(); err != nil {
			failedStarts++
			fmt.Println("final start:", err)
		}
		h.killHost()
	}
	tmps, _ := filepath.Glob(filepath.Join(h.root, ".hops-config.yaml.tmp-*"))
	fmt.Printf("RESULT kills=%d set_configuration_200=%d torn=%d failed_starts=%d tmp_files_left=%d\n", *kills, sets.Load(), torn, failedStarts, len(tmps))
	if torn > 0 || failedStarts > 0 {
		os.RemoveAll(dir)
		os.Exit(1)
	}
}
