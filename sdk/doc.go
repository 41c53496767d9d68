// Package sdk is what a hops operation family is written against: the
// [Family] interface and its operation table, the [Request] a handler
// reads and the [Response] it answers, the in-band [Error], and the
// [Host] a family calls back into. Package sdk/plugin runs a family as a
// process (plugin.Serve) and is the host's side of the same wire;
// package sdk/sdktest tests a family over a real gRPC connection.
//
// # Where to start
//
// A family is a value that implements [Family]: it names itself and lists
// its [Operation]s, each with who may call it and a [Handler]:
//
//	func(ctx context.Context, req *sdk.Request) (*sdk.Response, error)
//
// A plugin's main serves it:
//
//	func main() { plugin.Serve(&myFamily{}) }
//
// The host starts the binary, calls Describe to learn the operations,
// Configure to hand over the family's [Config], then the handlers for every
// request routed to the family, and Shutdown before it stops the process.
//
// # Bodies and errors
//
// Request and response bodies cross the process boundary as JSON bytes in
// chunks, so no single gRPC message approaches gRPC's message limit, and a
// [Streamed] answer keeps memory flat however large it is. An operation's
// failure is data: return an [*Error] (or wrap one, or any error with an
// HTTPStatus method, see [StatusError]) and the host writes
// {"error": "..."} with its status. Any other error, or a panic, answers
// 500 with an error id that is logged with the cause; the process
// survives.
package sdk
