// Command hops is the hops operations host.
//
//	hops run                       serve the operations API in the foreground
//	hops start | stop | restart | status
//	                               the same in the background, by pid file
//	hops op OPERATION [k=v ...]    send one operation to a running hops
//	hops config check              report config keys no layer knows
//	hops version | completion
//	hops plugin builtin NAME       (internal) serve a builtin family
//
// The commands are spf13/cobra commands (root.go); `hops help COMMAND` and
// `COMMAND --help` describe each. `hops plugin builtin NAME` is how the
// host re-executes itself to run each builtin family as a child process;
// main branches to it before cobra or any host setup, so nothing is
// printed to stdout ahead of go-plugin's handshake.
package main

import (
	"fmt"
	"os"

	"github.com/hops-dev/hops/builtin"
)

// Version is the hops version, set at build time with
// -ldflags "-X main.Version=...".
var Version = "0.1.0-dev"

func main() {
	if len(os.Args) >= 2 && os.Args[1] == "plugin" {
		if len(os.Args) == 4 {
			profileOnSignal(os.Args[3])
		}
		os.Exit(pluginMain(os.Args[2:]))
	}
	profileOnSignal("host")
	os.Exit(execute(os.Args[1:]))
}

// pluginMain serves a builtin family: `hops plugin builtin NAME`.
func pluginMain(args []string) int {
	if len(args) != 2 || args[0] != "builtin" {
		fmt.Fprintln(os.Stderr, "usage: hops plugin builtin NAME")
		return 2
	}
	if err := builtin.Serve(args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "hops plugin:", err)
		return 1
	}
	return 0
}
