package jsontest

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// errTrailing marks input with more after the object.
var errTrailing = errors.New("trailing data")

// StdJSON is what encoding/json writes for v with HTML escaping off,
// without the newline its Encoder ends with. It fails the test when
// encoding/json refuses v.
func StdJSON(t testing.TB, v any) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatalf("encoding/json refuses %#v: %v", v, err)
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

// StdDecode is the decoders' reference: encoding/json with UseNumber,
// decoding one JSON object and refusing anything after it.
func StdDecode(b []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errTrailing
	}
	return m, nil
}
