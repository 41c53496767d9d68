package records

import (
	"mime"
	"testing"
)

// A whole-table export_search gives its row count in its content type
// (the export family's progress total); any other search gives none.
func TestExportSearchGivesWholeTableRowCount(t *testing.T) {
	e := withDogs(t)
	for _, c := range []struct {
		name   string
		search map[string]any
		rows   string
	}{
		{"value pk *", onDogs("search_by_value", "search_attribute", "id", "search_value", "*", "get_attributes", []string{"*"}), "4"},
		{"select *", op("sql", "sql", "SELECT * FROM db.dogs"), "4"},
		{"select where", op("sql", "sql", "SELECT * FROM db.dogs WHERE id = 1"), ""},
		{"by hash", onDogs("search_by_hash", "hash_values", []any{1}, "get_attributes", []string{"id"}), ""},
	} {
		r := e.super(op(opExportSearch, "format", "csv", "search_operation", c.search))
		_, params, err := mime.ParseMediaType(r.ContentType)
		if r.Status != 200 || err != nil || params[ExportRowsParam] != c.rows {
			t.Errorf("%s: %d %q (%v), want rows %q", c.name, r.Status, r.ContentType, err, c.rows)
		}
	}
}
