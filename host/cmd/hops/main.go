// Command hops is the hops operations host.
//
//	hops run [flags]               serve the operations API
//	hops op OPERATION [k=v ...]    send one operation to a running hops
//	hops plugin builtin NAME       (internal) serve a builtin family
//	hops version
//
// `hops plugin builtin NAME` is how the host re-executes itself to run each
// builtin family as a child process; it is branched to before any host
// setup, so nothing is printed to stdout ahead of go-plugin's handshake.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/hops-dev/hops/builtin"
)

// Version is the hops version, set at build time with
// -ldflags "-X main.Version=...".
var Version = "0.1.0-dev"

func main() {
	if len(os.Args) >= 2 && os.Args[1] == "plugin" {
		os.Exit(pluginMain(os.Args[2:]))
	}
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	var code int
	switch os.Args[1] {
	case "run":
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
		code = runMain(ctx, os.Args[2:])
		stop()
	case "op":
		code = opMain(os.Args[2:])
	case "version", "--version", "-v":
		fmt.Println("hops", Version)
	case "help", "-h", "--help":
		usage()
	default:
		fmt.Fprintf(os.Stderr, "hops: unknown command %q\n", os.Args[1])
		usage()
		code = 2
	}
	os.Exit(code)
}

func usage() {
	fmt.Fprint(os.Stderr, `usage:
  hops run [--root DIR] [--host ADDR] [--port N] [--log-level L] [--admin-user U] [--admin-password P]
  hops op OPERATION [key=value ...]   (HOPS_URL, HOPS_USER, HOPS_PASSWORD)
  hops version
`)
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
