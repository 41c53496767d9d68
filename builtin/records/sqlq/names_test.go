package sqlq

import (
	"strings"
	"testing"
)

// TestColumnNamesAsHarperDB checks the names of unaliased select-list
// expressions in a SELECT with a FROM against HarperDB 4.7.29's answers,
// for example
//
//	SELECT id, CONCAT(name, '-', city), upper(name), age + 1 FROM db.p
//
// answers [{"id":1,"CONCAT(name,\"-\",city)":"Alice-Oslo",
// "UPPER(name)":"ALICE","undefined":31}, ...].
func TestColumnNamesAsHarperDB(t *testing.T) {
	cases := []struct{ sql, want string }{
		{"SELECT id, CONCAT(name, '-', breed) FROM db.dogs", `id CONCAT(name,"-",breed)`},
		{"SELECT id, upper(name), concat(name, 'x') FROM db.dogs", `id UPPER(name) CONCAT(name,"x")`},
		{"SELECT id, SUBSTRING(name, 1, 2), COALESCE(age, -1) FROM db.dogs", `id SUBSTRING(name,1,2) COALESCE(age,-1)`},
		{"SELECT id, ROUND(age / 7, 2.50), ABS(age - 40) FROM db.dogs", `id ROUND(age / 7,2.5) ABS(age - 40)`},
		{"SELECT id, date_format(age, 'YYYY'), EXTRACT(age, 'month'), DATE_ADD(age, 1, 'day') FROM db.dogs",
			`id date_format(age,"YYYY") EXTRACT(age,"month") DATE_ADD(age,1,"day")`},
		{"SELECT id, d.name, UPPER(d.name) FROM db.dogs AS d", `id name UPPER(d.name)`},
		{"SELECT id, IFNULL(age, NULL), COALESCE(age, TRUE), UPPER(LOWER(name)) FROM db.dogs", `id IFNULL(age,NULL) COALESCE(age,TRUE) UPPER(LOWER(name))`},
		{"SELECT id, UPPER(name || 'x') FROM db.dogs", `id UPPER(name || "x")`},
		// Anything else is "undefined", one key for all of them.
		{"SELECT id, age + 1, age * 2, 5, 'x', (age), -age FROM db.dogs", `id undefined`},
		{"SELECT id, CASE WHEN age > 1 THEN 'a' END, name LIKE 'A%', name || breed FROM db.dogs", `id undefined`},
		// Aggregates: the upper-case name and the column, DISTINCT unnamed.
		{"SELECT COUNT(*), count(name), COUNT(DISTINCT breed), sum(age), avg(age), Max(age), min(age) FROM db.dogs",
			`COUNT(*) COUNT(name) COUNT(breed) SUM(age) AVG(age) MAX(age) MIN(age)`},
		{"SELECT SUM(age + 1), GROUP_CONCAT(name), ARRAY(name) FROM db.dogs", `SUM(undefined) REDUCE(name) ARRAY(name)`},
		{"SELECT d.breed, COUNT(d.id) FROM db.dogs AS d GROUP BY d.breed", `breed COUNT(d.id)`},
		// Aliases win; without a FROM the text as written stays.
		{"SELECT id, name AS n, UPPER(name) AS u FROM db.dogs", `id n u`},
		// Without a FROM alasql's own names, quotes kept (HarperDB 4.7.29:
		// {"5":5,"UPPER('a')":"A","1 + 1":2,"CONCAT('a','b')":"ab",
		// "LOWER('X')":"x","'x'":"x","COALESCE(NULL,2)":2,"2 * 3":6,
		// "ROUND(1.55,1)":1.6}).
		{"SELECT UPPER('a'), 1 + 1, CONCAT('a', 'b'), lower('X'), 5, 'x', COALESCE(NULL, 2), 2*3, ROUND(1.55, 1)",
			`UPPER('a') 1 + 1 CONCAT('a','b') LOWER('X') 5 'x' COALESCE(NULL,2) 2 * 3 ROUND(1.55,1)`},
	}
	for _, c := range cases {
		st, err := Parse(c.sql)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		cols, err := st.Columns(newDogs(t))
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		if got := strings.Join(cols, " "); got != c.want {
			t.Errorf("%s\n got %s\nwant %s", c.sql, got, c.want)
		}
	}
	// The last of several "undefined" columns gives the value.
	rows := query(t, newDogs(t), "SELECT id, age + 1, age * 10 FROM db.dogs WHERE id = 1")
	if len(rows) != 1 || rows[0]["undefined"] != float64(50) {
		t.Errorf("undefined = %v, want 50 (age * 10)", rows)
	}
	// || joins text, as alasql does (HarperDB: "AliceOslo"; a NULL side is
	// left out: "eve abc def").
	rows = query(t, newDogs(t), "SELECT name || breed AS nb, name || age AS na FROM db.dogs WHERE id = 5")
	if len(rows) != 1 || rows[0]["nb"] != "peppermutt" || rows[0]["na"] != "pepper" {
		t.Errorf("|| = %v, want peppermutt and pepper", rows)
	}
}
