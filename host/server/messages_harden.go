package server

// Messages of the HTTP hardening (body.go, conns.go).
const (
	// MsgBodyTimeout: the body did not arrive within
	// operationsApi.network.timeout (408; the connection closes).
	MsgBodyTimeout = "Request body not received within %v (operationsApi.network.timeout)"
	// MsgDraining: a body still arriving when the server began to drain
	// for a restart (503; retry, the next server answers).
	MsgDraining = "The server is restarting; send the request again"
	// MsgSmuggled: a request with both Transfer-Encoding and
	// Content-Length (400; the connection closes).
	MsgSmuggled = "A request must not have both Transfer-Encoding and Content-Length"
	// MsgLoginForBody: an unauthenticated request whose body is larger
	// than a public operation's could be (401, like the missing login it
	// is).
	MsgLoginForBody = "Must login"
)
