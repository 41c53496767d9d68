package router

import (
	"bytes"
	"encoding/json"
	"errors"

	"github.com/hops-dev/hops/sdk"
	"github.com/hops-dev/hops/sdk/jsonobj"
)

// OperationName validates body as JSON and returns its "operation". The
// key is matched exactly, as HarperDB (JavaScript) reads it: neither
// "Operation" nor "OPERATION" names the operation, and of duplicate keys
// the last wins.
func OperationName(body []byte) (string, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return "", sdk.BadRequest(MsgEmptyBody)
	}
	if !json.Valid(trimmed) {
		// Decoding again only to word the error as encoding/json does.
		var v any
		err := json.Unmarshal(trimmed, &v)
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return "", sdk.BadRequest("Invalid JSON in the request body: %v", err)
		}
		return "", sdk.BadRequest("Invalid JSON in the request body")
	}
	if trimmed[0] != '{' {
		return "", sdk.BadRequest(MsgNoOperation)
	}
	var raw []byte
	for k, v := range jsonobj.Members(trimmed) {
		if jsonobj.KeyIs(k, "operation") {
			raw = v // the last duplicate wins, as in JSON.parse
		}
	}
	if len(raw) < 2 || raw[0] != '"' {
		return "", sdk.BadRequest(MsgNoOperation)
	}
	if jsonobj.PlainASCII(raw) {
		return string(raw[1 : len(raw)-1]), nil
	}
	// Escapes, or bytes that may not be UTF-8 (encoding/json replaces
	// those with U+FFFD): let encoding/json read it.
	var op string
	if err := json.Unmarshal(raw, &op); err != nil {
		return "", sdk.BadRequest(MsgNoOperation)
	}
	return op, nil
}
