package records

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hops-dev/hops/builtin/records/sqlq"
)

func sqlOp(text string) map[string]any { return op("sql", "sql", text) }

func TestSQLSelect(t *testing.T) {
	e := withDogs(t)
	e.table("db", "bulk")
	var recs []string
	for i := 1; i <= 300; i++ {
		recs = append(recs, fmt.Sprintf(`{"id":%d,"n":%d,"grp":%d}`, i, 2*i, i%3))
	}
	e.insert("db", "bulk", "["+strings.Join(recs, ",")+"]")
	cases := []struct{ sql, want string }{
		{"SELECT id, name FROM db.dogs WHERE id = 1", `[{"id":1,"name":"Penny"}]`},
		{"SELECT id, age FROM db.dogs WHERE age >= 4 ORDER BY age", `[{"id":1,"age":5},{"id":"str-id","age":7}]`},
		{"SELECT id, name FROM db.dogs WHERE id IN (1, 2) ORDER BY id", `[{"id":1,"name":"Penny"},{"id":2,"name":"Harper, Jr."}]`},
		{"SELECT id FROM db.dogs WHERE name LIKE 'P%'", `[{"id":1}]`},
		{"SELECT COUNT(*) AS n FROM db.dogs", `[{"n":4}]`},
		{"SELECT name AS who FROM `db`.`dogs` WHERE breed = 'Lab'", `[{"who":"Harper, Jr."}]`},
		{"SELECT grp, COUNT(*) AS c FROM db.bulk GROUP BY grp ORDER BY grp", `[{"grp":0,"c":100},{"grp":1,"c":100},{"grp":2,"c":100}]`},
		{"SELECT MAX(n) AS m FROM db.bulk", `[{"m":600}]`},
		{"SELECT id FROM db.bulk ORDER BY n DESC LIMIT 2 OFFSET 1", `[{"id":299},{"id":298}]`},
		// HarperDB 4.7.29 answers a UNION without FROM, right side first.
		{"SELECT 1 AS x UNION SELECT 2 AS x", `[{"x":2},{"x":1}]`},
	}
	for _, c := range cases {
		t.Run(c.sql, func(t *testing.T) { wantJSON(t, e.super(sqlOp(c.sql)), c.want) })
	}
	// SELECT * shows every attribute: primary key first, the rest sorted.
	r := e.super(sqlOp("SELECT * FROM db.dogs WHERE id = 2"))
	want := `[{"id":2,"__createdtime__":1700000000000,"__updatedtime__":1700000000000,"age":3,"breed":"Lab",` +
		`"good":false,"name":"Harper, Jr.","owner":null,"tags":null,"weight":null}]` + "\n"
	if string(r.Body) != want {
		t.Errorf("got  %s\nwant %s", r.Body, want)
	}
}

func TestSQLWrites(t *testing.T) {
	e := withDogs(t)
	wantJSON(t, e.super(sqlOp("INSERT INTO db.dogs (id, name, age) VALUES (10, 'Ten', 1.50), (1, 'dup', 0)")),
		`{"message":"inserted 1 of 2 records","inserted_hashes":[10],"skipped_hashes":[1]}`)
	wantJSON(t, e.super(sqlOp("UPDATE db.dogs SET breed = 'Husky', good = true WHERE age < 4")),
		`{"message":"updated 2 of 2 records","update_hashes":[2,10],"skipped_hashes":[]}`)
	wantJSON(t, e.super(sqlOp("SELECT id, breed, good, age FROM db.dogs WHERE breed = 'Husky' ORDER BY id")),
		`[{"id":2,"breed":"Husky","good":true,"age":3},{"id":10,"breed":"Husky","good":true,"age":1.50}]`)
	wantJSON(t, e.super(sqlOp("DELETE FROM db.dogs WHERE id IN (10, 2, 404)")),
		`{"message":"2 of 2 records successfully deleted","deleted_hashes":[10,2],"skipped_hashes":[]}`)
	wantJSON(t, e.super(sqlOp("SELECT COUNT(*) AS n FROM db.dogs")), `[{"n":3}]`)
	// A DELETE without WHERE empties the table.
	wantJSON(t, e.super(sqlOp("DELETE FROM db.dogs")),
		`{"message":"3 of 3 records successfully deleted","deleted_hashes":[1,3,"str-id"],"skipped_hashes":[]}`)
}

