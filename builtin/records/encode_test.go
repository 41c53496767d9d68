package records

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hops-dev/hops/builtin/internal/fastjson"
	"github.com/hops-dev/hops/builtin/internal/fastjson/jsontest"
	"github.com/hops-dev/hops/builtin/records/store"
)

// appendValue appends v as a fresh recordWriter does.
func appendValue(b []byte, v any) ([]byte, error) {
	var a jsonAppender
	return a.value(b, v)
}

func TestAppendValue(t *testing.T) {
	cases := []struct {
		v    any
		want string
	}{
		{nil, "null"}, {true, "true"}, {json.Number("12.50"), "12.50"}, {"s", `"s"`}, {7, "7"}, {int64(-3), "-3"},
		{2.5, "2.5"}, {[]any{json.Number("1"), "a<b"}, `[1,"a<b"]`}, {map[string]any{"b": 1, "a": nil}, `{"a":null,"b":1}`},
	}
	for _, c := range cases {
		got, err := appendValue(nil, c.v)
		if err != nil || string(got) != c.want {
			t.Errorf("appendValue(%#v) = %s, %v; want %s", c.v, got, err, c.want)
		}
	}
	for _, bad := range []any{make(chan int), math.NaN(), math.Inf(-1), map[string]any{"n": json.Number("0x10")},
		[]any{1, map[string]any{"c": make(chan int)}}} {
		if got, err := appendValue(nil, bad); err == nil {
			t.Errorf("appendValue(%#v) = %s, want an error as encoding/json gives", bad, got)
		}
	}
	// A top-level json.Number is written unchecked (the store parsed it);
	// a nested one is checked.
	if got, err := appendValue(nil, json.Number("0x10")); err != nil || string(got) != "0x10" {
		t.Errorf("top-level number: %s, %v", got, err)
	}
	_, err := appendValue(nil, []any{json.Number("0x10")})
	if want := `encoding a json.Number value: json: invalid number literal "0x10"`; err == nil || err.Error() != want {
		t.Errorf("nested number error %v, want %q", err, want)
	}
}

func TestRecordWriterProjection(t *testing.T) {
	var buf bytes.Buffer
	rw := newRecordWriter(&buf, formatSearch, projection{cols: []string{"id", "name"}, all: true})
	for _, rec := range []map[string]any{
		{"id": 1, "name": "a"},
		{"id": 2, "z": true, "b": nil},
		{"x": 1},
	} {
		if err := rw.write(rec); err != nil {
			t.Fatal(err)
		}
	}
	want := `{"id":1,"name":"a"},{"id":2,"name":null,"b":null,"z":true},{"id":null,"name":null,"x":1}`
	if buf.String() != want {
		t.Errorf("got  %s\nwant %s", buf.String(), want)
	}
	buf.Reset()
	rw = newRecordWriter(&buf, formatSearch, projection{all: true})
	_ = rw.write(map[string]any{"b": 1, "a": 2})
	if buf.String() != `{"a":2,"b":1}` {
		t.Errorf("no columns: %s", buf.String())
	}
}

