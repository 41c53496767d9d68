package store

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"

	"github.com/hops-dev/hops/builtin/internal/fastjson/jsontest"
)

// checkEncode checks that appendJSON writes v so that encoding/json reads
// back exactly what it reads from its own encoding of v.
func checkEncode(t *testing.T, v map[string]any) {
	t.Helper()
	mine, err := appendJSONObject(nil, v)
	if err != nil {
		t.Fatalf("appendJSON(%#v): %v", v, err)
	}
	theirs, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal(%#v): %v", v, err)
	}
	got, err := jsontest.StdDecode(mine)
	if err != nil {
		t.Fatalf("appendJSON wrote invalid JSON %q: %v", mine, err)
	}
	want, _ := jsontest.StdDecode(theirs)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("appendJSON %s\n     std %s", mine, theirs)
	}
}

func TestAppendJSON(t *testing.T) {
	checkEncode(t, map[string]any{
		"s":   "q\" b\\ \n\r\t\b\f\x00\x1f é 中 😀 \u2028\u2029 <>& \xff\xfe end",
		"n":   json.Number("-12.5e-3"),
		"z":   json.Number(""),
		"f":   12.5,
		"i":   7,
		"i64": int64(-1 << 62),
		"b":   true,
		"nil": nil,
		"arr": []any{1.0, "x", []any{}, map[string]any{}},
		"obj": map[string]any{"k\"ey": []any{false}},
		"u8":  uint8(3), // falls back to encoding/json
		"":    "empty key",
	})
	for _, f := range []float64{0, math.Copysign(0, -1), 1, -1, 12.5, 1e-6, 9.99e-7, 1e-7, 123456789e-20, 1e20, 1e21, 1.5e300, -2.5e-300, math.MaxFloat64, math.SmallestNonzeroFloat64, 0.1 + 0.2} {
		rec := map[string]any{"f": f}
		mine, err := appendJSONObject(nil, rec)
		theirs, _ := json.Marshal(rec)
		if err != nil || string(mine) != string(theirs) {
			t.Fatalf("float %v: %s, want %s (%v)", f, mine, theirs, err)
		}
	}
	// What encoding/json refuses is refused with encoding/json's own text,
	// which the store's error message shows.
	for _, bad := range []any{math.NaN(), math.Inf(1), json.Number("1x"), json.Number("01"), make(chan int)} {
		rec := map[string]any{"v": []any{bad}}
		_, theirs := json.Marshal(bad)
		if _, err := appendJSONObject(nil, rec); err == nil || theirs == nil || err.Error() != theirs.Error() {
			t.Fatalf("appendJSONObject(%v): %v, want %v", rec, err, theirs)
		}
	}
	if got, err := appendJSONObject([]byte("x"), nil); err != nil || string(got) != "x{}" {
		t.Fatalf("nil record: %s, %v", got, err)
	}
}

func TestInsertRefusesUnencodableValues(t *testing.T) {
	s, _, _ := newStore(t, Options{})
	mustTable(t, s, "dev", "dogs")
	_, err := s.Insert("dev", "dogs", []map[string]any{{"id": 1, "w": math.NaN()}})
	wantError(t, err, 400, "record cannot be stored as JSON: json: unsupported value: NaN")
}

func FuzzAppendJSON(f *testing.F) {
	for _, seed := range jsontest.DecodeSeeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := jsontest.StdDecode(b)
		if err != nil || v == nil { // not an object, or the literal null
			return
		}
		checkEncode(t, v)
	})
}