func TestSQLErrors(t *testing.T) {
	e := withDogs(t)
	r := e.super(sqlOp("SELEC * FROM db.dogs"))
	if r.Status != 400 || !strings.HasPrefix(r.Error(), "Invalid SQL at:") {
		t.Errorf("syntax error: %d %s", r.Status, r.Body)
	}
	wantError(t, e.super(op("sql")), 400, MsgSQLMissing)
	wantError(t, e.super(op("sql", "sql", 5)), 400, "'sql' must be a string")
	wantError(t, e.super(sqlOp("SELECT * FROM db.nope")), 404, "Table 'db.nope' does not exist")
	wantError(t, e.super(sqlOp("SELECT id FROM db.nope WHERE id = 1")), 404, "Table 'db.nope' does not exist")
	wantError(t, e.super(sqlOp("SELECT * FROM nodb.dogs")), 404, "database 'nodb' does not exist")
	wantError(t, e.super(sqlOp("SELECT id FROM db.dogs UNION SELECT id FROM db.dogs")), 400, sqlq.MsgSearchProblem)
	wantError(t, e.super(sqlOp("SELECT id FROM db.dogs WHERE id IN (SELECT id FROM db.dogs)")), 400, sqlq.MsgSubquery)
	wantErrorContains(t, e.super(sqlOp("SELECT * FROM db.dogs a NATURAL JOIN db.dogs b")), 400, "problem performing this search")
	wantError(t, e.super(sqlOp("SELECT d.id FROM db.dogs d JOIN db.nope n ON d.id = n.id")), 404, "Table 'db.nope' does not exist")
	// A table named without its database is in "data", like every operation.
	wantError(t, e.super(sqlOp("SELECT * FROM dogs")), 404, "database 'data' does not exist")
}

// TestSQLWriteUnknownTable: HarperDB 4.7.29 answers an INSERT into an
// unknown table 400 {"error":"Table 'db.nope' does not exist"}, as the
// insert operation; an UPDATE or DELETE of one it answers 500 "table
// db.nope does not exist", and in an unknown database 500 "schema nodb
// does not exist", which hops answers as 400s.
func TestSQLWriteUnknownTable(t *testing.T) {
	e := withDogs(t)
	wantError(t, e.super(op("sql", "sql", "INSERT INTO db.nope (id, a) VALUES (1, 'x')")), 400, "Table 'db.nope' does not exist")
	wantError(t, e.super(op("sql", "sql", "UPDATE db.nope SET a = 1 WHERE id = 1")), 400, "table db.nope does not exist")
	wantError(t, e.super(op("sql", "sql", "DELETE FROM db.nope WHERE id = 1")), 400, "table db.nope does not exist")
	wantError(t, e.super(op("sql", "sql", "UPDATE nodb.nope SET a = 1 WHERE id = 1")), 400, "schema nodb does not exist")
	wantError(t, e.super(op("sql", "sql", "DELETE FROM nodb.nope")), 400, "schema nodb does not exist")
}

// TestSQLUpdateSetExpressions: HarperDB 4.7.29 answers
// UPDATE t SET a = a + 1 WHERE id = 100 with {"message":"updated 1 of 1
// records","update_hashes":[100],"skipped_hashes":[]} and stores a + 1.
func TestSQLUpdateSetExpressions(t *testing.T) {
	e := withDogs(t)
	wantJSON(t, e.super(sqlOp("UPDATE db.dogs SET age = age + 1, name = UPPER(name) WHERE id = 1")),
		`{"message":"updated 1 of 1 records","update_hashes":[1],"skipped_hashes":[]}`)
	wantJSON(t, e.super(sqlOp("SELECT id, age, name FROM db.dogs WHERE id = 1")), `[{"id":1,"age":6,"name":"PENNY"}]`)
}

// TestSQLUnknownColumn: HarperDB 4.7.29 answers a statement reading a
// column its table lacks with 500 {"error":"unknown column nope"} (in the
// select list, a function, WHERE, GROUP BY, an aggregate, ORDER BY, a
// DELETE's WHERE); hops answers 400 with the text. An alias in ORDER BY
// and a column an UPDATE only writes are not read.
func TestSQLUnknownColumn(t *testing.T) {
	e := withDogs(t)
	for _, sql := range []string{
		"SELECT id, nope FROM db.dogs",
		"SELECT id, UPPER(nope) FROM db.dogs",
		"SELECT id FROM db.dogs WHERE nope = 1",
		"SELECT id FROM db.dogs WHERE nope IS NULL",
		"SELECT nope, COUNT(*) FROM db.dogs GROUP BY nope",
		"SELECT COUNT(nope) FROM db.dogs",
		"SELECT id FROM db.dogs ORDER BY nope, id",
		"SELECT * FROM db.dogs WHERE id = 1 AND nope = 3",
		"DELETE FROM db.dogs WHERE nope = 1",
		// A join: no joined table has it (HarperDB: "unknown column a.nope").
		"SELECT a.id, a.nope FROM db.dogs AS a JOIN db.dogs AS b ON a.id = b.id",
	} {
		wantError(t, e.super(sqlOp(sql)), 400, "unknown column nope")
	}
	wantJSON(t, e.super(sqlOp("SELECT id AS x FROM db.dogs WHERE id < 3 ORDER BY x")), `[{"x":1},{"x":2}]`)
	wantJSON(t, e.super(sqlOp("UPDATE db.dogs SET nope = 1 WHERE id = 99")), `{"message":"updated 0 of 0 records","update_hashes":[],"skipped_hashes":[]}`)
}
