package sqlq

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestSyntaxErrorMessage(t *testing.T) {
	_, err := Parse("SELEC * FROM db.dogs")
	wantSQLError(t, err, "Invalid SQL at: position 6 near 'SELEC'. Please ensure your SQL is valid. "+
		"Try adding backticks to reserved words and schema table references.")

	for _, sql := range []string{
		"SELECT * FROM db.dogs WHERE",
		"SELECT order FROM db.dogs", // a reserved word needs backticks
		"SELECT * FROM db.dogs WHERE name = 'open",
		"SELECT * FROM db.dogs; SELECT * FROM db.dogs", // one statement only
		"",
		"  -- just a comment",
	} {
		_, err := Parse(sql)
		var e *Error
		if !asError(err, &e) || e.Status != 400 || !strings.HasPrefix(e.Msg, "Invalid SQL at: ") ||
			!strings.HasSuffix(e.Msg, ". Please ensure your SQL is valid. Try adding backticks to reserved words and schema table references.") {
			t.Errorf("%q: error = %v, want 400 Invalid SQL at: ...", sql, err)
		}
	}
	_, err = Parse("   ")
	wantSQLError(t, err, fmt.Sprintf(MsgInvalidSQL, MsgEmptySQL))
	// The parser panics on this text (found by FuzzParseRun).
	_, err = Parse("SELECT''")
	wantSQLError(t, err, fmt.Sprintf(MsgInvalidSQL, MsgParserPanic))
}

func asError(err error, target **Error) bool {
	e, ok := err.(*Error)
	*target = e
	return ok
}

func TestUnsupportedFeatures(t *testing.T) {
	cases := map[string]string{
		"WITH c AS (SELECT 1) SELECT * FROM db.c":    "WITH (common table expressions)",
		"SELECT * FROM db.a FOR UPDATE":              "locking reads (FOR UPDATE, LOCK IN SHARE MODE)",
		"SELECT * FROM db.a WHERE x = ?":             "placeholders",
		"SELECT COUNT(*) FROM db.a ORDER BY 1, name": "",
		"SELECT NOSUCH(name) FROM db.a":              "function NOSUCH()",
		"SELECT age << 1 FROM db.a":                  "operator <<",
		"SELECT * FROM db.a GROUP BY name":           "SELECT * with GROUP BY or aggregate functions",
		"SHOW TABLES":                                "SHOW statements (only SELECT, INSERT, UPDATE and DELETE are)",
		"INSERT INTO db.a VALUES (1)":                "INSERT without a column list",
		"INSERT INTO db.a (x) SELECT y FROM db.b":    "INSERT ... SELECT",
		"REPLACE INTO db.a (x) VALUES (1)":           "REPLACE",
		"DELETE FROM db.a ORDER BY x LIMIT 1":        "ORDER BY or LIMIT in DELETE",
	}
	for sql, what := range cases {
		_, err := Parse(sql)
		if what == "" {
			if err != nil {
				t.Errorf("%q: unexpected error %v", sql, err)
			}
			continue
		}
		wantSQLError(t, err, "SQL feature not supported: "+what)
	}
}

func TestDatabaseRequired(t *testing.T) {
	_, err := Parse("SELECT * FROM dogs")
	wantSQLError(t, err, fmt.Sprintf(MsgNoDatabase, "dogs"))
	_, err = Parse("DELETE FROM dogs WHERE id = 1")
	wantSQLError(t, err, fmt.Sprintf(MsgNoDatabase, "dogs"))

	st, err := ParseWith("SELECT * FROM dogs", Options{DefaultDatabase: "data"})
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Tables(); !reflect.DeepEqual(got, []TableRef{{DB: "data", Table: "dogs"}}) {
		t.Fatalf("Tables = %v", got)
	}
	st, err = ParseWith("SELECT * FROM other.dogs", Options{DefaultDatabase: "data"})
	if err != nil || st.Table.String() != "other.dogs" {
		t.Fatalf("explicit database: %v %v", st, err)
	}
}

func TestKindsAndTables(t *testing.T) {
	cases := map[string]struct {
		kind  Kind
		table string
	}{
		"SELECT * FROM `my db`.`dogs`":             {Select, "my db.dogs"},
		"INSERT INTO db.cats (id) VALUES (1)":      {Insert, "db.cats"},
		"UPDATE db.cats SET name = 'x' WHERE id=1": {Update, "db.cats"},
		"DELETE FROM db.birds WHERE id = 1":        {Delete, "db.birds"},
	}
	for sql, want := range cases {
		st, err := Parse(sql)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		tabs := st.Tables()
		if st.Kind != want.kind || len(tabs) != 1 || tabs[0].String() != want.table {
			t.Errorf("%s: kind %v tables %v, want %v %s", sql, st.Kind, tabs, want.kind, want.table)
		}
	}
	if Select.String() != "SELECT" || Delete.String() != "DELETE" {
		t.Fatal("Kind.String")
	}
}

