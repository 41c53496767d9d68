package export

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/hops-dev/hops/builtin/export/exporter"
)

// readAll runs a rowStream over text: open, optionally firstKeys, each;
// once with records offered where they begin in the read buffer and once
// without, which must agree (rows and error).
func readAll(text string, peek bool) (keys []string, rows []map[string]any, err error) {
	keys, rows, err = readAllFrom(strings.NewReader(text), peek, false)
	pkeys, prows, perr := readAllFrom(strings.NewReader(text), peek, true)
	if !reflect.DeepEqual(keys, pkeys) || !reflect.DeepEqual(rows, prows) || fmt.Sprint(err) != fmt.Sprint(perr) {
		return nil, nil, fmt.Errorf("with records offered in the buffer: keys %q rows %v err %v; cut out: keys %q rows %v err %v",
			pkeys, prows, perr, keys, rows, err)
	}
	return keys, rows, err
}

// readAllFrom is readAll over any reader, in one of its two ways (prefix:
// records offered where they begin in the read buffer).
func readAllFrom(r io.Reader, peek, prefix bool) (keys []string, rows []map[string]any, err error) {
	s := newRowStream(r)
	if err := s.open(); err != nil {
		return nil, nil, err
	}
	if peek {
		if keys, err = s.firstKeys(); err != nil {
			return nil, nil, err
		}
	}
	err = s.each(prefix, func(rec map[string]any) error {
		rows = append(rows, rec)
		return nil
	})
	return keys, rows, err
}

func TestRowStreamReadsRecordsInOrder(t *testing.T) {
	keys, rows, err := readAll(`[{"b":1,"a":"x","c":null},{"a":"y"},{"z":[1,{"q":2}]}]`+"\n", true)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(keys, []string{"b", "a", "c"}) {
		t.Fatalf("keys %v", keys)
	}
	if len(rows) != 3 || rows[0]["a"] != "x" || rows[0]["c"] != nil || len(rows[1]) != 1 || rows[1]["a"] != "y" {
		t.Fatalf("rows %v (the reused map must be cleared between rows)", rows)
	}
	if n, ok := rows[0]["b"].(interface{ String() string }); !ok || n.String() != "1" {
		t.Fatalf("number decoded as %T", rows[0]["b"])
	}
}

func TestRowStreamEmpty(t *testing.T) {
	keys, rows, err := readAll(`[]`, true)
	if err != nil || keys != nil || rows != nil {
		t.Fatalf("keys %v rows %v err %v", keys, rows, err)
	}
}

func TestRowStreamRefusesBadAnswers(t *testing.T) {
	cases := map[string]error{
		``:                     errTruncated,
		`[`:                    errTruncated,
		`[{"a":1},`:            errTruncated,
		`[{"a":1},{"a":`:       errTruncated,
		`[{"a":1}`:             errTruncated,
		`{"a":1}`:              errNotArray,
		`"text"`:               errNotArray,
		`[{"a":1},null]`:       errNotArray,
		`[{"a":1}] {"more":1}`: errNotArray,
	}
	for text, want := range cases {
		for _, peek := range []bool{false, true} {
			if _, _, err := readAll(text, peek); !errors.Is(err, want) {
				t.Errorf("%q (peek %v): err %v, want %v", text, peek, err, want)
			}
		}
	}
	if _, _, err := readAll(`[1,2]`, false); err == nil {
		t.Error("an array of numbers was read as records")
	}
	if _, _, err := readAll(`[1]`, true); !errors.Is(err, errNotArray) {
		t.Errorf("peek of a number: %v", err)
	}
}

