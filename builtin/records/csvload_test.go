package records

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
)

// castTable is HarperDB 4.7.29's typing of CSV cells, observed on a running
// instance: each cell loaded with csv_data_load (data) and csv_file_load
// (file) into a fresh table and read back with SQL (the JSON written here).
var castTable = []struct {
	cell, data, file string
}{
	{"5", `5`, `5`},
	{"-5", `-5`, `-5`},
	{"+5", `5`, `5`},
	{"1.50", `1.5`, `1.5`},
	{".5", `0.5`, `0.5`},
	{"-.5", `-0.5`, `-0.5`},
	{"0", `0`, `0`},
	{"00", `"00"`, `"00"`},
	{"007", `"007"`, `"007"`},
	{"0.5", `0.5`, `0.5`},
	{"0.", `0`, `0`},
	{"0.5e3", `500`, `500`},
	{"1e5", `"1e5"`, `"1e5"`},
	{"1E5", `"1E5"`, `"1E5"`},
	{"-0", `0`, `0`},
	{" 5", `5`, `5`},
	{"5 ", `5`, `5`},
	{"0x1F", `"0x1F"`, `"0x1F"`},
	{" 0x1F", `31`, `31`},
	{"Infinity", `"Infinity"`, `"Infinity"`},
	{"NaN", `null`, `null`},
	{"true", `true`, `true`},
	{"TRUE", `true`, `true`},
	{"True", `"True"`, `"True"`},
	{"false", `false`, `false`},
	{"FALSE", `false`, `false`},
	{"null", `null`, `null`},
	{"NULL", `null`, `null`},
	{"undefined", `null`, `null`},
	{"Null", `"Null"`, `"Null"`},
	{"", `""`, `""`},
	{"\"quoted 5\"", `"\"quoted 5\""`, `"\"quoted 5\""`},
	{"\"5\"", `"\"5\""`, `"\"5\""`},
	{"{\"a\":1}", `"{\"a\":1}"`, `{"a":1}`},
	{"[1,2]", `"[1,2]"`, `[1,2]`},
	{"{bad}", `"{bad}"`, `"{bad}"`},
	{"[]", `"[]"`, `[]`},
	{"2024-01-02T03:04:05Z", `"2024-01-02T03:04:05.000Z"`, `"2024-01-02T03:04:05.000Z"`},
	{"2024-01-02T03:04:05.123+02:00", `"2024-01-02T01:04:05.123Z"`, `"2024-01-02T01:04:05.123Z"`},
	{"2024-01-02T03:04Z", `"2024-01-02T03:04:00.000Z"`, `"2024-01-02T03:04:00.000Z"`},
	{"2024-01-02", `"2024-01-02"`, `"2024-01-02"`},
	{"2024-19-02T03:04Z", `null`, `null`},
	{"12345678901234567890", `12345678901234567000`, `12345678901234567000`},
	{"1.0", `1`, `1`},
	{"-0.0", `0`, `0`},
	{"1,5", `"1,5"`, `"1,5"`},
	{"abc", `"abc"`, `"abc"`},
	{" true", `" true"`, `" true"`},
	{"yes", `"yes"`, `"yes"`},
	{"0.0001", `0.0001`, `0.0001`},
	{"1e-7", `"1e-7"`, `"1e-7"`},
	{"123456789012345678901234", `1.2345678901234569e+23`, `1.2345678901234569e+23`},
}

func TestCastCellAsHarperDB(t *testing.T) {
	for _, c := range castTable {
		for _, jsonCells := range []bool{false, true} {
			want := c.data
			if jsonCells {
				want = c.file
			}
			got, err := json.Marshal(castCell(c.cell, jsonCells))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != want {
				t.Errorf("castCell(%q, file %v) = %s, want %s", c.cell, jsonCells, got, want)
			}
		}
	}
}

// readAll parses a whole CSV text, returning its records.
func readAll(text string) ([][]string, error) {
	r := newCSVReader(strings.NewReader(text))
	var out [][]string
	for {
		err := r.next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, r.fields(nil))
	}
}

func TestCSVReader(t *testing.T) {
	got, err := readAll("\ufeffid,name\r\n1,\"Pear, green\"\r\n\r\n2,\"say \"\"hi\"\"\"\n3,5'10\"\n4,\"two\nlines\",x\n5,\n6")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"id", "name"}, {"1", "Pear, green"}, {"2", `say "hi"`}, {"3", `5'10"`}, {"4", "two\nlines", "x"}, {"5", ""}, {"6"}}
	if g, w := jsonOf(t, got), jsonOf(t, want); g != w {
		t.Errorf("records\n got %s\nwant %s", g, w)
	}
}

func TestCSVReaderErrorsNameTheLine(t *testing.T) {
	cases := []struct{ text, msg string }{
		{"id,name\n1,a\n2,\"open\n3,c\n", "malformed CSV at line 3: " + reasonUnclosedQuote},
		{"id,name\n1,a\n2,b\n3,\"x\"y\n", "malformed CSV at line 4: " + reasonAfterQuote},
		{"id,name\n1,\"a\nb\" c\n", "malformed CSV at line 3: " + reasonAfterQuote},
	}
	for _, c := range cases {
		_, err := readAll(c.text)
		if err == nil || err.Error() != c.msg {
			t.Errorf("%q: err %v, want %q", c.text, err, c.msg)
		}
	}
}

func TestCSVHeaderAsPapaparse(t *testing.T) {
	got := csvHeader([]string{"a", "a", "a_1", "a", "b"})
	if g := strings.Join(got, ","); g != "a,a_2,a_1,a_3,b" {
		t.Errorf("header %s", g)
	}
	for names, msg := range map[string]string{
		"id,café": "Invalid column name 'café', cancelling load operation",
		"id,a/b":  "Invalid column name 'a/b', cancelling load operation",
		"id,,b":   "Invalid attribute name: ''",
	} {
		if err := checkColumnNames(strings.Split(names, ",")); err == nil || err.Error() != msg {
			t.Errorf("%s: %v, want %s", names, err, msg)
		}
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCastNumberFastPathAgrees(t *testing.T) {
	for _, s := range []string{"0", "-0", "5", "-5", "12.5", "0.5", "0.50", "10", "100", "1.0", "-0.5", "00.5", "1.", ".5",
		"123456789012345", "1234567890123456", "12345678.1234567", "0.000001", "-12.34", "0.0", "99.990"} {
		slow := func() (json.Number, bool) { // the general path only
			f, ok := jsStringToNumber(s)
			if !ok || s != "0" && s[0] == '0' && !strings.HasPrefix(s, "0.") {
				return "", false
			}
			if f == 0 {
				return "0", true
			}
			return json.Number(jsNumber(f)), true
		}
		gotN, gotOK := castNumber(s)
		wantN, wantOK := slow()
		if gotN != wantN || gotOK != wantOK {
			t.Errorf("castNumber(%q) = %q %v, want %q %v", s, gotN, gotOK, wantN, wantOK)
		}
	}
}
