package export

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// readAll runs a rowStream over text: open, optionally firstKeys, each.
func readAll(text string, peek bool) (keys []string, rows []map[string]any, err error) {
	return readAllFrom(strings.NewReader(text), peek)
}

// readAllFrom is readAll over any reader; rows are copied out of the
// stream's reused map.
func readAllFrom(r io.Reader, peek bool) (keys []string, rows []map[string]any, err error) {
	s := newRowStream(r)
	if err := s.open(); err != nil {
		return nil, nil, err
	}
	if peek {
		if keys, err = s.firstKeys(); err != nil {
			return nil, nil, err
		}
	}
	err = s.each(func(rec map[string]any) error {
		cp := make(map[string]any, len(rec))
		for k, v := range rec {
			cp[k] = v
		}
		rows = append(rows, cp)
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
	r := io.MultiReader(strings.NewReader(`[{"a":1},{"a":2}`), errReader{broken})
	_, rows, err := readAllFrom(r, false)
	if !errors.Is(err, broken) || len(rows) != 2 {
		t.Fatalf("rows %d err %v", len(rows), err)
	}
	// An error after the closing bracket still fails the export.
	r = io.MultiReader(strings.NewReader(`[{"a":1}]`), errReader{broken})
	if _, _, err := readAllFrom(r, false); !errors.Is(err, broken) {
		t.Fatalf("err %v", err)
	}
}

// errReader fails every read with err.
type errReader struct{ err error }

// Read implements io.Reader.
func (e errReader) Read([]byte) (int, error) { return 0, e.err }