func TestParseISODate(t *testing.T) {
	utc := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	good := map[string]time.Time{
		"2020-01-01":                     utc("2020-01-01T00:00:00Z"),
		"2020-01-01T10:20Z":              utc("2020-01-01T10:20:00Z"),
		"2020-01-01T10:20:30Z":           utc("2020-01-01T10:20:30Z"),
		"2020-01-01T10:20:30.5Z":         utc("2020-01-01T10:20:30.5Z"),
		"2020-01-01T10:20:30.123456789Z": utc("2020-01-01T10:20:30.123456789Z"),
		"2020-01-01 10:20:30,25Z":        utc("2020-01-01T10:20:30.25Z"),
		"2020-01-01T10:20:30+02:00":      utc("2020-01-01T08:20:30Z"),
		"2020-01-01T10:20:30-0130":       utc("2020-01-01T11:50:30Z"),
		"2020-01-01T10:20:30+05":         utc("2020-01-01T05:20:30Z"),
		"2024-02-29":                     utc("2024-02-29T00:00:00Z"),
	}
	for s, want := range good {
		got, ok := parseISODate(s)
		if !ok || !got.Equal(want) {
			t.Errorf("parseISODate(%q) = %v, %v; want %v", s, got, ok, want)
		}
	}
	// Without a zone a date-time is local time.
	if got, ok := parseISODate("2020-06-01T12:00:00"); !ok || !got.Equal(time.Date(2020, 6, 1, 12, 0, 0, 0, time.Local)) {
		t.Errorf("local date-time = %v, %v", got, ok)
	}
	for _, s := range []string{"", "yesterday", "2020", "2020-1-1", "2021-02-29", "2020-13-01", "2020-01-32",
		"2020-01-01T24:00Z", "2020-01-01T10:60Z", "2020-01-01T10:20:61Z", "2020-01-01T10Z", "2020-01-01T10:20:30+15:00",
		"2020-01-01T10:20:30+02:60", "2020-01-01T10:20:30.Z", " 2020-01-01", "2020-01-01T10:20:30ZZ"} {
		if got, ok := parseISODate(s); ok {
			t.Errorf("parseISODate(%q) = %v, want refused", s, got)
		}
	}
}

// randomValue builds a value of what decoded records hold, plus what SQL
// answers add: int and int64.
func randomValue(rng *rand.Rand, depth int) any {
	return jsontest.RandomValue(rng, depth,
		func(rng *rand.Rand) any { return rng.IntN(2000) - 1000 },
		func(rng *rand.Rand) any { return int64(rng.Uint64()) })
}

func TestAppendValueMatchesEncodingJSON(t *testing.T) {
	fixed := append(jsontest.TrickyValues(), map[string]any{}, []any{}, map[string]any(nil), []any(nil), []any{nil, true, false},
		map[string]any{"b": map[string]any{"d": []any{}, "c": nil}, "a": []any{[]any{1, int64(2)}}})
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 5000; i++ {
		fixed = append(fixed, randomValue(rng, 4))
	}
	for _, v := range fixed {
		got, err := appendValue(nil, v)
		if want := jsontest.StdJSON(t, v); err != nil || string(got) != want {
			t.Fatalf("appendValue(%#v) = %s, %v\nencoding/json: %s", v, got, err, want)
		}
	}
}

func TestRecordWriterMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	cols := []string{"id", "b", "a"}
	var buf bytes.Buffer
	rw := newRecordWriter(&buf, formatSearch, projection{cols: cols, all: true})
	var want strings.Builder
	for i := 0; i < 300; i++ {
		rec := map[string]any{}
		for n := rng.IntN(6); n > 0; n-- {
			rec[jsontest.TrickyStrings[rng.IntN(len(jsontest.TrickyStrings))]] = randomValue(rng, 3)
		}
		if rng.IntN(2) == 0 {
			rec["id"] = json.Number(strconv.Itoa(i))
		}
		if err := rw.write(rec); err != nil {
			t.Fatal(err)
		}
		// The columns in order (null when missing), then the rest sorted.
		if i > 0 {
			want.WriteByte(',')
		}
		want.WriteByte('{')
		var rest []string
		for k := range rec {
			if !slices.Contains(cols, k) {
				rest = append(rest, k)
			}
		}
		slices.Sort(rest)
		for j, k := range append(slices.Clone(cols), rest...) {
			if j > 0 {
				want.WriteByte(',')
			}
			want.WriteString(jsontest.StdJSON(t, k) + ":" + jsontest.StdJSON(t, rec[k]))
		}
		want.WriteByte('}')
	}
	if buf.String() != want.String() {
		t.Fatalf("record writer:\n%s\nwant\n%s", buf.String(), want.String())
	}
}

