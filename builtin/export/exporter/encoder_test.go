package exporter

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// encode runs one encoder over rows and returns its output.
func encode(t *testing.T, format string, columns []string, rows ...map[string]any) string {
	t.Helper()
	var buf bytes.Buffer
	enc, err := NewEncoder(format, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if err := enc.Begin(columns); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := enc.Row(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.End(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestJSONEncoderHarperShape(t *testing.T) {
	cols := []string{"id", "name", "tags", "owner", "notes"}
	got := encode(t, FormatJSON, cols,
		map[string]any{"id": float64(1), "name": "Penny", "tags": []any{"a", "b"}, "owner": map[string]any{"last": "B", "first": "Kyle"}},
		map[string]any{"notes": "line1\nline2", "name": `Lab "Retriever"`, "id": "str-id", "zeta": true, "alpha": nil},
	)
	want := `[{"id":1,"name":"Penny","tags":["a","b"],"owner":{"first":"Kyle","last":"B"},"notes":null},` +
		`{"id":"str-id","name":"Lab \"Retriever\"","tags":null,"owner":null,"notes":"line1\nline2","alpha":null,"zeta":true}]`
	if got != want {
		t.Fatalf("json =\n%s\nwant\n%s", got, want)
	}
	if empty := encode(t, FormatJSON, cols); empty != "[]" {
		t.Errorf("empty export = %q, want []", empty)
	}
	if empty := encode(t, FormatJSON, nil); empty != "[]" {
		t.Errorf("empty export without columns = %q, want []", empty)
	}
}

func TestJSONEncoderUnknownColumnsSortsKeys(t *testing.T) {
	got := encode(t, FormatJSON, nil, map[string]any{"b": 1, "a": "x", "_c": false, "B": int64(-7)})
	if want := `[{"B":-7,"_c":false,"a":"x","b":1}]`; got != want {
		t.Fatalf("json = %s, want %s", got, want)
	}
}

func TestJSONEncoderValuesLikeJSONStringify(t *testing.T) {
	cases := []struct {
		val  any
		want string
	}{
		{12.5, `12.5`},
		{1795408096490.361, `1795408096490.361`},
		{1e21, `1e+21`},
		{1e20, `100000000000000000000`},
		{1e-7, `1e-7`},
		{0.000001, `0.000001`},
		{math.Copysign(0, -1), `0`},
		{math.NaN(), `null`},
		{math.Inf(1), `null`},
		{float32(0.1), `0.1`},
		{json.Number("42.50"), `42.50`},
		{"<a&b>", `"<a&b>"`},
		{"tab\there\x01\x1f", `"tab\there\u0001\u001f"`},
		{"back\\slash", `"back\\slash"`},
		{"héllo 世界 😀", `"héllo 世界 😀"`},
		{"bad\xffutf8", `"bad` + "\ufffd" + `utf8"`},
		{time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), `"2024-01-02T03:04:05Z"`},
		{[]any{1.5, nil, "x", map[string]any{"k": []any{}}}, `[1.5,null,"x",{"k":[]}]`},
	}
	for _, tc := range cases {
		got := encode(t, FormatJSON, []string{"v"}, map[string]any{"v": tc.val})
		if want := `[{"v":` + tc.want + `}]`; got != want {
			t.Errorf("%#v: got %s, want %s", tc.val, got, want)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("%#v: output is not valid JSON: %s", tc.val, got)
		}
	}
}

func TestJSONEncoderRejectsUnencodableValue(t *testing.T) {
	enc, _ := NewEncoder(FormatJSON, &bytes.Buffer{})
	_ = enc.Begin([]string{"v"})
	err := enc.Row(map[string]any{"v": make(chan int)})
	if err == nil || !strings.Contains(err.Error(), `column "v"`) {
		t.Fatalf("err = %v, want an error naming the column", err)
	}
}

// readCSV parses an export with encoding/csv.
func readCSV(t *testing.T, s string) [][]string {
	t.Helper()
	r := csv.NewReader(strings.NewReader(s))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("csv does not parse: %v\n%s", err, s)
	}
	return recs
}

func TestCSVEncoderQuoting(t *testing.T) {
	cols := []string{"id", "name", "notes", "good", "weight", "owner", "tags", "missing"}
	rows := []map[string]any{
		{"id": float64(1), "name": "Penny", "good": true, "owner": map[string]any{"first": "Kyle", "last": "B"}, "tags": []any{"a", "b"}},
		{"id": float64(2), "name": "Harper, Jr.", "notes": "line1\nline2", "good": false, "weight": nil},
		{"id": "str-id", "name": `Lab "Retriever"`, "notes": "crlf\r\nend", "weight": 12.5},
		{"id": float64(4), "name": "Zoë 世界 😀", "notes": " leading space", "weight": 1e21},
	}
	got := encode(t, FormatCSV, cols, rows...)
	want := "id,name,notes,good,weight,owner,tags,missing\n" +
		"1,Penny,,true,,\"{\"\"first\"\":\"\"Kyle\"\",\"\"last\"\":\"\"B\"\"}\",\"[\"\"a\"\",\"\"b\"\"]\",\n" +
		"2,\"Harper, Jr.\",\"line1\nline2\",false,,,,\n" +
		"str-id,\"Lab \"\"Retriever\"\"\",\"crlf\r\nend\",,12.5,,,\n" +
		"4,Zoë 世界 😀,\" leading space\",,1e+21,,,\n"
	if got != want {
		t.Fatalf("csv =\n%q\nwant\n%q", got, want)
	}
	recs := readCSV(t, got)
	if len(recs) != 5 || !slices.Equal(recs[0], cols) {
		t.Fatalf("records = %q", recs)
	}
	if recs[2][1] != "Harper, Jr." || recs[2][2] != "line1\nline2" || recs[3][1] != `Lab "Retriever"` || recs[4][1] != "Zoë 世界 😀" {
		t.Errorf("round trip lost text: %q", recs)
	}
	var owner map[string]any
	if err := json.Unmarshal([]byte(recs[1][5]), &owner); err != nil || owner["first"] != "Kyle" {
		t.Errorf("nested object cell = %q (%v)", recs[1][5], err)
	}
}

func TestCSVEncoderHeaderOnlyAndEmpty(t *testing.T) {
	if got := encode(t, FormatCSV, []string{"id", "a b", "c,d"}); got != "id,a b,\"c,d\"\n" {
		t.Errorf("header-only export = %q", got)
	}
	if got := encode(t, FormatCSV, nil); got != "" {
		t.Errorf("unknown columns, no rows = %q, want empty file", got)
	}
}

func TestCSVEncoderUnknownColumnsFromFirstRow(t *testing.T) {
	got := encode(t, FormatCSV, nil,
		map[string]any{"name": "a", "id": float64(1)},
		map[string]any{"id": float64(2), "other": "dropped"},
	)
	if want := "id,name\n1,a\n2,\n"; got != want {
		t.Fatalf("csv = %q, want %q", got, want)
	}
}

func TestCSVEncoderSingleEmptyCellKeepsRow(t *testing.T) {
	got := encode(t, FormatCSV, []string{"v"}, map[string]any{"v": nil}, map[string]any{"v": "x"}, map[string]any{"v": ""})
	recs := readCSV(t, got)
	if len(recs) != 4 || recs[1][0] != "" || recs[2][0] != "x" || recs[3][0] != "" {
		t.Fatalf("records = %q from %q", recs, got)
	}
}

func TestEncoderOrderAndFormat(t *testing.T) {
	if _, err := NewEncoder("xml", &bytes.Buffer{}); err == nil {
		t.Fatal("xml accepted")
	} else {
		wantBadRequest(t, err, MsgFormatInvalid)
	}
	for _, format := range []string{FormatJSON, FormatCSV} {
		enc, _ := NewEncoder(format, &bytes.Buffer{})
		if err := enc.Row(map[string]any{}); !errors.Is(err, ErrEncoderState) {
			t.Errorf("%s: Row before Begin = %v", format, err)
		}
		if err := enc.End(); !errors.Is(err, ErrEncoderState) {
			t.Errorf("%s: End before Begin = %v", format, err)
		}
		_ = enc.Begin(nil)
		if err := enc.Begin(nil); !errors.Is(err, ErrEncoderState) {
			t.Errorf("%s: second Begin = %v", format, err)
		}
		_ = enc.End()
		if err := enc.Row(map[string]any{}); !errors.Is(err, ErrEncoderState) {
			t.Errorf("%s: Row after End = %v", format, err)
		}
	}
}

// failWriter fails every write.
type failWriter struct{}

var errDiskFull = errors.New("disk full")

func (failWriter) Write([]byte) (int, error) { return 0, errDiskFull }

func TestEncoderReportsWriteErrors(t *testing.T) {
	for _, format := range []string{FormatJSON, FormatCSV} {
		enc, _ := NewEncoder(format, failWriter{})
		_ = enc.Begin([]string{"v"})
		var err error
		// The buffer hides the failure until it fills or End flushes.
		for i := 0; i < 100000 && err == nil; i++ {
			err = enc.Row(map[string]any{"v": "0123456789"})
		}
		if err == nil {
			err = enc.End()
		}
		if !errors.Is(err, errDiskFull) {
			t.Errorf("%s: err = %v, want disk full", format, err)
		}
	}
}
