package plugin

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/hops-dev/hops/sdk"
)

// What an sdk.Response's fields mean on the wire: the one place that
// reads them.

// status is r's HTTP status: 200 when unset.
func status(r *sdk.Response) int {
	if r == nil || r.Status == 0 {
		return http.StatusOK
	}
	return r.Status
}

// contentType is r's content type: JSON when unset.
func contentType(r *sdk.Response) string {
	if r == nil || r.ContentType == "" {
		return sdk.ContentTypeJSON
	}
	return r.ContentType
}

// writeBody writes r's body to w: what Stream writes, or Value as JSON
// (HTML characters unescaped; a nil response is null).
func writeBody(r *sdk.Response, w io.Writer) error {
	if r != nil && r.Stream != nil {
		return r.Stream(w)
	}
	var v any
	if r != nil {
		v = r.Value
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// toError maps a handler's error to the *sdk.Error answered for it: an
// *sdk.Error (possibly wrapped), an sdk.StatusError's status and text, or
// the 507 of a write that found the disk full. ok is false for errors
// that carry no status (they become 500s).
func toError(err error) (*sdk.Error, bool) {
	if e, ok := sdk.AsError(err); ok {
		return e, true
	}
	if e, ok := sdk.DiskFullError(err); ok {
		return e, true
	}
	var se sdk.StatusError
	if errors.As(err, &se) {
		return &sdk.Error{Status: se.HTTPStatus(), Message: se.Error()}, true
	}
	return nil, false
}
