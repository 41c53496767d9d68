package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"testing"

	"github.com/hops-dev/hops/builtin/internal/fastjson/jsontest"
)

// checkEncode checks that appendJSON writes v so that encoding/json reads
// back exactly what it reads from its own encoding of v.
func checkEncode(t *testing.T, v map[string]any) {
	t.Helper()
	mine, err := appendJSONObject(nil, v, "s")
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
		mine, err := appendJSONObject(nil, rec, "id")
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
		if _, err := appendJSONObject(nil, rec, "id"); err == nil || theirs == nil || err.Error() != theirs.Error() {
			t.Fatalf("appendJSONObject(%v): %v, want %v", rec, err, theirs)
		}
	}
	if got, err := appendJSONObject([]byte("x"), nil, "id"); err != nil || string(got) != "x{}" {
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

// TestStoredRecordsHoldThePrimaryKeyFirst: every writer stores a
// record's members with the primary key first and the others sorted
// bytewise (nested objects sorted), whatever the map order it was given
// in: insert, update, upsert and drop_attribute's rewrite. A record
// stored earlier in map order (written here by hand, as older versions
// and nodes wrote them) reads back the same through Get and is rewritten
// in the new order by the next update.
func TestStoredRecordsHoldThePrimaryKeyFirst(t *testing.T) {
	s, _, _ := newStore(t, Options{})
	if err := s.CreateTable("dev", "dogs", "name"); err != nil {
		t.Fatal(err)
	}
	rawOf := func(key string) string {
		t.Helper()
		var got []string
		if err := s.GetRaw(context.Background(), "dev", "dogs", []any{key}, func(raw []byte) error {
			got = append(got, string(raw))
			return nil
		}); err != nil || len(got) != 1 {
			t.Fatalf("GetRaw(%s): %v, %v", key, got, err)
		}
		return got[0]
	}
	const ts = startMs
	if _, err := s.Insert("dev", "dogs", records(t, `[{"zz":1,"age":3,"name":"rex","Owner":{"z":1,"a":2},"_x":null}]`)); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`{"name":"rex","Owner":{"a":2,"z":1},"__createdtime__":%d,"__updatedtime__":%d,"_x":null,"age":3,"zz":1}`, ts, ts)
	if got := rawOf("rex"); got != want {
		t.Fatalf("insert stored %s\nwant %s", got, want)
	}
	if _, err := s.Upsert("dev", "dogs", records(t, `[{"name":"rex","b":true},{"name":"ace","b":false,"a":1}]`)); err != nil {
		t.Fatal(err)
	}
	want = fmt.Sprintf(`{"name":"rex","Owner":{"a":2,"z":1},"__createdtime__":%d,"__updatedtime__":%d,"_x":null,"age":3,"b":true,"zz":1}`, ts, ts)
	if got := rawOf("rex"); got != want {
		t.Fatalf("upsert stored %s\nwant %s", got, want)
	}
	if got, want := rawOf("ace"), fmt.Sprintf(`{"name":"ace","__createdtime__":%d,"__updatedtime__":%d,"a":1,"b":false}`, ts, ts); got != want {
		t.Fatalf("upsert stored %s\nwant %s", got, want)
	}
	if err := s.DropAttribute("dev", "dogs", "b"); err != nil {
		t.Fatal(err)
	}
	if got, want := rawOf("ace"), fmt.Sprintf(`{"name":"ace","__createdtime__":%d,"__updatedtime__":%d,"a":1}`, ts, ts); got != want {
		t.Fatalf("drop_attribute stored %s\nwant %s", got, want)
	}

	// A record in map order, as stored before.
	old := fmt.Sprintf(`{"zz":2,"name":"old","__updatedtime__":%d,"age":9,"__createdtime__":%d}`, ts, ts)
	if err := s.updateTable("dev", "dogs", func(tx *tableTx) error {
		key, _, err := encodeKey("old")
		if err != nil {
			return err
		}
		val := append([]byte{valueVersion, 0, 0, 0, 0, 0, 0, 0, 0}, old...)
		binary.BigEndian.PutUint64(val[1:], uint64(ts))
		tx.meta.RecordCount++
		if err := tx.ctime.Put(indexKey(ts, key), marker); err != nil {
			return err
		}
		return tx.recs.Put(key, val)
	}); err != nil {
		t.Fatal(err)
	}
	if got := rawOf("old"); got != old {
		t.Fatalf("old record reads %s, want %s", got, old)
	}
	recs := collect(t, func(fn func(map[string]any) error) error {
		return s.Get(context.Background(), "dev", "dogs", values(t, `["old"]`), fn)
	})
	if got, want := toJSON(t, recs), fmt.Sprintf(`[{"__createdtime__":%d,"__updatedtime__":%d,"age":9,"name":"old","zz":2}]`, ts, ts); got != want {
		t.Fatalf("old record decodes as %s, want %s", got, want)
	}
	if _, err := s.Update("dev", "dogs", records(t, `[{"name":"old","age":10}]`)); err != nil {
		t.Fatal(err)
	}
	if got, want := rawOf("old"), fmt.Sprintf(`{"name":"old","__createdtime__":%d,"__updatedtime__":%d,"age":10,"zz":2}`, ts, ts); got != want {
		t.Fatalf("update of an old record stored %s\nwant %s", got, want)
	}
}