// storedText is a record as the store keeps it: "id" first, the other
// members sorted, nested objects sorted (store's appendJSONObject), or, as
// older stores hold them, members in map order with nested objects sorted
// or in map order too; sometimes rewritten in ways the raw walk must
// notice (jsontest.Twist).
func storedText(t *testing.T, rng *rand.Rand, rec map[string]any) []byte {
	enc := fastjson.Encoder{NilAsEmpty: true}
	switch rng.IntN(3) {
	case 0:
		enc.FirstKey = "id"
	case 1:
		enc.OuterMapOrder = true
	default:
		enc.MapOrder = true
	}
	b, err := enc.AppendObject(nil, rec)
	if err != nil {
		t.Fatal(err)
	}
	return jsontest.Twist(rng, b)
}

// TestWriteRawMatchesWrite: a record written from its stored text is
// byte for byte the record written from its decoding, whatever the
// projection, the key order or the values, and most records take the
// copying path.
func TestWriteRawMatchesWrite(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	names := []string{"id", "name", "age", "tags", "address", "é✓", "a q", "<b>", "__createdtime__"}
	projections := map[string]projection{
		"all":         {cols: []string{"id", "<b>", "__createdtime__", "a q", "address", "age", "name", "tags", "é✓"}, all: true},
		"all, extras": {cols: []string{"id", "name"}, all: true},
		"listed":      {cols: []string{"age", "id", "missing"}},
	}
	formats := map[string]answerFormat{"search": formatSearch, "export json": formatExportJSON, "export csv": formatExportCSV}
	for pname, p := range projections {
		for fname, format := range formats {
			writeRawMatchesWrite(t, rng, names, pname+", "+fname, format, p)
		}
	}
}

// writeRawMatchesWrite is TestWriteRawMatchesWrite for one projection and
// format.
func writeRawMatchesWrite(t *testing.T, rng *rand.Rand, names []string, name string, format answerFormat, p projection) {
	{
		var viaRaw, viaMap bytes.Buffer
		raw, dec := newRecordWriter(&viaRaw, format, p), newRecordWriter(&viaMap, format, p)
		const n = 3000
		for i := range n {
			rec := map[string]any{}
			for _, k := range names {
				if rng.IntN(8) > 0 {
					rec[k] = jsontest.RandomValue(rng, 2)
				}
			}
			if rng.IntN(3) > 0 { // plain values, as most records hold
				rec["name"], rec["age"], rec["id"] = "user "+strconv.Itoa(i), json.Number(strconv.Itoa(i%90)), json.Number(strconv.Itoa(i))
				rec["address"] = map[string]any{"zip": "01234", "city": "Quito", "street": "1 Main St"}
			}
			text := storedText(t, rng, rec)
			decoded, err := store.DecodeRaw(text)
			if err != nil {
				t.Fatal(err)
			}
			if err := raw.writeRaw(text); err != nil {
				t.Fatalf("%s: writeRaw(%s): %v", name, text, err)
			}
			if err := dec.write(decoded); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(viaRaw.Bytes(), viaMap.Bytes()) {
				t.Fatalf("%s: record %s\nraw:     %s\ndecoded: %s", name, text, viaRaw.Bytes(), viaMap.Bytes())
			}
		}
		copied := n - raw.decodedWhole
		t.Logf("%s: %d of %d records copied from their text", name, copied, n)
		if strings.HasPrefix(name, "all, ") && !strings.HasPrefix(name, "all, extras") && copied < n/3 || strings.HasPrefix(name, "listed, ") && copied < n/2 {
			t.Errorf("%s: only %d of %d records took the raw path", name, copied, n)
		}
	}
}

func TestWriteRawRefusesWhatDecodingRefuses(t *testing.T) {
	var buf bytes.Buffer
	rw := newRecordWriter(&buf, formatSearch, projection{cols: []string{"id"}, all: true})
	for _, text := range []string{`{"id":1`, `{"id":tru}`, `{"id":[1,}`, `{"id":"\x"}`, `[1]`} {
		if err := rw.writeRaw([]byte(text)); err == nil {
			t.Errorf("writeRaw(%s) = nil, wrote %s", text, buf.Bytes())
		}
	}
}
