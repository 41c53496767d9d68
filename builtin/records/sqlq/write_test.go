package sqlq

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
)

func TestInsert(t *testing.T) {
	st, err := Parse("INSERT INTO db.dogs (id, name, age, good, notes, big) VALUES " +
		"(10, 'Rex', 3.5, TRUE, NULL, 12345678901234567890), (-11, 'it''s', .5, false, 'x', -2e3)")
	if err != nil {
		t.Fatal(err)
	}
	if st.Kind != Insert || st.Table.String() != "db.dogs" {
		t.Fatalf("kind %v table %v", st.Kind, st.Table)
	}
	if want := []string{"id", "name", "age", "good", "notes", "big"}; !reflect.DeepEqual(st.InsertColumns, want) {
		t.Fatalf("columns = %q", st.InsertColumns)
	}
	want := []map[string]any{
		{"id": json.Number("10"), "name": "Rex", "age": json.Number("3.5"), "good": true, "notes": nil,
			"big": json.Number("12345678901234567890")},
		{"id": json.Number("-11"), "name": "it's", "age": 0.5, "good": false, "notes": "x", "big": json.Number("-2e3")},
	}
	if !reflect.DeepEqual(st.Rows, want) {
		t.Fatalf("rows = %#v", st.Rows)
	}
	// SET form is an INSERT too.
	st, err = Parse("INSERT INTO db.dogs SET id = 1, name = 'a'")
	if err != nil || len(st.Rows) != 1 || st.Rows[0]["name"] != "a" {
		t.Fatalf("INSERT ... SET: %v %v", st, err)
	}
	if err := st.Run(context.Background(), newDogs(t), nil); err == nil {
		t.Fatal("Run of an INSERT should fail")
	}
	if err := st.Matching(context.Background(), newDogs(t), nil); err == nil {
		t.Fatal("Matching of an INSERT should fail")
	}
	// A constant expression is evaluated once; a column is not a constant.
	st, err = Parse("INSERT INTO db.dogs (id, n, s) VALUES (UPPER('a'), 1 + 1, CONCAT('a', 2))")
	if err != nil || st.Rows[0]["id"] != "A" || st.Rows[0]["n"] != json.Number("2") || st.Rows[0]["s"] != "a2" {
		t.Fatalf("constant expressions: %v %v", st.Rows, err)
	}
	_, err = Parse("INSERT INTO db.dogs (id) VALUES (UPPER(x))")
	wantSQLError(t, err, "SQL feature not supported: values that are not constants (UPPER(x))")
}

func TestUpdate(t *testing.T) {
	st, err := Parse("UPDATE db.dogs d SET d.name = 'Rex', age = -4, tags = NULL WHERE breed = 'Mutt' OR breed IS NULL")
	if err != nil {
		t.Fatal(err)
	}
	want := []Assignment{{Column: "name", Value: "Rex"}, {Column: "age", Value: json.Number("-4")}, {Column: "tags"}}
	if st.Kind != Update || !reflect.DeepEqual(st.Set, want) {
		t.Fatalf("kind %v set %#v", st.Kind, st.Set)
	}
	var ids []any
	src := newDogs(t)
	if err := st.Matching(context.Background(), src, func(rec map[string]any) error {
		ids = append(ids, rec["id"])
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := jsonList(ids); !reflect.DeepEqual(got, []string{"1", "3", `"str-id"`, "6"}) {
		t.Fatalf("matching ids = %v", got)
	}
	_, err = Parse("UPDATE db.dogs SET other.name = 'x'")
	wantSQLError(t, err, "Unknown column 'other.name': its table is not in FROM")
}

func TestDelete(t *testing.T) {
	st, err := Parse("DELETE FROM db.dogs")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := st.Matching(context.Background(), newDogs(t), func(map[string]any) error { n++; return nil }); err != nil || n != 6 {
		t.Fatalf("DELETE without WHERE matched %d, err %v", n, err)
	}
	st, _ = Parse("DELETE FROM db.nope WHERE id = 1")
	err = st.Matching(context.Background(), newDogs(t), func(map[string]any) error { return nil })
	if !isNotFound(err) {
		t.Fatalf("unknown table: %v", err)
	}
}

// TestUpdateSetExpressions: SET takes expressions over the record, as in
// HarperDB 4.7.29 (UPDATE t SET a = a + 1 WHERE id = 100 answers
// {"message":"updated 1 of 1 records","update_hashes":[100],...} and
// stores the incremented value).
func TestUpdateSetExpressions(t *testing.T) {
	st, err := Parse("UPDATE db.dogs SET age = age + 1, name = UPPER(name), breed = 'x' WHERE id = 1")
	if err != nil {
		t.Fatal(err)
	}
	if !st.SetReadsRecord() {
		t.Fatal("SetReadsRecord = false")
	}
	set, err := st.SetFor(map[string]any{"id": 1, "age": json.Number("5"), "name": "Penny"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"age": json.Number("6"), "name": "PENNY", "breed": "x"}
	if !reflect.DeepEqual(set, want) {
		t.Errorf("SetFor = %#v, want %#v", set, want)
	}
	if set, _ := st.SetFor(map[string]any{"id": 2}); set["age"] != nil || set["name"] != nil {
		t.Errorf("SetFor of a record without the attributes = %#v, want NULLs", set)
	}
	if st, _ := Parse("UPDATE db.dogs SET a = 1"); st.SetReadsRecord() {
		t.Error("a constant SET reads the record")
	}
}
