// Command hops-example is a small third-party hops plugin: the proof that
// a family built outside the hops tree, importing only the SDK, plugs into
// a hops host. It serves the `example` family:
//
//	example_greet          any authenticated user: {"name": "..."} -> a greeting
//	example_status_report  super users: runs get_status through the host's
//	                       Dispatch, as the caller, and summarises it
//
// Build it with `go build -o bin/hops-example ./plugins/example` and name it
// in the hops config file (see plugins/README.md).
package main

import "github.com/hops-dev/hops/sdk/plugin"

func main() { plugin.Serve(newFamily()) }
