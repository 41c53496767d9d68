package sqlq

import (
	"encoding/json"
	"testing"
)

// TestSetOperations checks UNION, UNION ALL, INTERSECT and EXCEPT without
// FROM against HarperDB 4.7.29's answers (alasql: a chain nests to the
// right, UNION puts the right side's rows first, the right side's columns
// take the left side's names by position, a final LIMIT is the last
// SELECT's).
func TestSetOperations(t *testing.T) {
	cases := []struct{ sql, want string }{
		{"SELECT 1 AS x UNION SELECT 2 AS x", `[{"x":2},{"x":1}]`},
		{"SELECT 1 AS x UNION ALL SELECT 1 AS x", `[{"x":1},{"x":1}]`},
		{"SELECT 1 AS x UNION SELECT 2 AS x UNION SELECT 3 AS x", `[{"x":3},{"x":2},{"x":1}]`},
		{"SELECT 1 AS x UNION ALL SELECT 2 AS x UNION SELECT 1 AS x", `[{"x":1},{"x":1},{"x":2}]`},
		{"SELECT 1 AS x UNION ALL SELECT 1 AS x UNION ALL SELECT 2 AS x", `[{"x":1},{"x":1},{"x":2}]`},
		{"SELECT 1 AS x UNION SELECT 2 AS y", `[{"x":2},{"x":1}]`},
		{"SELECT 1 AS x, 2 AS y UNION SELECT 3 AS a", `[{"x":3},{"x":1,"y":2}]`},
		{"SELECT 1 AS x UNION SELECT 2 AS x, 3 AS y", `[{"x":2},{"x":1}]`},
		{"SELECT 1 AS x UNION SELECT 2 AS x LIMIT 1", `[{"x":2},{"x":1}]`},
		{"SELECT 1 UNION SELECT 2", `[{"1":2},{"1":1}]`},
		{"SELECT 'a' AS s, 1 AS n UNION SELECT 'a' AS s, 1 AS n", `[{"n":1,"s":"a"}]`},
		{"SELECT 1 AS x UNION SELECT '1' AS x", `[{"x":"1"},{"x":1}]`},
		{"SELECT 1 AS x INTERSECT SELECT 1 AS x", `[{"x":1}]`},
		{"SELECT 1 AS x EXCEPT SELECT 1 AS x", `null`},
	}
	for _, c := range cases {
		rows := query(t, &fakeSource{}, c.sql)
		b, _ := json.Marshal(rows)
		if string(b) != c.want {
			t.Errorf("%s\n got %s\nwant %s", c.sql, b, c.want)
		}
	}
}

// TestRefusedAsHarperDB: the shapes HarperDB 4.7.29 fails on (a 500 there)
// are 400s with its text. Every subquery is "Circular reference".
func TestRefusedAsHarperDB(t *testing.T) {
	cases := map[string]string{
		"SELECT id FROM db.a UNION SELECT id FROM db.b":                       MsgSearchProblem,
		"SELECT id FROM db.a UNION ALL SELECT id FROM db.a":                   MsgSearchProblem,
		"SELECT id FROM db.a INTERSECT SELECT id FROM db.b":                   MsgSearchProblem,
		"SELECT 1 AS x UNION SELECT id FROM db.a":                             MsgNoFrom,
		"SELECT 1 AS x UNION SELECT 2 AS x ORDER BY x":                        MsgNoFrom,
		"SELECT * FROM db.a NATURAL JOIN db.b":                                MsgSearchProblem,
		"SELECT * FROM db.a NATURAL LEFT JOIN db.b":                           MsgSearchProblem,
		"SELECT id FROM db.a WHERE bid IN (SELECT id FROM db.b)":              MsgSubquery,
		"SELECT id FROM db.a WHERE bid NOT IN (SELECT id FROM db.b)":          MsgSubquery,
		"SELECT id FROM db.a WHERE v = (SELECT MAX(v) FROM db.b)":             MsgSubquery,
		"SELECT id, (SELECT COUNT(*) FROM db.b) AS n FROM db.a":               MsgSubquery,
		"SELECT id FROM db.a WHERE EXISTS (SELECT id FROM db.b)":              MsgSubquery,
		"SELECT id FROM db.a WHERE NOT EXISTS (SELECT id FROM db.b)":          MsgSubquery,
		"SELECT (SELECT 1) AS x":                                              MsgSubquery,
		"SELECT a.id FROM db.a a JOIN db.b b ON a.id = (SELECT 1)":            MsgSubquery,
		"SELECT * FROM (SELECT id FROM db.a) AS s":                            MsgDerivedTable,
		"SELECT a.id FROM db.a a JOIN (SELECT id FROM db.b) AS s ON a.id = 1": MsgDerivedTable,
	}
	for sql, msg := range cases {
		_, err := Parse(sql)
		wantSQLError(t, err, msg)
	}
}
