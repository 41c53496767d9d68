package sdk

import (
	"encoding/json"
	"io"
	"net/http"
)

// Caller is the authenticated user an operation runs as.
type Caller struct {
	// Username is the user's name.
	Username string
	// Role is the name of the user's role.
	Role string
	// SuperUser is true when the role grants every right.
	SuperUser bool
	// Permissions is the role's permission object as JSON (HarperDB's
	// shape: {"super_user": bool, "<db>": {"tables": {...}}}).
	Permissions json.RawMessage
	// Token is an opaque host-signed token naming the caller. Pass the
	// Caller to Host.Dispatch or JobStart to act as this user.
	Token string
	// Internal is true for the host's own internal caller only (the host
	// acting for itself or for a builtin family's empty caller); it is
	// host-side and never crosses the wire, so a family always sees false.
	Internal bool
}

// Request is one operation call.
type Request struct {
	// Operation is the operation name.
	Operation string
	// Body is the whole request body, the JSON object the client sent
	// (including the "operation" key).
	Body []byte
	// Caller is the authenticated user.
	Caller Caller
	// ID identifies the request in the host's and the family's logs.
	ID string
	// Host calls back into the host. The SDK sets it in the family's
	// process; a request the host sends carries none.
	Host Host
}

// Fields returns the reader of the request body's fields (see Fields):
// exact keys, the last duplicate wins, null is a value of the wrong type,
// and Err names every invalid field at once.
func (r *Request) Fields() *Fields { return ReadFields(r.Body) }

// ContentTypeJSON is the content type of JSON answers, as HarperDB sends it
// (no charset parameter).
const ContentTypeJSON = "application/json"

// Response is an operation's answer. Either Value is encoded as JSON, or
// Stream writes the body (for answers proportional to table size). The
// same Response answers a family's operations and the host's own.
type Response struct {
	// Status is the HTTP status; 0 means 200.
	Status int
	// ContentType defaults to application/json.
	ContentType string
	// Value is encoded as JSON when Stream is nil (nil encodes as null).
	Value any
	// Stream, when set, writes the body. What it writes is sent in chunks
	// as it is written; memory stays flat however large the body is.
	Stream func(w io.Writer) error
}

// OK answers 200 with v encoded as JSON.
func OK(v any) *Response { return &Response{Status: http.StatusOK, Value: v} }

// Message answers 200 with {"message": msg}.
func Message(msg string) *Response { return OK(map[string]string{"message": msg}) }

// Streamed answers 200 with a body written by fn.
func Streamed(contentType string, fn func(w io.Writer) error) *Response {
	return &Response{Status: http.StatusOK, ContentType: contentType, Stream: fn}
}

// RawJSON answers 200 with body, which must already be JSON.
func RawJSON(body []byte) *Response {
	return Streamed(ContentTypeJSON, func(w io.Writer) error {
		n, err := w.Write(body)
		if err == nil && n < len(body) {
			err = io.ErrShortWrite
		}
		return err
	})
}
