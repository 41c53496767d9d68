package sdk

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Error is an operation failure that travels in-band: the host answers with
// Status and {"error": Message} plus any Extra fields (for example the
// unauthorized_access list of a 403).
type Error struct {
	// Status is the HTTP status (400, 403, 404, 409, 500, 503).
	Status int
	// Message is the text of the "error" field.
	Message string
	// Extra holds more top-level fields of the error body.
	Extra map[string]any
}

// Error implements error.
func (e *Error) Error() string { return e.Message }

// Body is the JSON object the host writes for e.
func (e *Error) Body() map[string]any {
	m := make(map[string]any, len(e.Extra)+1)
	m["error"] = e.Message
	for k, v := range e.Extra {
		m[k] = v
	}
	return m
}

// Errorf returns an *Error with the given status and formatted message.
func Errorf(status int, format string, args ...any) *Error {
	return &Error{Status: status, Message: fmt.Sprintf(format, args...)}
}

// BadRequest returns a 400 *Error.
func BadRequest(format string, args ...any) *Error {
	return Errorf(http.StatusBadRequest, format, args...)
}

// NotFound returns a 404 *Error.
func NotFound(format string, args ...any) *Error {
	return Errorf(http.StatusNotFound, format, args...)
}

// UnauthorizedMessage is HarperDB's message for a permission failure.
const UnauthorizedMessage = "This operation is not authorized due to role restrictions and/or invalid database items"

// Forbidden returns HarperDB's 403: the unauthorized_access list says what
// was missing, invalidSchemaItems names hidden or unknown tables.
func Forbidden(unauthorizedAccess []any, invalidSchemaItems []string) *Error {
	if unauthorizedAccess == nil {
		unauthorizedAccess = []any{}
	}
	if invalidSchemaItems == nil {
		invalidSchemaItems = []string{}
	}
	return &Error{Status: http.StatusForbidden, Message: UnauthorizedMessage, Extra: map[string]any{
		"unauthorized_access":  unauthorizedAccess,
		"invalid_schema_items": invalidSchemaItems,
	}}
}

// AsError reports whether err is or wraps an *Error, and returns it.
func AsError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// StatusError is implemented by errors of other packages (a store's typed
// errors, say) that know their HTTP status; a handler may return them
// directly and the SDK answers with that status and the error's text.
type StatusError interface {
	error
	HTTPStatus() int
}

// decodeErrorBody turns an error answer back into an *Error, keeping extra
// fields, so an error relayed through Dispatch keeps its shape.
func decodeErrorBody(status int, r io.Reader) *Error {
	data, _ := io.ReadAll(io.LimitReader(r, maxErrorBody))
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return &Error{Status: status, Message: strings.TrimSpace(string(data))}
	}
	e := &Error{Status: status}
	if s, ok := m["error"].(string); ok {
		e.Message = s
	}
	delete(m, "error")
	if len(m) > 0 {
		e.Extra = m
	}
	return e
}

// maxErrorBody bounds how much of an error answer is read: error bodies are
// small, and a misbehaving peer must not make us buffer a whole stream.
const maxErrorBody = 1 << 20
