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
// # Reading a request
//
// A handler reads its body with [Request.Fields], the one reader of
// request fields: keys are exact, the last of duplicate keys wins (as in
// JavaScript), null is a value of the wrong type, and nested objects are
// read the same way ([Fields.Object]). Every read records what is wrong
// with its field; [Fields.Err] answers 400 naming all of them, joined as
// HarperDB joins its validation messages:
//
//	f := req.Fields()
//	name := f.String("name", sdk.Required, sdk.MaxLength(100))
//	n, ok := f.Int("limit")
//	if err := f.Err(); err != nil {
//		return nil, err
//	}
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
