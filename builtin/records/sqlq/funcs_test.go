package sqlq

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// one runs a SELECT without FROM and returns its row as JSON.
func one(t *testing.T, sql string) string {
	t.Helper()
	rows := query(t, newDogs(t), sql)
	if len(rows) != 1 {
		t.Fatalf("%s: %d rows, want 1", sql, len(rows))
	}
	b, err := json.Marshal(rows[0])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestScalarFunctions checks each function against HarperDB 4.7's answer
// (the conformance case file 74-sql.json and HarperDB's SQL reference).
func TestScalarFunctions(t *testing.T) {
	cases := []struct{ sql, want string }{
		// 74-sql.json "SELECT without FROM" and "SELECT of literals without FROM".
		{"SELECT 1 + 1 AS two", `{"two":2}`},
		{"SELECT 'a' AS x, 2 * 3 AS y, 7 / 2 AS z", `{"x":"a","y":6,"z":3.5}`},
		{"SELECT 7 % 3 AS m, 5 - 8 AS d, 'a' + 1 AS s, '6' * 2 AS n, 1 / 0 AS inf, NULL + 1 AS nul", `{"d":-3,"inf":null,"m":1,"n":12,"nul":null,"s":"a1"}`},
		// 74-sql.json "DATE_ADD on a literal, key and shorthand", "DATE_SUB", "DATE_DIFF in hours".
		{"SELECT DATE_ADD(1587568845765, 1, 'days') AS a, DATE_ADD(1587568845765, 1, 'd') AS b", `{"a":1587655245765,"b":1587655245765}`},
		{"SELECT DATE_SUB(1587568845765, 2, 'years') AS r", `{"r":1524410445765}`},
		{"SELECT DATE_DIFF(1587655245765, 1587568845765, 'hours') AS r, DATE_DIFF(1587655245765, 1587568845765) AS ms", `{"ms":86400000,"r":24}`},
		// HarperDB 4.7.29 (moment's diff(b, unit, true)) answers the exact
		// fraction: DATE_DIFF('2024-03-05T10:20:30.000Z', '2024-01-01',
		// 'days') is 64.43090277777777.
		{"SELECT DATE_DIFF('2024-03-05T10:20:30.000Z', '2024-01-01', 'days') AS d", `{"d":64.43090277777777}`},
		// 74-sql.json "DATE_FORMAT", "EXTRACT and DATE", "OFFSET_UTC in minutes".
		{"SELECT DATE_FORMAT(1524412627973, 'YYYY-MM-DD HH:mm:ss') AS r", `{"r":"2018-04-22 15:57:07"}`},
		{"SELECT EXTRACT(1587568845765, 'year') AS y, DATE(1587568845765) AS d", `{"d":"2020-04-22T15:20:45.765+0000","y":"2020"}`},
		{"SELECT OFFSET_UTC(1587568845765, 240) AS r, OFFSET_UTC(1587568845765, 4) AS h", `{"h":"2020-04-22T19:20:45.765+0400","r":"2020-04-22T19:20:45.765+0400"}`},
		// HarperDB 4.7.29 answers [{"m":"03","s":"02","ms":"041","d2":"26"}]:
		// zero-padded as moment formats MM, ss, SSS; "days" is no part.
		{"SELECT EXTRACT('2020-03-26T15:13:02.041Z', 'month') AS m, EXTRACT('2020-03-26T15:13:02.041Z', 'second') AS s, EXTRACT('2020-03-26T15:13:02.041Z', 'millisecond') AS ms, " +
			"EXTRACT('2020-03-26T15:13:02.041Z', 'days') AS d, EXTRACT('2020-03-26T15:13:02.041Z', 'Day') AS d2", `{"d":null,"d2":"26","m":"03","ms":"041","s":"02"}`},
		{"SELECT DATE('nope') AS d, DATE_ADD('2020-01-31', 1, 'M') AS m", `{"d":"Invalid date","m":1582934400000}`},
		// 74-sql.json "math functions".
		{"SELECT ROUND(2.567, 2) AS r, FLOOR(-2.5) AS f, CEILING(2.1) AS c, ABS(-7.25) AS a, POWER(2, 10) AS p, SQRT(16) AS s", `{"a":7.25,"c":3,"f":-3,"p":1024,"r":2.57,"s":4}`},
		{"SELECT ROUND(-2.5) AS r, TRUNC(-2.56, 1) AS t, LOG10(1000) AS l, EXP(0) AS e, LOG(1) AS n, SQRT(-1) AS bad", `{"bad":null,"e":1,"l":3,"n":0,"r":-2,"t":-2.5}`},
		// 74-sql.json "string functions".
		{"SELECT UPPER('abc') AS u, LOWER('XyZ') AS l, CONCAT('a', 'b', 'c') AS c, LEN('hello') AS n, SUBSTRING('abcdef', 2, 3) AS s, TRIM('  ab c  ') AS t, REPLACE('a-b-c', '-', '+') AS r", `{"c":"abc","l":"xyz","n":5,"r":"a+b+c","s":"bcd","t":"ab c","u":"ABC"}`},
		{"SELECT CONCAT_WS('-', 'a', NULL, 2) AS w, INSTR('hello', 'll') AS i, INSTR('hello', 'z') AS z, LENGTH('héllo') AS n, LEFT('abc', 2) AS l, RIGHT('abc', 2) AS r", `{"i":3,"l":"ab","n":5,"r":"bc","w":"a-2","z":0}`},
		{"SELECT REGEXP_LIKE('Hello', '^h') AS a, REGEXP_LIKE('Hello', '^h', 'i') AS b, 'abc' REGEXP 'b' AS c, 'abc' RLIKE '^b' AS d", `{"a":false,"b":true,"c":true,"d":false}`},
		// Conditional functions and CASE.
		{"SELECT COALESCE(NULL, NULL, 3) AS c, IFNULL(NULL, 'x') AS i, NULLIF(1, 1) AS n, NULLIF(1, 2) AS m", `{"c":3,"i":"x","m":1,"n":null}`},
		{"SELECT CASE WHEN 1 > 2 THEN 'a' WHEN 2 > 1 THEN 'b' END AS s, CASE 3 WHEN 1 THEN 'one' ELSE 'other' END AS b, CASE WHEN 1 > 2 THEN 'x' END AS n", `{"b":"other","n":null,"s":"b"}`},
	}
	for _, c := range cases {
		if got := one(t, c.sql); got != c.want {
			t.Errorf("%s\n got %s\nwant %s", c.sql, got, c.want)
		}
	}
}

// TestNowFunctions checks the shapes of the functions that read the clock.
func TestNowFunctions(t *testing.T) {
	rows := query(t, newDogs(t), "SELECT NOW() AS n, GETDATE() AS g, CURRENT_TIMESTAMP AS c, CURRENT_DATE AS d, CURRENT_TIME() AS t, GET_SERVER_TIME() AS s, DATE() AS dt, RANDOM() AS r")
	r := rows[0]
	for _, k := range []string{"n", "g", "c"} {
		if f, ok := r[k].(float64); !ok || f < 1.7e12 {
			t.Errorf("%s = %v, want milliseconds", k, r[k])
		}
	}
	shapes := map[string]string{
		"d":  `^\d{4}-\d\d-\d\d$`,
		"t":  `^\d\d:\d\d:\d\d\.\d{3}$`,
		"s":  `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}$`,
		"dt": `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$`,
	}
	for k, re := range shapes {
		if s, _ := r[k].(string); !regexp.MustCompile(re).MatchString(s) {
			t.Errorf("%s = %v, want %s", k, r[k], re)
		}
	}
	if f, ok := r["r"].(float64); !ok || f < 0 || f >= 1 {
		t.Errorf("RANDOM() = %v", r["r"])
	}
}

// TestExpressionsOverRecords: functions, arithmetic, * beside columns and
// DISTINCT over a table (74-sql.json "functions on columns", "COALESCE and
// IFNULL", "CASE WHEN", "* with another column").
func TestExpressionsOverRecords(t *testing.T) {
	src := newDogs(t)
	rows := query(t, src, "SELECT id, UPPER(name) AS up, LEN(name) AS n, age * 2 AS dbl, COALESCE(breed, 'none') AS b, CASE WHEN age > 4 THEN 'old' END AS grp FROM db.dogs WHERE id IN ('1', '2') ORDER BY id")
	b, _ := json.Marshal(rows)
	want := `[{"b":"Mutt","dbl":10,"grp":"old","id":1,"n":5,"up":"PENNY"},{"b":"Lab","dbl":8,"grp":null,"id":2,"n":11,"up":"HARPER, JR."}]`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	rows = query(t, src, "SELECT *, age + 1 AS next FROM db.dogs WHERE id = 1")
	if len(rows) != 1 || rows[0]["name"] != "Penny" || rows[0]["next"] != 6.0 {
		t.Errorf("SELECT *, age + 1: %v", rows)
	}
	if got := column(query(t, src, "SELECT DISTINCT LOWER(breed) AS b FROM db.dogs ORDER BY b"), "b"); got != `null "lab" "mutt"` {
		t.Errorf("DISTINCT: %s", got)
	}
	if got := column(query(t, src, "SELECT DISTINCT breed FROM db.dogs LIMIT 2"), "breed"); got != `"Mutt" "Lab"` {
		t.Errorf("DISTINCT streaming: %s", got)
	}
	if got := column(query(t, src, "SELECT id FROM db.dogs WHERE name REGEXP '^P' AND NOT name RLIKE 'x'"), "id"); got != "1" {
		t.Errorf("REGEXP: %s", got)
	}
	if got := column(query(t, src, "SELECT id FROM db.dogs WHERE good = 'false'"), "id"); got != "2" {
		t.Errorf("quoted boolean: %s", got)
	}
}

// TestIdentifiers: [bracketed] names and keywords as column names (74-sql.json
// "bracketed identifiers", "a column named now").
func TestIdentifiers(t *testing.T) {
	src := newDogs(t)
	if got := column(query(t, src, "SELECT [id], [name] FROM [db].[dogs] WHERE [id] = 1"), "name"); got != `"Penny"` {
		t.Errorf("brackets: %s", got)
	}
	st, err := Parse("SELECT id, now, count FROM db.misc WHERE now = 'n2'")
	if err != nil {
		t.Fatal(err)
	}
	if got := st.ReadAttributes(); len(got) != 3 || got[1] != "now" || got[2] != "count" {
		t.Errorf("ReadAttributes = %v", got)
	}
	// A function's arguments are attributes read.
	st, err = Parse("SELECT UPPER(name), CASE WHEN a > 1 THEN b ELSE c END FROM db.t WHERE COALESCE(d, e) = 1 ORDER BY f + g")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := st.ReadAttributes(), []string{"name", "a", "b", "c", "d", "e", "f", "g"}; len(got) != len(want) {
		t.Errorf("ReadAttributes = %v, want %v", got, want)
	}
	if got := st.SelectedColumns(); got[0] != "UPPER(name)" {
		t.Errorf("output name %q", got[0])
	}
	_, err = Parse("SELECT UPPER(a, b) FROM db.t")
	wantSQLError(t, err, "Wrong number of arguments to UPPER(): 2")
}

// TestCastAndSubstringAsHarperDB: HarperDB 4.7.29 (alasql) answers
// SELECT CAST('5' AS INT) AS v with 5, CAST(5 AS STRING) with "5",
// SUBSTRING('hello', 0, 2) with "o" and SUBSTRING('hello', -3, 2) with
// "el" (JavaScript's substr(start - 1, n)), and names an unaliased CAST
// "undefined".
func TestCastAndSubstringAsHarperDB(t *testing.T) {
	cases := []struct{ sql, want string }{
		{"SELECT CAST('5' AS INT) AS a, CAST(5 AS STRING) AS b, CAST('7.9' AS INTEGER) AS c, CAST('x' AS INT) AS d", `{"a":5,"b":"5","c":7,"d":0}`},
		{"SELECT CAST('2.50' AS NUMBER) AS a, CAST(3.14159 AS DECIMAL(10, 2)) AS b, CAST('abc' AS VARCHAR(2)) AS c, cast(1 as boolean) AS d", `{"a":2.5,"b":3.14,"c":"ab","d":true}`},
		{"SELECT CAST(NULL AS INT) AS a, CAST('[1,2]' AS JSON) AS b, CAST('a' AS CHAR(3)) AS c", `{"a":0,"b":[1,2],"c":"a  "}`},
		{"SELECT CAST(NULL AS BOOLEAN) AS c, CAST(NULL AS INT) AS d", `{"c":false,"d":0}`},
		{"SELECT SUBSTRING('hello', 0, 2) AS a, SUBSTRING('hello', -3, 2) AS b, SUBSTRING('hello', 2) AS c, SUBSTRING('hello', 9) AS d", `{"a":"o","b":"el","c":"ello","d":""}`},
	}
	for _, c := range cases {
		if got := one(t, c.sql); got != c.want {
			t.Errorf("%s\n got %s\nwant %s", c.sql, got, c.want)
		}
	}
	st, err := Parse("SELECT id, CAST(age AS STRING) FROM db.dogs")
	if err != nil {
		t.Fatal(err)
	}
	if cols, _ := st.Columns(newDogs(t)); strings.Join(cols, " ") != "id undefined" {
		t.Errorf("columns = %v, want id undefined", cols)
	}
}
