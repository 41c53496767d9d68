package records

import (
	"bytes"
	"encoding/csv"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/hops-dev/hops/sdk/sdktest"
)

// TestCSVFieldMatchesEncodingCSV: a line of appendCSVField fields is what
// encoding/csv's Writer writes for them, on tricky and random fields.
func TestCSVFieldMatchesEncodingCSV(t *testing.T) {
	fields := []string{"", " ", "\t", "a", `\.`, `\..`, "a,b", `"`, `a"b"`, "\r", "\n", "a\r\nb", " lead", "\u00a0nbsp", "\u2028x",
		"\u3000ideo", "trail ", "Zoë", "\xff\xfe", "🐕‍🦺", "#", "'"}
	rng := rand.New(rand.NewPCG(7, 8))
	alphabet := []string{"a", " ", ",", `"`, "\r", "\n", "\\", ".", "\t", "\u0085", "é", "\u2029"}
	for range 5000 {
		var sb strings.Builder
		for range rng.IntN(6) {
			sb.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		fields = append(fields, sb.String())
	}
	for i := 0; i+2 < len(fields); i++ {
		line := fields[i : i+3]
		var want bytes.Buffer
		w := csv.NewWriter(&want)
		if err := w.Write(line); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		var got []byte
		for j, f := range line {
			if j > 0 {
				got = append(got, ',')
			}
			got = appendCSVField(got, []byte(f))
		}
		got = append(got, '\n')
		if !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("fields %q:\n got %q\nwant %q", line, got, want.Bytes())
		}
	}
}

func TestExportSearchChecksItsRequestAndPermissions(t *testing.T) {
	e := withDogs(t)
	e.table("db", "birds")
	star := onDogs("search_by_value", "search_attribute", "id", "search_value", "*", "get_attributes", []string{"*"})
	for _, tc := range []struct {
		name   string
		caller string
		body   map[string]any
		status int
		msg    string
	}{
		{"no format", "", op(opExportSearch, "search_operation", star), 400, MsgExportFormat},
		{"bad format", "", op(opExportSearch, "format", "xml", "search_operation", star), 400, MsgExportFormat},
		{"cased format key", "", op(opExportSearch, "Format", "csv", "search_operation", star), 400, MsgExportFormat},
		{"no search", "", op(opExportSearch, "format", "csv"), 400, MsgExportSearch},
		{"search not an object", "", op(opExportSearch, "format", "csv", "search_operation", "sql"), 400, MsgExportSearch},
		{"not a search", "", op(opExportSearch, "format", "csv", "search_operation", op("describe_all")), 400, MsgExportSearch},
		{"a write", "", op(opExportSearch, "format", "csv", "search_operation", op("insert", "database", "db", "table", "dogs", "records", []any{})), 400, MsgExportSearch},
		{"sql delete", "", op(opExportSearch, "format", "json", "search_operation", sqlOp("DELETE FROM db.dogs WHERE id = 1")), 400, MsgExportNotSelect},
		{"sql update", "", op(opExportSearch, "format", "csv", "search_operation", sqlOp("UPDATE db.dogs SET name = 'x'")), 400, MsgExportNotSelect},
		{"cased sql key", "", op(opExportSearch, "format", "csv", "search_operation", op("sql", "sql", "SELECT * FROM db.dogs", "SQL", "DELETE FROM db.dogs")), 200, ""},
		{"reader on a hidden table", "reader", op(opExportSearch, "format", "csv", "search_operation",
			op("search_by_hash", "database", "db", "table", "birds", "hash_values", []any{1}, "get_attributes", []string{"*"})), 403, ""},
		{"reader sql on a hidden table", "reader", op(opExportSearch, "format", "json", "search_operation", sqlOp("SELECT * FROM db.birds")), 403, ""},
		{"reader reads its table", "reader", op(opExportSearch, "format", "csv", "search_operation", star), 200, ""},
	} {
		c := sdktest.SuperUser
		if tc.caller == "reader" {
			c = reader
		}
		r := e.h.Do(t, c, tc.body)
		if r.Status != tc.status || (tc.msg != "" && r.Error() != tc.msg) {
			t.Errorf("%s: %d %s, want %d %q", tc.name, r.Status, r.Body, tc.status, tc.msg)
		}
	}
	// Nothing was written: the four dogs are all there, unchanged.
	wantJSON(t, e.super(sqlOp("SELECT id, name FROM db.dogs ORDER BY id")),
		`[{"id":1,"name":"Penny"},{"id":2,"name":"Harper, Jr."},{"id":3,"name":"Alby"},{"id":"str-id","name":"Str"}]`)
}

func TestExportSearchCSVOfSQLColumns(t *testing.T) {
	e := withDogs(t)
	r := e.ok(op(opExportSearch, "format", "csv", "search_operation", sqlOp("SELECT name, id FROM db.dogs WHERE id = 2")))
	if string(r.Body) != "name,id\n\"Harper, Jr.\",2\n" || r.ContentType != contentTypeCSV {
		t.Errorf("%s %q", r.ContentType, r.Body)
	}
	r = e.ok(op(opExportSearch, "format", "csv", "search_operation", sqlOp("SELECT name, id FROM db.dogs WHERE id = 99")))
	if string(r.Body) != "name,id\n" {
		t.Errorf("empty result: %q, want the header alone", r.Body)
	}
	r = e.ok(op(opExportSearch, "format", "json", "search_operation", sqlOp("SELECT name, id FROM db.dogs WHERE id = 99")))
	if string(r.Body) != "[]" {
		t.Errorf("empty JSON result: %q", r.Body)
	}
}
