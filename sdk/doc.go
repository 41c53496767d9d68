// Package sdk is everything a hops operation family imports: the Family
// interface and its operation table, the request and response types, the
// in-band error type, the host client a family uses to call back into the
// host, and Serve, which runs a family as a go-plugin process.
//
// # Where to start
//
// A family is a value that implements [Family]: it names itself and lists
// its [Operation]s, each with who may call it and a [Handler]. A plugin's
// main calls [Serve] with it:
//
//	func main() { sdk.Serve(&myFamily{}) }
//
// The host starts the binary, calls Describe to learn the operations,
// Configure to hand over the family's config section and the broker id of
// the Host service, then Handle for every request routed to the family, and
// Shutdown before it stops the process.
//
// # Why go-plugin over gRPC
//
// hashicorp/go-plugin gives process isolation (a crashing family never takes
// the host down), a handshake, AutoMTLS and checksum verification of
// third-party binaries, and a broker for the reverse channel (the Host
// service). Generated protobuf types stay behind the conversion code in this
// package (convert.go); exported signatures use the hand-written types here.
//
// # Bodies and errors
//
// Request and response bodies cross the process boundary as JSON bytes in
// chunks of [ChunkSize], so no single gRPC message approaches the 4 MiB
// default limit. An operation's failure is data: return an [*Error] (or wrap
// one) and the host writes {"error": "..."} with its status. A gRPC error
// means the transport failed. A handler that panics answers 500 with an
// error id; the process survives.
//
// Tests of a family run it over a real in-process gRPC connection with
// package sdktest.
package sdk
