// Package app assembles a running hops instance from its parts: config,
// logging, the system database (users, roles, jobs), the operation
// registry and router, the supervisor and its families, the system
// operations (host/sysops) and the HTTP servers. It is
// what `hops run` calls; host/cmd/hops only parses flags.
//
// Start in app.go (Run: the boot order and the shutdown order), then
// bridge.go (the Host service families call back into, through the
// router), serve.go and sysinstance.go (the listeners and the HTTP roll)
// and specs.go (how builtin and third-party families are started).
package app
