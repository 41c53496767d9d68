package sqlq

import (
	"testing"
)

// bulk returns a table like the conformance suite's: ids 1..300, n = 2*id,
// grp = id % 3, label "row <id>".
func bulk(t *testing.T) *fakeSource {
	tab := &fakeTable{pk: "id"}
	for i := 1; i <= 300; i++ {
		tab.recs = append(tab.recs, map[string]any{
			"id": float64(i), "n": float64(2 * i), "grp": float64(i % 3), "label": "row",
		})
	}
	return &fakeSource{tables: map[string]*fakeTable{"db.bulk": tab}}
}

func TestAggregatesConformance(t *testing.T) {
	src := bulk(t)
	if got := column(query(t, src, "SELECT COUNT(*) AS n FROM db.bulk"), "n"); got != "300" {
		t.Errorf("count = %s", got)
	}
	rows := query(t, src, "SELECT grp, COUNT(*) AS c FROM db.bulk GROUP BY grp ORDER BY grp")
	if got := column(rows, "grp") + " / " + column(rows, "c"); got != "0 1 2 / 100 100 100" {
		t.Errorf("group by = %s", got)
	}
	if got := column(query(t, src, "SELECT MAX(n) AS m FROM db.bulk"), "m"); got != "600" {
		t.Errorf("max = %s", got)
	}
	if got := column(query(t, src, "SELECT id FROM db.bulk ORDER BY n DESC LIMIT 2 OFFSET 1"), "id"); got != "299 298" {
		t.Errorf("order/limit = %s", got)
	}
}

func TestAggregates(t *testing.T) {
	cases := []struct{ sql, col, want string }{
		{"SELECT COUNT(*) FROM db.dogs", "COUNT(*)", "6"},
		{"SELECT COUNT(age) AS c FROM db.dogs", "c", "4"}, // null and missing are not counted
		{"SELECT COUNT(breed) AS c FROM db.dogs", "c", "3"},
		{"SELECT COUNT(DISTINCT breed) AS c FROM db.dogs", "c", "3"}, // Mutt and mutt differ
		{"SELECT SUM(age) AS s FROM db.dogs", "s", "17"},
		{"SELECT AVG(age) AS a FROM db.dogs", "a", "4.25"},
		{"SELECT MIN(age) AS m FROM db.dogs", "m", "1"},
		{"SELECT MAX(name) AS m FROM db.dogs", "m", `"pepper"`},
		{"SELECT MIN(id) AS m FROM db.dogs", "m", "1"},
		{"SELECT MAX(id) AS m FROM db.dogs", "m", `"str-id"`},
		{"SELECT SUM(name) AS s FROM db.dogs", "s", "null"}, // no numbers to add
		{"SELECT SUM(DISTINCT good) AS s, COUNT(DISTINCT good) AS c FROM db.dogs", "c", "2"},
		{"SELECT COUNT(*) AS c FROM db.dogs WHERE age > 100", "c", "0"},
		// HarperDB 4.7.29: SELECT SUM(v), AVG(v), MIN(v), MAX(v) over no rows
		// answers [{"SUM(v)":0}] (the others undefined).
		{"SELECT SUM(age) AS s FROM db.dogs WHERE age > 100", "s", "0"},
		{"SELECT MAX(age) AS m FROM db.dogs WHERE age > 100", "m", "null"},
		{"SELECT count(*) c, sum(age) total FROM db.dogs", "total", "17"},
		// HarperDB names an aggregate without an alias by its text (74-sql.json).
		{"SELECT MAX(age) FROM db.dogs", "MAX(age)", "7"},
		// HarperDB 4.7.29 names it REDUCE(name), the alasql aggregate it runs.
		{"SELECT GROUP_CONCAT(name) FROM db.dogs WHERE breed = 'Lab'", "REDUCE(name)", `"Harper, Jr."`},
		// ARRAY, DISTINCT_ARRAY and GROUP_CONCAT skip NULLs.
		{"SELECT ARRAY(breed) AS a FROM db.dogs", "a", `["Mutt","Lab","mutt"]`},
		{"SELECT ARRAY(age) AS a FROM db.dogs WHERE id > 100", "a", `[]`},
		{"SELECT DISTINCT_ARRAY(LOWER(breed)) AS a FROM db.dogs", "a", `["mutt","lab"]`},
		{"SELECT GROUP_CONCAT(id) AS g FROM db.dogs WHERE age > 1", "g", `"1,2,str-id"`},
		{"SELECT GROUP_CONCAT(DISTINCT LOWER(breed) SEPARATOR '|') AS g FROM db.dogs", "g", `"mutt|lab"`},
		{"SELECT GROUP_CONCAT(breed) AS g FROM db.dogs WHERE id > 100", "g", "null"},
		{"SELECT SUM(age * 2) + 1 AS s FROM db.dogs", "s", "35"},
	}
	for _, c := range cases {
		rows := query(t, newDogs(t), c.sql)
		if len(rows) != 1 {
			t.Errorf("%s: %d rows, want 1", c.sql, len(rows))
			continue
		}
		if got := column(rows, c.col); got != c.want {
			t.Errorf("%s: %s = %s, want %s", c.sql, c.col, got, c.want)
		}
	}
}

