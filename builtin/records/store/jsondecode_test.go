package store

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/hops-dev/hops/builtin/internal/fastjson"
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

// jsonSeeds are JSON texts, valid and not, that the encoder's fuzz test
// (jsonencode_test.go) starts from. The fast decoder's own comparison with
// encoding/json and its fuzz test live with it, in builtin/internal/fastjson.
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

func TestFastDecodeAcceptsWhatTheStoreWrites(t *testing.T) {
	rec := map[string]any{"id": json.Number("1"), "s": "é\"\n\u2028<>&", "w": 12.5, "a": []any{map[string]any{"x": nil}}}
	v, err := encodeValue(1, rec)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := fastjson.DecodeObject(v[valueHeaderLen:]); !ok {
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
