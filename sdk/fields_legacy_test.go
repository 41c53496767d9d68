package sdk_test

import (
	"encoding/json"
	"testing"

	"github.com/hops-dev/hops/sdk"
)

func TestFieldHelpers(t *testing.T) {
	fields := map[string]json.RawMessage{
		"s": json.RawMessage(`"x"`), "n": json.RawMessage(`5`), "b": json.RawMessage(`"true"`),
		"arr": json.RawMessage(`["a"]`), "notarr": json.RawMessage(`"a"`), "null": json.RawMessage(`null`),
	}
	if _, _, err := sdk.String(fields, "n", true, false); err == nil || err.Error() != "'n' must be a string" {
		t.Errorf("String on a number: %v", err)
	}
	if _, _, err := sdk.String(fields, "null", true, false); err == nil || err.Error() != "'null' is required" {
		t.Errorf("String on null: %v", err)
	}
	if _, _, err := sdk.Bool(fields, "b", true); err == nil || err.Error() != "'b' must be a boolean" {
		t.Errorf("Bool is strict: %v", err)
	}
	if ss, ok, err := sdk.Strings(fields, "arr", true); err != nil || !ok || ss[0] != "a" {
		t.Errorf("Strings: %v %v %v", ss, ok, err)
	}
	if _, _, err := sdk.Strings(fields, "notarr", true); err == nil || err.Error() != "'notarr' must be an array" {
		t.Errorf("Strings on a string: %v", err)
	}
}

func TestRequestFields(t *testing.T) {
	r := &sdk.Request{Body: []byte(` {"operation":"get_status","id":"a","ID":"b","id":"c","n":{"x":[1]}} `)}
	f, err := r.Fields()
	if err != nil {
		t.Fatal(err)
	}
	if len(f) != 4 || string(f["id"]) != `"c"` || string(f["ID"]) != `"b"` || string(f["n"]) != `{"x":[1]}` {
		t.Errorf("Fields = %v", f)
	}
	if f, err := (&sdk.Request{Body: []byte(`{}`)}).Fields(); err != nil || f == nil || len(f) != 0 {
		t.Errorf("Fields of {} = %v, %v", f, err)
	}
	for _, body := range []string{``, `null`, `[{"a":1}]`, `"x"`, `{"a":1`, `{"a":1}x`} {
		if _, err := (&sdk.Request{Body: []byte(body)}).Fields(); err == nil || err.Error() != "request body must be a JSON object" {
			t.Errorf("Fields(%q) = %v, want the not-an-object error", body, err)
		}
	}
}