func TestGroupBy(t *testing.T) {
	cases := []struct{ sql, cols, want string }{
		// Groups come in first-seen order without ORDER BY; NULL and missing
		// form one group.
		{"SELECT breed, COUNT(*) AS c FROM db.dogs GROUP BY breed", "breed c", `"Mutt" "Lab" null "mutt" / 1 1 3 1`},
		{"SELECT breed, COUNT(*) AS c FROM db.dogs GROUP BY breed ORDER BY c DESC, breed", "breed c", `null "Lab" "Mutt" "mutt" / 3 1 1 1`},
		{"SELECT breed AS b, MAX(age) AS m FROM db.dogs GROUP BY b ORDER BY 2", "b m", `"mutt" "Lab" "Mutt" null / null 4 5 7`},
		{"SELECT breed, COUNT(*) AS c FROM db.dogs GROUP BY 1 HAVING c > 1", "breed c", `null / 3`},
		{"SELECT breed FROM db.dogs GROUP BY breed HAVING COUNT(*) = 1 ORDER BY MIN(id) DESC", "breed", `"mutt" "Lab" "Mutt"`},
		{"SELECT good, COUNT(*) AS c FROM db.dogs WHERE age IS NOT NULL GROUP BY good ORDER BY good", "good c", `null false true / 2 1 1`},
		{"SELECT breed, COUNT(*) AS c FROM db.dogs WHERE age > 100 GROUP BY breed", "breed", ``},
		{"SELECT breed, COUNT(*) AS c FROM db.dogs GROUP BY breed ORDER BY c DESC LIMIT 1 OFFSET 1", "c", `1`},
	}
	for _, c := range cases {
		rows := query(t, newDogs(t), c.sql)
		var got string
		for i, col := range splitCols(c.cols) {
			if i > 0 {
				got += " / "
			}
			got += column(rows, col)
		}
		if got != c.want {
			t.Errorf("%s: %s = %s, want %s", c.sql, c.cols, got, c.want)
		}
	}
}

func splitCols(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

// TestGroupByNumberTypes: json.Number 1, 1.0 and float64 1 are one group.
func TestGroupByNumberTypes(t *testing.T) {
	tab := &fakeTable{pk: "id", recs: decodeRecords(t, `[{"id":1,"g":1},{"id":2,"g":1.0},{"id":3,"g":"1"}]`, true)}
	tab.recs = append(tab.recs, map[string]any{"id": 4.0, "g": 1.0})
	src := &fakeSource{tables: map[string]*fakeTable{"db.t": tab}}
	rows := query(t, src, "SELECT g, COUNT(*) AS c FROM db.t GROUP BY g")
	if got := column(rows, "g") + " / " + column(rows, "c"); got != `1 "1" / 3 1` {
		t.Fatalf("groups = %s", got)
	}
}
