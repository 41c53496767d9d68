// Package plugin is the wire between the hops host and its families, both
// ends of it: [Serve] runs a family (written against package sdk) as a
// go-plugin process, and the host starts that process with [Handshake] and
// [PluginSet], gets a [FamilyClient] with [Dispense], and forwards
// requests with [FamilyClient.Handle]. The host's own operations answer
// through [Local], the same path from a handler to a reply.
//
// A plugin author needs only Serve, in main; everything else here is the
// host's.
//
// # Why go-plugin over gRPC
//
// hashicorp/go-plugin gives process isolation (a crashing family never
// takes the host down), a handshake, mutual TLS (tls.go: go-plugin's
// AutoMTLS scheme with P-256 keys) and checksum verification of
// third-party binaries, and a broker for the reverse channel (the Host
// service, through which a family's sdk.Host calls reach the host). The
// generated protobuf types live in sdk/internal/proto and never appear in
// an exported signature; convert.go maps package sdk's types to them.
//
// # The wire
//
// A request crosses as a header (operation, caller, request id) with the
// first chunk of its JSON body, then further chunks, the last one marked
// end; an answer as a header (status, content type) with its first chunk,
// and so on. No message carries more than [ChunkSize] bytes of body.
// Requests to one family travel on pooled Handle streams (lanes), one
// request after another.
//
// Start with plugin.go (the go-plugin glue), client.go (the host's side)
// and server.go (the family's side).
package plugin
