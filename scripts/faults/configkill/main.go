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
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hops-dev/hops/scripts/faults/internal/hopsproc"

	"gopkg.in/yaml.v3"
)

func main() {
	bin := flag.String("bin", "/tmp/f13-hops", "hops binary")
	port := flag.Int("port", 0, "loopback port (0: pick a free one)")
	kills := flag.Int("kills", 20, "how many times to kill the host")
	writers := flag.Int("writers", 4, "concurrent set_configuration clients")
	flag.Parse()
	h, err := hopsproc.New(*bin, *port, "configkill-", 10*time.Second)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer h.RemoveDir()
	failedStarts, torn := 0, 0
	var sets atomic.Int64
	cfg := filepath.Join(h.Root, "hops-config.yaml")
	for k := 1; k <= *kills; k++ {
		if err := h.Start(); err != nil {
			failedStarts++
			fmt.Printf("kill %d: hops did not start again: %v\n", k, err)
			h.KillHost()
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
					if code, _, err := h.Post(`{"operation":"set_configuration","logging_level":"` + level + `"}`); err == nil && code == 200 {
						sets.Add(1)
					}
				}
			})
		}
		time.Sleep(time.Duration(100+rand.IntN(800)) * time.Millisecond)
		h.KillHost()
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
		if err := h.Start(); err != nil {
			failedStarts++
			fmt.Println("final start:", err)
		}
		h.KillHost()
	}
	tmps, _ := filepath.Glob(filepath.Join(h.Root, ".hops-config.yaml.tmp-*"))
	fmt.Printf("RESULT kills=%d set_configuration_200=%d torn=%d failed_starts=%d tmp_files_left=%d\n", *kills, sets.Load(), torn, failedStarts, len(tmps))
	if torn > 0 || failedStarts > 0 {
		h.RemoveDir()
		os.Exit(1)
	}
}
