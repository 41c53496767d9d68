package sqlq

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// noScan returns the dogs fake with a Scan that fails the test.
func noScan(t *testing.T) *fakeSource {
	src := newDogs(t)
	src.onScan = func(db, table string) error {
		t.Errorf("Scan(%s.%s) called; the WHERE pins the primary key", db, table)
		return errors.New("scan not allowed")
	}
	return src
}

func TestPrimaryKeyUsesGet(t *testing.T) {
	cases := []struct{ sql, keys, ids string }{
		// Conformance: SELECT id, name ... WHERE id = 1.
		{"SELECT id, name FROM db.dogs WHERE id = 1", "[1]", "1"},
		{"SELECT id FROM db.dogs WHERE 2 = id", "[2]", "2"},
		{"SELECT * FROM db.dogs WHERE id = 'str-id'", `["str-id"]`, `"str-id"`},
		{"SELECT id FROM db.dogs WHERE id IN (1, 2, 2, 1.0) ORDER BY id", "[1 2]", "1 2"},
		{"SELECT id FROM db.dogs WHERE id IN (3, 'str-id', NULL, TRUE)", `[3 "str-id"]`, `3 "str-id"`},
		{"SELECT id FROM db.dogs WHERE name = 'Penny' AND (id = 1 AND age > 0)", "[1]", "1"},
		{"SELECT id FROM db.dogs WHERE id = 1 AND name = 'Alby'", "[1]", ""},           // the rest of WHERE still applies
		{"SELECT id FROM db.dogs WHERE id IN (1, 2, 3) AND id = 2", "[2]", "2"},        // the smaller key list wins
		{"SELECT id FROM db.dogs WHERE dogs.id = -3", "[-3]", ""},                      // qualified; no such key
		{"SELECT id FROM db.dogs WHERE id = '1'", `["1" 1]`, ""},                       // read, but = never makes 1 equal '1'
		{"SELECT id FROM db.dogs WHERE id IN ('1')", `["1" 1]`, "1"},                   // IN does
		{"SELECT id FROM db.dogs WHERE id = NULL", "[]", ""},                           // nothing can match
		{"SELECT COUNT(*) AS id FROM db.dogs WHERE id IN (1, 2, 99)", "[1 2 99]", "2"}, // aggregates too
	}
	for _, c := range cases {
		src := noScan(t)
		rows := query(t, src, c.sql)
		if len(src.gets) != 1 {
			t.Errorf("%s: %d Get calls", c.sql, len(src.gets))
			continue
		}
		if got := fmt.Sprint(jsonList(src.gets[0])); got != c.keys {
			t.Errorf("%s: Get keys %s, want %s", c.sql, got, c.keys)
		}
		if got := column(rows, "id"); got != c.ids {
			t.Errorf("%s: ids = [%s], want [%s]", c.sql, got, c.ids)
		}
	}
}

func jsonList(vals []any) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = jsonText(v)
	}
	return out
}

// TestNonKeyConditionsScan: equality on another attribute, or a key
// condition under OR or NOT, must scan (and then filter).
func TestNonKeyConditionsScan(t *testing.T) {
	for _, sql := range []string{
		"SELECT id FROM db.dogs WHERE name = 'Penny'",
		"SELECT id FROM db.dogs WHERE id = 1 OR name = 'Alby'",
		"SELECT id FROM db.dogs WHERE NOT id = 1",
		"SELECT id FROM db.dogs WHERE id != 1",
		"SELECT id FROM db.dogs WHERE id > 1",
		"SELECT id FROM db.dogs WHERE id = age",
	} {
		src := newDogs(t)
		query(t, src, sql)
		if src.scans != 1 || len(src.gets) != 0 {
			t.Errorf("%s: scans %d gets %d, want one scan", sql, src.scans, len(src.gets))
		}
	}
	// OR of key lookups is correct by scanning.
	rows := query(t, newDogs(t), "SELECT id FROM db.dogs WHERE id = 1 OR id = 'str-id'")
	if got := column(rows, "id"); got != `1 "str-id"` {
		t.Fatalf("ids = %s", got)
	}
}

// TestKeyLookupOtherPrimaryKey: the key path follows the table's actual
// primary key, not an attribute called id.
func TestKeyLookupOtherPrimaryKey(t *testing.T) {
	src := newDogs(t)
	src.tables["db.dogs"].pk = "name"
	query(t, src, "SELECT id FROM db.dogs WHERE id = 1")
	if src.scans != 1 || len(src.gets) != 0 {
		t.Fatalf("id is not the key here: scans %d gets %d", src.scans, len(src.gets))
	}
	src.onScan = func(string, string) error { t.Error("scan"); return nil }
	rows := query(t, src, "SELECT id FROM db.dogs WHERE name = 'Alby'")
	if column(rows, "id") != "3" {
		t.Fatalf("rows = %v", rows)
	}
}

func TestMatchingUsesGet(t *testing.T) {
	for _, sql := range []string{
		"UPDATE db.dogs SET good = true WHERE id IN (1, 3) AND age < 5",
		"DELETE FROM db.dogs WHERE id IN (1, 3) AND age < 5",
	} {
		src := noScan(t)
		st, err := Parse(sql)
		if err != nil {
			t.Fatal(err)
		}
		var ids []any
		err = st.Matching(context.Background(), src, func(rec map[string]any) error {
			ids = append(ids, rec["id"])
			return nil
		})
		if err != nil || len(src.gets) != 1 || fmt.Sprint(jsonList(ids)) != "[3]" {
			t.Errorf("%s: ids %v gets %v err %v", sql, ids, src.gets, err)
		}
	}
}
