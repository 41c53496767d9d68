// Package router owns operation routing: the one place that decides
// whether an operation is served in the host process or by a family.
//
// Every request enters through a Router, whoever sends it: the HTTP
// server after it has authenticated the caller (Route, with the
// operation already read), a family's Host.Dispatch, role validation's
// schema questions and the HTTPS certificate source (Do, with a body).
// For each the router
//
//  1. reads the operation name from the body (exact key, last duplicate
//     wins), 400 when there is none;
//  2. looks it up in the registry, 400 "Operation 'X' not found";
//  3. checks access: a super_user operation called by anyone else is a
//     403 in HarperDB's words;
//  4. runs a registry.KindLocal entry's handler in-process, in the
//     request's goroutine (panics recovered, the answer encoded as a
//     family's would be, plugin.Local's path for errors and streams; see
//     local.go), or forwards a registry.KindFamily entry to its family
//     through the Forwarder.
//
// Failures come back as an *sdk.Error (status and message); the caller
// writes them (the HTTP server's one error writer, or an in-band reply
// for Dispatch). The router holds no reference to an HTTP server, so a
// restart_service that swaps the servers does not change routing.
package router
