package records

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
)

// stdJSON is what encoding/json writes for v with HTML escaping off.
func stdJSON(t testing.TB, v any) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return string(bytes.TrimRight(buf.Bytes(), "\n"))
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	fixed := []string{"", "plain", `quote " and \ backslash`, "tab\tnew\nline\rcr", "\x00\x01\x1f\x7f", "\b backspace \f formfeed",
		"<html> & stuff", "héllo wörld ✓ 𝄞", "\u2028\u2029", "bad \xff utf8 \xc3", "\xed\xa0\x80 surrogate"}
	for _, s := range fixed {
		if got, want := string(appendString(nil, s)), stdJSON(t, s); got != want {
			t.Errorf("appendString(%q) = %s, want %s", s, got, want)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("ab\"\\\n\b\f\x01\xff\xe2\x80\xa8é<&")
	for i := 0; i < 2000; i++ {
		b := make([]byte, rng.IntN(12))
		for j := range b {
			b[j] = alphabet[rng.IntN(len(alphabet))]
		}
		if got, want := string(appendString(nil, string(b))), stdJSON(t, string(b)); got != want {
			t.Fatalf("appendString(%q) = %s, want %s", b, got, want)
		}
	}
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
	if _, err := appendValue(nil, make(chan int)); err == nil {
		t.Error("a channel must not encode")
	}
}

func TestRecordWriterProjection(t *testing.T) {
	var buf bytes.Buffer
	rw := &recordWriter{w: &buf, p: projection{cols: []string{"id", "name"}, all: true}}
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
	rw = &recordWriter{w: &buf, p: projection{all: true}}
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