func TestCaseInsensitiveKeywords(t *testing.T) {
	src := newDogs(t)
	rows := query(t, src, "sElEcT id, name aS n FrOm db.dogs wHeRe age Between 2 AnD 6 oRdEr By id DeSc LiMiT 5")
	if got := column(rows, "id"); got != "2 1" {
		t.Fatalf("ids = %s", got)
	}
	if got := column(rows, "n"); got != `"Harper, Jr." "Penny"` {
		t.Fatalf("names = %s", got)
	}
	// Function names too.
	rows = query(t, src, "select cOuNt(*) as c from db.dogs")
	if got := column(rows, "c"); got != "6" {
		t.Fatalf("count = %s", got)
	}
}

func TestBacktickedReservedWords(t *testing.T) {
	src := &fakeSource{tables: map[string]*fakeTable{
		"select.order": {pk: "from", recs: []map[string]any{
			{"from": 1.0, "select": "a", "where": nil},
			{"from": 2.0, "select": "b", "where": "w"},
		}},
	}}
	rows := query(t, src, "SELECT `from`, `select` AS `table` FROM `select`.`order` WHERE `where` IS NULL ORDER BY `select`")
	if len(rows) != 1 || column(rows, "from") != "1" || column(rows, "table") != `"a"` {
		t.Fatalf("rows = %v", rows)
	}
	st, _ := Parse("SELECT * FROM `select`.`order`")
	if st.Table != (TableRef{DB: "select", Table: "order"}) {
		t.Fatalf("table = %v", st.Table)
	}
}

func TestColumnOrder(t *testing.T) {
	src := newDogs(t)
	st, err := Parse("SELECT age, name AS n, d.id, COUNT(*), age FROM db.dogs d GROUP BY age, name, id")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"age", "n", "id", "COUNT(*)"}
	if got := st.SelectedColumns(); !reflect.DeepEqual(got, want) {
		t.Fatalf("SelectedColumns = %q", got)
	}
	if got, err := st.Columns(src); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Columns = %q, %v", got, err)
	}

	src.tables["db.dogs"].attrs = []string{"beta", "_x", "id", "__updatedtime__", "Alpha", "__createdtime__"}
	st, _ = Parse("SELECT * FROM db.dogs")
	if st.SelectedColumns() != nil {
		t.Fatal("SelectedColumns of * should be nil")
	}
	got, err := st.Columns(src)
	want = []string{"id", "Alpha", "__createdtime__", "__updatedtime__", "_x", "beta"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Columns(*) = %q, %v; want %q", got, err, want)
	}

	st, _ = Parse("SELECT * FROM db.nope")
	if _, err := st.Columns(src); !isNotFound(err) {
		t.Fatalf("Columns of unknown table: %v", err)
	}
	st, _ = Parse("DELETE FROM db.dogs")
	if _, err := st.Columns(src); err == nil {
		t.Fatal("Columns of DELETE should fail")
	}
}

func isNotFound(err error) bool {
	nf, ok := err.(*notFound)
	return ok && nf.HTTPStatus() == 404
}

func TestBadClauses(t *testing.T) {
	cases := map[string]string{
		"SELECT * FROM db.dogs LIMIT 99999999999999999999":       fmt.Sprintf(MsgBadLimit, "99999999999999999999"),
		"SELECT id FROM db.dogs ORDER BY 3":                      fmt.Sprintf(MsgBadPosition, "3"),
		"SELECT * FROM db.dogs ORDER BY 1":                       fmt.Sprintf(MsgNotSupported, "column positions with SELECT *"),
		"SELECT id FROM db.dogs WHERE COUNT(*) > 1":              fmt.Sprintf(MsgAggregateInWhere, "COUNT(*)"),
		"SELECT COUNT(*) FROM db.dogs GROUP BY COUNT(*)":         fmt.Sprintf(MsgAggregateInWhere, "COUNT(*)"),
		"SELECT COUNT(*) FROM db.dogs GROUP BY 1":                fmt.Sprintf(MsgAggregateInWhere, "1"),
		"SELECT SUM(MAX(age)) FROM db.dogs":                      fmt.Sprintf(MsgAggregateInWhere, "MAX(age)"),
		"SELECT cats.id FROM db.dogs":                            fmt.Sprintf(MsgUnknownQualifier, "cats.id"),
		"SELECT id FROM db.dogs d WHERE other.d.id = 1":          fmt.Sprintf(MsgUnknownQualifier, "other.d.id"),
		"SELECT id FROM db.dogs WHERE name LIKE 'a' ESCAPE 'ab'": MsgBadLike,
		"INSERT INTO db.dogs (id, name) VALUES (1, 'a'), (2)":    fmt.Sprintf(MsgInsertCount, 2),
	}
	for sql, msg := range cases {
		_, err := Parse(sql)
		wantSQLError(t, err, msg)
	}
	// Qualified names that do match are fine.
	for _, sql := range []string{
		"SELECT dogs.id FROM db.dogs", "SELECT d.id FROM db.dogs AS d", "SELECT db.dogs.id FROM db.dogs",
		"SELECT dogs.* FROM db.dogs",
	} {
		if _, err := Parse(sql); err != nil {
			t.Errorf("%s: %v", sql, err)
		}
	}
}