func TestRowStreamReportsAReadError(t *testing.T) {
	broken := errors.New("stream reset")
	for _, prefix := range []bool{false, true} {
		r := io.MultiReader(strings.NewReader(`[{"a":1},{"a":2}`), errReader{broken})
		_, rows, err := readAllFrom(r, false, prefix)
		if !errors.Is(err, broken) || len(rows) != 2 {
			t.Fatalf("prefix %v: rows %d err %v", prefix, len(rows), err)
		}
		// An error after the closing bracket still fails the export.
		r = io.MultiReader(strings.NewReader(`[{"a":1}]`), errReader{broken})
		if _, _, err := readAllFrom(r, false, prefix); !errors.Is(err, broken) {
			t.Fatalf("prefix %v: err %v", prefix, err)
		}
	}
}

// errReader fails every read with err.
type errReader struct{ err error }

// Read implements io.Reader.
func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// trickyAnswer is a search answer whose strings hold every character the
// element scanner must not take for structure, with whitespace between
// every token. It ends at its closing bracket, so every shorter prefix is
// a truncated answer.
const trickyAnswer = " \n[\n\t{ \"s\" : \"a]b}c{d[e,f\" ,\r\n \"q\":\"say \\\"hi\\\", ok\",\"bs\":\"C:\\\\dir\\\\\"," +
	"\"end\\\\\":\"\\\\\\\"}\", \"u\":\"\\u005d\\u007d\\u0022\\u00e9\\ud83d\\ude00\", \"raw\":\"é中😀\" } ,\n" +
	"{\"nested\":{\"a\":[1,{\"b\":[]},[[]],\"]]\"],\"o\":{\"p\":{}}},\"n\":-1.5e3,\"t\":true,\"f\":false,\"z\":null}," +
	"{ } , {\"last\":\"\\\\\"} \n]"

// trickyKeys are the first record's keys of trickyAnswer, in text order.
var trickyKeys = []string{"s", "q", "bs", "end\\", "u", "raw"}

// wantRows decodes answer as a whole with encoding/json (UseNumber), the
// reference the stream's rows must equal.
func wantRows(t *testing.T, answer string) []map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(answer))
	dec.UseNumber()
	var rows []map[string]any
	if err := dec.Decode(&rows); err != nil {
		t.Fatalf("reference decode of %.60q: %v", answer, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		t.Fatalf("reference: data after the array in %.60q", answer)
	}
	return rows
}

// readers are the ways the answer may arrive: whole, one byte per read
// (so every element is split across buffer refills), half reads, and the
// last data together with io.EOF.
var readers = map[string]func(io.Reader) io.Reader{
	"whole":   func(r io.Reader) io.Reader { return r },
	"onebyte": iotest.OneByteReader,
	"half":    iotest.HalfReader,
	"dataerr": iotest.DataErrReader,
}

func TestRowStreamScansTrickyStrings(t *testing.T) {
	want := wantRows(t, trickyAnswer)
	if len(want) != 4 {
		t.Fatalf("the reference has %d rows", len(want))
	}
	for name, wrap := range readers {
		for _, prefix := range []bool{false, true} {
			keys, rows, err := readAllFrom(wrap(strings.NewReader(trickyAnswer)), true, prefix)
			if err != nil || !reflect.DeepEqual(rows, want) || !reflect.DeepEqual(keys, trickyKeys) {
				t.Fatalf("%s, prefix %v: err %v keys %q\nrows %#v\nwant %#v", name, prefix, err, keys, rows, want)
			}
		}
	}
}

func TestRowStreamTruncatedAnywhereIsTruncated(t *testing.T) {
	for i := range len(trickyAnswer) {
		for _, peek := range []bool{false, true} {
			for name, wrap := range readers {
				for _, prefix := range []bool{false, true} {
					_, _, err := readAllFrom(wrap(strings.NewReader(trickyAnswer[:i])), peek, prefix)
					if !errors.Is(err, errTruncated) {
						t.Fatalf("%s, peek %v, prefix %v, cut at %d (%q): err %v", name, peek, prefix, i, trickyAnswer[:i], err)
					}
				}
			}
		}
	}
}

