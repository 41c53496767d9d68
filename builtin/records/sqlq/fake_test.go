package sqlq

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// notFound is the fake's typed error for an unknown table, shaped like the
// store's: tests check it reaches the caller unchanged.
type notFound struct{ msg string }

func (e *notFound) Error() string   { return e.msg }
func (e *notFound) HTTPStatus() int { return http.StatusNotFound }

// fakeTable is one table of the fake: records in scan order.
type fakeTable struct {
	pk    string
	attrs []string
	recs  []map[string]any
}

// fakeSource is an in-memory Source. onScan, when set, runs at the start
// of every Scan (a test makes it fail to prove the key path is taken);
// scans and gets record the calls.
type fakeSource struct {
	tables map[string]*fakeTable
	onScan func(db, table string) error
	scans  int
	gets   [][]any
	// yielded counts records handed to callbacks, for streaming tests.
	yielded int
}

func (f *fakeSource) table(db, table string) (*fakeTable, error) {
	t, ok := f.tables[db+"."+table]
	if !ok {
		return nil, &notFound{msg: fmt.Sprintf("Table '%s.%s' does not exist", db, table)}
	}
	return t, nil
}

func (f *fakeSource) PrimaryKey(db, table string) (string, error) {
	t, err := f.table(db, table)
	if err != nil {
		return "", err
	}
	return t.pk, nil
}

func (f *fakeSource) Attributes(db, table string) ([]string, error) {
	t, err := f.table(db, table)
	if err != nil {
		return nil, err
	}
	return t.attrs, nil
}

func (f *fakeSource) Scan(ctx context.Context, db, table string, fn func(map[string]any) error) error {
	t, err := f.table(db, table)
	if err != nil {
		return err
	}
	f.scans++
	if f.onScan != nil {
		if err := f.onScan(db, table); err != nil {
			return err
		}
	}
	for _, r := range t.recs {
		if err := ctx.Err(); err != nil {
			return err
		}
		f.yielded++
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeSource) Get(ctx context.Context, db, table string, keys []any, fn func(map[string]any) error) error {
	t, err := f.table(db, table)
	if err != nil {
		return err
	}
	f.gets = append(f.gets, keys)
	byKey := make(map[string][]map[string]any, len(t.recs))
	for _, r := range t.recs {
		k := string(appendKey(nil, r[t.pk]))
		byKey[k] = append(byKey[k], r)
	}
	for _, k := range keys {
		for _, r := range byKey[string(appendKey(nil, k))] {
			f.yielded++
			if err := fn(r); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

var _ Source = (*fakeSource)(nil)

// decodeRecords decodes a JSON array of records; with useNumber numbers
// are json.Number (as the store decodes), else float64.
func decodeRecords(t testing.TB, text string, useNumber bool) []map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(text))
	if useNumber {
		dec.UseNumber()
	}
	var recs []map[string]any
	if err := dec.Decode(&recs); err != nil {
		t.Fatalf("decode %s: %v", text, err)
	}
	return recs
}

// dogsJSON mirrors the conformance suite's dogs table, plus one record
// with a missing age and one with a null age.
const dogsJSON = `[
 {"id": 1, "name": "Penny", "breed": "Mutt", "age": 5, "tags": ["a","b"], "owner": {"first": "Kyle", "last": "B"}, "good": true},
 {"id": 2, "name": "Harper, Jr.", "breed": "Lab", "age": 4, "good": false},
 {"id": 3, "name": "Alby", "age": 1, "weight": 12.5},
 {"id": "str-id", "name": "Str", "age": 7},
 {"id": 5, "name": "pepper", "breed": "mutt", "age": null},
 {"id": 6, "name": "Nameless"}
]`

// newDogs returns a fake with the table db.dogs; half the records decode
// numbers as json.Number and half as float64, as both reach the package.
func newDogs(t testing.TB) *fakeSource {
	num := decodeRecords(t, dogsJSON, true)
	flt := decodeRecords(t, dogsJSON, false)
	recs := make([]map[string]any, len(num))
	for i := range num {
		recs[i] = num[i]
		if i%2 == 1 {
			recs[i] = flt[i]
		}
	}
	return &fakeSource{tables: map[string]*fakeTable{
		"db.dogs": {pk: "id", recs: recs, attrs: []string{"name", "id", "breed", "age", "tags", "owner", "good", "weight"}},
	}}
}

// query parses and runs sql over src, failing the test on any error.
func query(t *testing.T, src Source, sql string) []map[string]any {
	t.Helper()
	rows, err := tryQuery(src, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return rows
}

func tryQuery(src Source, sql string) ([]map[string]any, error) {
	st, err := Parse(sql)
	if err != nil {
		return nil, err
	}
	var rows []map[string]any
	err = st.Run(context.Background(), src, func(row map[string]any) error {
		rows = append(rows, row)
		return nil
	})
	return rows, err
}

// column returns the named column of each row, as JSON text, joined by
// spaces: a compact, type-revealing form to compare ("1 \"str-id\" null").
func column(rows []map[string]any, name string) string {
	parts := make([]string, len(rows))
	for i, r := range rows {
		v, ok := r[name]
		if !ok {
			parts[i] = "missing"
			continue
		}
		parts[i] = jsonText(v)
	}
	return strings.Join(parts, " ")
}

// wantSQLError checks err is an *Error with status 400 and message msg.
func wantSQLError(t *testing.T, err error, msg string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *Error %q", err, err, msg)
	}
	if e.HTTPStatus() != http.StatusBadRequest || e.Error() != msg {
		t.Fatalf("error = %d %q, want 400 %q", e.HTTPStatus(), e.Error(), msg)
	}
}
