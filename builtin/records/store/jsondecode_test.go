package store

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// stdDecode is the reference: encoding/json with UseNumber.
func stdDecode(b []byte) (map[string]any, error) {
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

// errTrailing marks input with more after the object.
var errTrailing = &Error{Msg: "trailing data"}

// jsonSeeds are records the fast parser must decode exactly like encoding/json.
var jsonSeeds = []string{
	`{}`,
	` { "a" : 1 , "b":[ ] ,"c":{}} `,
	`{"id":1,"n":-0.5e-3,"big":12345678901234567890123,"f":12.5,"z":0,"e":1E+2}`,
	`{"s":"plain","t":true,"f":false,"n":null,"arr":[1,"x",[true,null],{"k":"v"}]}`,
	`{"esc":"q\" b\\ s\/ \b\f\n\r\t","u":"\u00e9\u4e2d\ud83d\ude00","raw":"é中😀"}`,
	`{"lone":"\ud800x"}`,
	`{"bad":"\x"}`,
	`{"dup":1,"dup":2}`,
	`{"a":01}`,
	`{"a":1.}`,
	`{"a":-}`,
	`{"a":tru}`,
	`{"a":1}x`,
	`{"a":"unterminated}`,
	`{"a":[1,]}`,
	`{"a":1,}`,
	"{\"ctl\":\"a\x01b\"}",
	"{\"bad utf8\":\"\xff\"}",
	`[1,2]`,
	`"str"`,
}

func TestFastDecodeMatchesEncodingJSON(t *testing.T) {
	for _, seed := range jsonSeeds {
		checkFastDecode(t, []byte(seed))
	}
}

// checkFastDecode compares the fast parser with encoding/json on b: when
// the fast parser accepts, encoding/json must accept with the same result.
func checkFastDecode(t *testing.T, b []byte) {
	t.Helper()
	got, ok := fastDecodeObject(b)
	want, err := stdDecode(b)
	if !ok {
		return // decodeValue falls back to encoding/json
	}
	if err != nil {
		t.Fatalf("fast parser accepted %q, encoding/json refused: %v", b, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q\nfast %#v\n std %#v", b, got, want)
	}
}

func TestFastDecodeAcceptsWhatTheStoreWrites(t *testing.T) {
	rec := map[string]any{"id": json.Number("1"), "s": "é\"\n\u2028<>&", "w": 12.5, "a": []any{map[string]any{"x": nil}}}
	v, err := encodeValue(1, rec)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := fastDecodeObject(v[valueHeaderLen:]); !ok {
		t.Fatalf("fast parser refused the store's own JSON %s", v[valueHeaderLen:])
	}
	got, err := decodeValue(v)
	if err != nil || toJSON(t, got) != `{"a":[{"x":null}],"id":1,"s":"é\"\n\u2028\u003c\u003e\u0026","w":12.5}` {
		t.Fatalf("round trip: %s, %v", toJSON(t, got), err)
	}
	// A lone surrogate is refused by the fast parser and decoded by the fallback.
	lone := append([]byte{valueVersion, 0, 0, 0, 0, 0, 0, 0, 1}, `{"s":"\ud800"}`...)
	got, err = decodeValue(lone)
	if err != nil || got["s"] != "\uFFFD" {
		t.Fatalf("fallback: %q, %v", got["s"], err)
	}
}

func FuzzFastDecode(f *testing.F) {
	for _, seed := range jsonSeeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkFastDecode(t, b)
	})
}
