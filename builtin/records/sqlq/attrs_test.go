package sqlq

import (
	"slices"
	"testing"
)

// ReadAttributes names every attribute a statement reads, once, in the
// order first written; output aliases and aggregates' stars are not
// attributes. WrittenAttributes names what INSERT and UPDATE write.
func TestStatementAttributes(t *testing.T) {
	cases := []struct {
		sql          string
		read, writes []string
	}{
		{"SELECT name, age FROM db.dogs WHERE owner = 'x' ORDER BY age", []string{"name", "age", "owner"}, nil},
		{"SELECT d.name AS n FROM db.dogs d WHERE d.id IN (1, 2) ORDER BY n", []string{"name", "id"}, nil},
		{"SELECT breed, COUNT(*), MAX(weight) FROM db.dogs GROUP BY breed HAVING COUNT(*) > 1", []string{"breed", "weight"}, nil},
		{"SELECT * FROM db.dogs WHERE secret LIKE 'a%'", []string{"secret"}, nil},
		{"SELECT * FROM db.dogs", nil, nil},
		{"UPDATE db.dogs SET name = 'x', age = 3 WHERE owner = 'y'", []string{"owner"}, []string{"name", "age"}},
		{"DELETE FROM db.dogs WHERE age > 3 AND name = 'x'", []string{"age", "name"}, nil},
		{"INSERT INTO db.dogs (id, name) VALUES (1, 'x')", nil, []string{"id", "name"}},
	}
	for _, c := range cases {
		st, err := Parse(c.sql)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		if got := st.ReadAttributes(); !slices.Equal(got, c.read) {
			t.Errorf("%s: ReadAttributes = %q, want %q", c.sql, got, c.read)
		}
		if got := st.WrittenAttributes(); !slices.Equal(got, c.writes) {
			t.Errorf("%s: WrittenAttributes = %q, want %q", c.sql, got, c.writes)
		}
	}
}
