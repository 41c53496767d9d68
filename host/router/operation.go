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
	raw := operationMember(trimmed)
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

// operationMember is the raw text of obj's last "operation" member, or
// nil.
func operationMember(obj []byte) []byte {
	var raw []byte
	for k, v := range jsonobj.Members(obj) {
		if jsonobj.KeyIs(k, "operation") {
			raw = v // the last duplicate wins, as in JSON.parse
		}
	}
	return raw
}

// TrustedOperationName is OperationName for a body the hops binary's own
// code wrote (a builtin family's Dispatch): the operation is read from
// the body's members without validating the whole body first, which for
// a replicated batch of several MiB is most of the routing's cost; the
// operation that reads the body validates what it uses. For a valid body
// the answer is OperationName's. A body whose operation is not a plain
// string found that way (none, escapes, not an object) gets
// OperationName's answer, errors included.
func TrustedOperationName(body []byte) (string, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		if raw := operationMember(trimmed); len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' && jsonobj.PlainASCII(raw) {
			return string(raw[1 : len(raw)-1]), nil
		}
	}
	return OperationName(body)
}
