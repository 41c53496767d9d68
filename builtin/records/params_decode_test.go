package records

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestDecodeObjectsAgreesWithEncodingJSON: the insert path's fast decode of
// records gives what encoding/json (UseNumber) gives, or declines.
func TestDecodeObjectsAgreesWithEncodingJSON(t *testing.T) {
	agree := []string{
		`[]`,
		`[{}]`,
		` [ {"a" : 1} ]`,
		`[{"id":1,"a":1.50,"b":-0,"c":1e300,"d":true,"e":null,"f":[1,"x",{"g":[]}],"h":{"i":{"j":"k"}}}]`,
		`[{"id":"q\"uote\\ \u0001 \u2028 é","id":2},{"id":3,"n":12345678901234567890}]`,
		benchBodyString(),
	}
	for _, in := range agree {
		got, ok := decodeObjects(json.RawMessage(in))
		if !ok {
			t.Errorf("declined %.80s", in)
			continue
		}
		var want []map[string]any
		if err := decodeNumbers(json.RawMessage(in), &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%.80s: got %v, want %v", in, got, want)
		}
	}
	decline := []string{`[null]`, `[1]`, `[{"a":1},"x"]`, `{"a":1}`, `[{"a":"\ud800"}]`, "[{\"a\":\"\xff\"}]", `[{"a":1}`}
	for _, in := range decline {
		if out, ok := decodeObjects(json.RawMessage(in)); ok {
			t.Errorf("%q decoded to %v; want the encoding/json path", in, out)
		}
	}
}

func benchBodyString() string { return string(benchBody(0)) }

// TestDecodeArrayAgreesWithEncodingJSON: search_by_hash's ids (and every
// other array of values) decode as encoding/json (UseNumber) decodes
// them, through fastjson or not.
func TestDecodeArrayAgreesWithEncodingJSON(t *testing.T) {
	for _, in := range []string{`[]`, `[1,"a",2.50,-0,1e300,12345678901234567890]`,
		`["q\"uote\\ \u0001 \u2028 é",null,true,[1],{"a":1}]`, `["\ud800"]`, "[\"\xff\"]", `[1,2,3,"str-id"]`} {
		got, err := decodeArray(json.RawMessage(in))
		var want []any
		if werr := decodeNumbers(json.RawMessage(in), &want); err != nil || werr != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %#v (%v), want %#v (%v)", in, got, err, want, werr)
		}
	}
	for _, in := range []string{`{"a":1}`, `1`, `"x"`, `null`, `[1,`, `[1 2]`} {
		if got, err := decodeArray(json.RawMessage(in)); err == nil {
			t.Errorf("%q decoded to %#v", in, got)
		}
	}
}