func TestRowStreamMatchesEncodingJSON(t *testing.T) {
	big := strings.Repeat(`x\"]}`, 3*readBufferSize/5) // longer than the read buffer
	nums := strings.Repeat("1,", 20_000) + "2"
	corpus := []string{
		`[]`, " [ ] \n", `[{}]`, trickyAnswer,
		`[{"lone":"\ud800"},{"bad":"` + "\xff" + `"},{"ctl":"\u0001"}]`, // the fallback decodes these
		`[{"dup":1,"dup":2},{"n":12345678901234567890123,"e":1E+2,"z":0}]`,
		`[{"big":"` + big + `","nums":[` + nums + `]},{"after":"big"}]`,
		`[{"deep":` + strings.Repeat(`[`, 500) + strings.Repeat(`]`, 500) + `}]`,
		string(benchAnswer(t, 50)),
	}
	for _, answer := range corpus {
		want := wantRows(t, answer)
		for name, wrap := range readers {
			for _, peek := range []bool{false, true} {
				for _, prefix := range []bool{false, true} {
					_, rows, err := readAllFrom(wrap(strings.NewReader(answer)), peek, prefix)
					if err != nil || len(rows) != len(want) || (len(want) > 0 && !reflect.DeepEqual(rows, want)) {
						t.Fatalf("%s, peek %v, prefix %v, %.60q: err %v, %d rows, want %d", name, peek, prefix, answer, err, len(rows), len(want))
					}
				}
			}
		}
	}
}

func TestRowStreamRefusesMalformedArrays(t *testing.T) {
	for _, text := range []string{`x`, `]`, `[,{"a":1}]`, `[{"a":1},]`, `[{"a":1} {"b":2}]`, `[{"a":1}x`, `[[{"a":1}]]`, `[{"a":1}] ]`} {
		for _, peek := range []bool{false, true} {
			if _, _, err := readAll(text, peek); !errors.Is(err, errNotArray) {
				t.Errorf("%q (peek %v): err %v, want %v", text, peek, err, errNotArray)
			}
		}
	}
	// A balanced but invalid element is a syntax error, not a truncation.
	var syntax *json.SyntaxError
	if _, _, err := readAll(`[{"a":1]`, false); !errors.As(err, &syntax) || !strings.HasPrefix(err.Error(), "read search results: ") {
		t.Errorf("err %v", err)
	}
}

func TestRowStreamDropsAHugeElementBuffer(t *testing.T) {
	huge := `{"h":"` + strings.Repeat("x", 2*maxRetainedElement) + `"}`
	s := newRowStream(strings.NewReader(`[` + huge + `,{"a":1}]`))
	if err := s.open(); err != nil {
		t.Fatal(err)
	}
	var caps []int
	err := s.each(false, func(map[string]any) error {
		caps = append(caps, cap(s.elem))
		return nil
	})
	if err != nil || len(caps) != 2 || caps[0] <= maxRetainedElement || caps[1] > maxRetainedElement {
		t.Fatalf("element buffer capacities %v, err %v", caps, err)
	}
}

// each is eachText with every record decoded (exporter.DecodeRecord), as
// an exporter.RowSource: what the tests compare with encoding/json. Each
// record is a fresh map. With prefix, eachText offers each record where
// it begins in the read buffer, and prefixDecode takes those that
// encoding/json finds whole there.
func (s *rowStream) each(prefix bool, yield func(map[string]any) error) error {
	decoded := func(text []byte) error {
		rec, err := exporter.DecodeRecord(text)
		if err != nil {
			return err
		}
		return yield(rec)
	}
	var offer func(b []byte) (int, error)
	if prefix {
		offer = func(b []byte) (int, error) {
			d := json.NewDecoder(bytes.NewReader(b))
			var v json.RawMessage
			if d.Decode(&v) != nil {
				return 0, nil // not whole in b: let the stream cut it out
			}
			n := int(d.InputOffset())
			return n, decoded(b[:n])
		}
	}
	return s.eachText(offer, decoded)
}
