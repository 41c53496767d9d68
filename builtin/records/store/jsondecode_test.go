package store

import (
	"encoding/json"
	"testing"

	"github.com/hops-dev/hops/builtin/internal/fastjson"
)

func TestFastDecodeAcceptsWhatTheStoreWrites(t *testing.T) {
	rec := map[string]any{"id": json.Number("1"), "s": "é\"\n\u2028<>&", "w": 12.5, "a": []any{map[string]any{"x": nil}}}
	v, err := encodeValue(1, rec, "id")
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
