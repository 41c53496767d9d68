// Package supervisor starts, pings, restarts, rolls and stops the plugin
// processes that serve operation families, and forwards requests to them.
//
// Each family is a child process started through hashicorp/go-plugin
// (gRPC, mutual TLS with keys made per start: sdk/plugin's tls.go). A builtin family is the hops binary itself re-executed
// as `hops plugin builtin NAME`; a third-party family is the executable the
// config names, checked against its SHA-256 before it starts (go-plugin's
// SecureConfig) and given only the environment the config lists.
//
// # Lifecycle of a family
//
//	start -> describe (API version, operation names) -> configure -> serving
//	serving -> process exits or stops answering pings -> down (503s) ->
//	  restart after backoff -> serving
//	serving -> Roll: a new process is started and configured, requests go to
//	  it, the old one is shut down once its in-flight requests end
//
// A process's exit is seen through go-plugin's own signal (the context it
// cancels once it has waited for the process, FamilyClient.Exited); a
// process that stops answering is found by pings with a deadline
// (Options.PingInterval) and killed with SIGKILL. Restarts wait
// Options.BackoffMin, doubling up to BackoffMax while the family keeps
// failing.
//
// A restarted process must describe the same operations; if it does not,
// the family stays down with a logged reason. While a family is down its
// operations answer 503 and every other family keeps serving.
//
// # Orphans
//
// Children must die with the host, even on SIGKILL. Each child is started
// with Pdeathsig=SIGKILL from a goroutine locked to its OS thread, which
// stays parked for the child's whole life (Linux delivers the signal when
// the thread that forked dies, not the process), and the SDK's Serve also
// runs a parent-PID watchdog in the child.
//
// Start in supervisor.go (Supervisor, Spec, Options), then family.go (one
// family's state machine) and process.go (one process). The tests run the
// test binary itself as a family's process (helper_test.go).
package supervisor
