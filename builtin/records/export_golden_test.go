package records

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// updateExportGolden rewrites the export golden files with the current
// answers (go test -run TestExportSearchMatchesGoldenFiles -update-export).
var updateExportGolden = flag.Bool("update-export", false, "rewrite testdata/export/*.golden with the current export_search answers")

// exportRecords are the records of the export golden files: text that
// needs CSV quoting (commas, quotes, CR/LF, a leading space or tab, the
// \. line), unicode (combining marks, astral plane, a ZWJ sequence,
// U+2028 and U+2029, which JSON.stringify leaves raw), HTML and control
// characters, nested objects and arrays, nulls, numbers written in many
// ways, an empty string, a sparse record, and attribute names that sort
// differently by UTF-8 bytes and by UTF-16 code units.
const exportRecords = `[
 {"id":1,"name":"Penny, the \"good\" dog","bio":"line one\nline two\r\nline, three","uni":"Zoë 日本語 🐕‍🦺",
  "owner":{"first":"Kyle","pets":["a,b",{"c":"\"q\""}]},"tags":["x","y, z"],"age":5,"weight":12.75,"good":true,"empty":""},
 {"id":2,"name":" leading space","bio":"tab\there","uni":"ñ","owner":null,"tags":[],"age":-3,"weight":0.1,"good":false},
 {"id":3,"name":"sparse"},
 {"id":4,"name":"quote \" only","bio":"\"","uni":"e\u0301","owner":{"deep":{"deeper":[1,2.5,null,true]}},
  "tags":["only"],"age":1e15,"weight":-2.5e-7,"good":true,"empty":"x"},
 {"id":5,"name":"line\u2028sep\u2029para","bio":"<html> & \u0001 ctl \u001f","uni":"\\.","owner":{"z":1,"a":{"y":"\u2028","b":2}},
  "tags":[{"k":"v"}],"age":12.50,"weight":1E5,"good":null,"\ue000":"private","😀":"emoji"},
 {"id":6,"name":"\\.","bio":"","uni":"\t lead tab","age":-0,"weight":0.000001,"empty":"\u2029"}
]`

// exportSearches are the searches of the golden files: the whole-table
// reads answered from stored text (search_by_value "*" on the primary
// key, a bare SELECT *) and the decoded paths (every other search), each
// kind, explicit and "*" columns, and two empty results.
var exportSearches = []struct {
	name string
	body map[string]any
}{
	{"value_pk_star", op("search_by_value", "database", "db", "table", "t", "search_attribute", "id", "search_value", "*", "get_attributes", []string{"*"})},
	{"value_name_star", op("search_by_value", "database", "db", "table", "t", "search_attribute", "name", "search_value", "*", "get_attributes", []string{"id", "*"})},
	{"hash_list", op("search_by_hash", "schema", "db", "table", "t", "hash_values", []any{4, 1, 3, 5}, "get_attributes", []string{"name", "id", "owner", "name", "bio", "😀"})},
	{"conditions_star", op("search_by_conditions", "database", "db", "table", "t", "operator", "or", "get_attributes", []string{"*"},
		"conditions", []map[string]any{{"search_attribute": "age", "search_type": "greater_than", "search_value": 0},
			{"search_attribute": "name", "search_type": "equals", "search_value": "sparse"}})},
	{"sql_star", op("sql", "sql", "SELECT * FROM db.t")},
	{"sql_list", op("sql", "sql", "SELECT uni, id, bio, owner, weight, tags, good FROM db.t ORDER BY id DESC")},
	{"sql_empty", op("sql", "sql", "SELECT * FROM db.t WHERE id = 999")},
	{"value_empty", op("search_by_value", "database", "db", "table", "t", "search_attribute", "name", "search_value", "nobody", "get_attributes", []string{"*"})},
}

// withExportRecords returns an env holding db.t filled with exportRecords.
func withExportRecords(t *testing.T) *env {
	t.Helper()
	e := newEnv(t, harnessOpts{})
	e.table("db", "t")
	e.insert("db", "t", exportRecords)
	return e
}

// TestExportSearchMatchesGoldenFiles checks every export_search answer
// byte for byte against testdata/export/<search>.<format>.golden, the
// files the export family wrote for the same records (run with -update
// to rewrite them).
func TestExportSearchMatchesGoldenFiles(t *testing.T) {
	e := withExportRecords(t)
	for _, s := range exportSearches {
		for _, format := range []string{"json", "csv"} {
			r := e.super(op("export_search", "format", format, "search_operation", s.body))
			if r.Status != 200 {
				t.Fatalf("%s %s: %d %s", s.name, format, r.Status, r.Body)
			}
			checkGolden(t, exportGoldenPath(s.name, format), r.Body)
		}
	}
}

// exportGoldenPath is the golden file of one search and format.
func exportGoldenPath(search, format string) string {
	return filepath.Join("testdata", "export", fmt.Sprintf("%s.%s.golden", search, format))
}

// checkGolden compares got with the file at path byte for byte (no
// trimming: a final newline is part of an export), or rewrites the file
// under -update-export.
func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *updateExportGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s (run with -update-export to create it): %v", path, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n got %q\nwant %q", path, got, want)
	}
}
