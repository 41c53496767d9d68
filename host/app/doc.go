// Package app assembles a running hops instance from its parts: config,
// logging, the system database (users, roles, jobs), the operation
// registry, the supervisor and its families, and the HTTP server. It is
// what `hops run` calls; host/cmd/hops only parses flags.
//
// Start in app.go (Run: the boot order and the shutdown order), then
// bridge.go (the Host service families call back into) and specs.go (how
// builtin and third-party families are started).
package app
