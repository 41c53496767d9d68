package store

import (
	"context"
	"testing"
)

func memoryFixture() *Memory {
	return &Memory{DB: "system", Tables: map[string]*MemTable{
		"hdb_role": {Name: "hdb_role", PrimaryKey: "id", Attributes: []string{"id", "role", "permission"},
			Records: []map[string]any{
				{"id": "super_user", "role": "super_user"},
				{"id": "cluster_user", "role": "cluster_user"},
				{"id": "reader", "role": "readers"},
			}},
	}}
}

func memIDs(t *testing.T, run func(fn func(map[string]any) error) error) []any {
	t.Helper()
	var out []any
	if err := run(func(rec map[string]any) error { out = append(out, rec["id"]); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// Memory reads its tables in primary key order and searches them with the
// same matching, sorting and paging as Store.
func TestMemoryReads(t *testing.T) {
	m, ctx := memoryFixture(), context.Background()
	eq := func(got []any, want ...any) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("got %v, want %v", got, want)
			}
		}
	}
	eq(memIDs(t, func(fn func(map[string]any) error) error { return m.Scan(ctx, "system", "hdb_role", fn) }), "cluster_user", "reader", "super_user")
	eq(memIDs(t, func(fn func(map[string]any) error) error {
		return m.Get(ctx, "system", "hdb_role", []any{"super_user", "nope", "reader"}, fn)
	}), "super_user", "reader")
	eq(memIDs(t, func(fn func(map[string]any) error) error {
		return m.SearchByValue(ctx, "system", "hdb_role", "role", "*_user", Page{}, fn)
	}), "cluster_user", "super_user")
	q := Conditions{Conditions: []Condition{{SearchAttribute: "role", SearchType: "contains", SearchValue: "er"}},
		Sort: &Sort{Attribute: "role", Descending: true}, Limit: 2}
	eq(memIDs(t, func(fn func(map[string]any) error) error {
		return m.SearchByConditions(ctx, "system", "hdb_role", q, fn)
	}),
		"super_user", "reader")

	if _, err := m.PrimaryKey("system", "hdb_nope"); StatusOf(err) != 404 || err.Error() != "Table 'system.hdb_nope' does not exist" {
		t.Fatalf("unknown table: %v", err)
	}
	info, err := m.DescribeTable("system", "hdb_role")
	if err != nil || info.HashAttribute != "id" || info.RecordCount != 3 || len(info.Attributes) != 3 || !info.Attributes[0].IsPrimaryKey {
		t.Fatalf("describe: %+v %v", info, err)
	}
}
