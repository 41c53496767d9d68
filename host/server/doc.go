// Package server is the Echo application that serves the operations API:
// POST / with a JSON body naming an operation.
//
// A request goes through, in order: the body size limit; authentication
// (Basic or Bearer; 401 before anything else, except for the Public token
// operations, which authenticate themselves); the content type (415);
// body parsing (400 for empty or malformed JSON, or no string
// "operation"); then the router (host/router): the registry lookup (400
// Operation 'X' not found), the access check (403 in HarperDB's shape for
// a super_user operation), and the operation, a host-local handler or the
// family's process, whose answer is streamed back to the client as it
// arrives.
//
// Every error answer is written by writeError, the one error writer: an
// *sdk.Error keeps its status and fields, anything else becomes a 500 with
// an error id that is logged with the cause. Messages users see are the
// constants in messages.go.
//
// labstack/echo/v4 was chosen for its small, allocation-light router and
// middleware chain and its clean shutdown; the handler itself is plain
// net/http underneath, so listeners handed over on restart (issue 3) plug
// straight into http.Server.Serve.
package server
