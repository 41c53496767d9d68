package sqlq

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestOrderBy(t *testing.T) {
	cases := []struct{ sql, ids string }{
		// Conformance: WHERE age >= 4 ORDER BY age.
		{"SELECT id, age FROM db.dogs WHERE age >= 4 ORDER BY age", `2 1 "str-id"`},
		// Missing and null ages sort first ascending, last descending; ties
		// keep the read order.
		{"SELECT id FROM db.dogs ORDER BY age", `5 6 3 2 1 "str-id"`},
		{"SELECT id FROM db.dogs ORDER BY age DESC", `"str-id" 1 2 3 5 6`},
		// Mixed kinds: numbers before strings.
		{"SELECT id FROM db.dogs ORDER BY id DESC", `"str-id" 6 5 3 2 1`},
		{"SELECT id FROM db.dogs ORDER BY id", `1 2 3 5 6 "str-id"`},
		// Multiple keys: breed (missing first) then name descending.
		{"SELECT id FROM db.dogs ORDER BY breed, name DESC", `"str-id" 6 3 2 1 5`},
		// Strings are case-sensitive in order (upper case first).
		{"SELECT id FROM db.dogs WHERE breed IS NOT NULL ORDER BY breed ASC", `2 1 5`},
		// An alias, a position, an attribute not selected.
		{"SELECT id, name AS n FROM db.dogs ORDER BY n", `3 2 6 1 "str-id" 5`},
		{"SELECT id, name FROM db.dogs ORDER BY 2 DESC", `5 "str-id" 1 6 2 3`},
		{"SELECT id FROM db.dogs ORDER BY weight DESC, id", `3 1 2 5 6 "str-id"`},
		// LIMIT and OFFSET, both spellings.
		{"SELECT id FROM db.dogs ORDER BY id LIMIT 2 OFFSET 1", `2 3`},
		{"SELECT id FROM db.dogs ORDER BY id LIMIT 1, 2", `2 3`},
		// HarperDB 4.7.29 answers LIMIT 0 with every row.
		{"SELECT id FROM db.dogs ORDER BY id LIMIT 0", `1 2 3 5 6 "str-id"`},
		{"SELECT id FROM db.dogs ORDER BY id LIMIT 10 OFFSET 5", `"str-id"`},
		{"SELECT id FROM db.dogs ORDER BY id LIMIT 10 OFFSET 50", ``},
		{"SELECT id FROM db.dogs LIMIT 2 OFFSET 3", `"str-id" 5`},
		{"SELECT id FROM db.dogs ORDER BY id LIMIT 9223372036854775807 OFFSET 9223372036854775807", ``},
		{"SELECT id FROM db.dogs ORDER BY id DESC LIMIT 9223372036854775807 OFFSET 4", `2 1`},
		// HAVING without GROUP BY or aggregates filters rows, by alias.
		{"SELECT id AS x, id FROM db.dogs HAVING x > 2", `3 5 6`},
		{"SELECT id AS x, id FROM db.dogs HAVING x > 2 ORDER BY x DESC", `6 5 3`},
	}
	for _, c := range cases {
		rows := query(t, newDogs(t), c.sql)
		if got := column(rows, "id"); got != c.ids {
			t.Errorf("%s: ids = [%s], want [%s]", c.sql, got, c.ids)
		}
	}
}

// TestOrderByLimitMatchesFullSort checks the bounded buffer ORDER BY uses
// with a LIMIT against a full sort, over data with many ties, NULLs and
// mixed kinds, for pages small and large.
func TestOrderByLimitMatchesFullSort(t *testing.T) {
	const rows = 5000 // enough to trigger several compactions of a small page
	rng := rand.New(rand.NewPCG(1, 2))
	tab := &fakeTable{pk: "id"}
	for i := range rows {
		rec := map[string]any{"id": float64(i)}
		switch rng.IntN(5) {
		case 0: // missing
		case 1:
			rec["v"] = nil
		case 2:
			rec["v"] = fmt.Sprintf("s%d", rng.IntN(20))
		default:
			rec["v"] = float64(rng.IntN(50))
		}
		tab.recs = append(tab.recs, rec)
	}
	src := &fakeSource{tables: map[string]*fakeTable{"db.t": tab}}
	full := column(query(t, src, "SELECT id FROM db.t ORDER BY v DESC"), "id")
	all := strings.Fields(full)
	if len(all) != rows {
		t.Fatalf("full sort returned %d rows", len(all))
	}
	for _, page := range []struct{ limit, offset int }{{1, 0}, {10, 0}, {10, 7}, {100, 4000}, {3000, 2500}, {7000, 0}} {
		sql := fmt.Sprintf("SELECT id FROM db.t ORDER BY v DESC LIMIT %d OFFSET %d", page.limit, page.offset)
		got := column(query(t, src, sql), "id")
		lo, hi := min(page.offset, rows), min(page.offset+page.limit, rows)
		if want := strings.Join(all[lo:hi], " "); got != want {
			t.Errorf("%s: page differs from the full sort", sql)
		}
	}
}
