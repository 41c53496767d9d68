package sqlq

import "testing"

func TestQuoteQualified(t *testing.T) {
	for in, want := range map[string]string{
		"SELECT * FROM system.hdb_user":                        "SELECT * FROM `system`.`hdb_user`",
		"SELECT t.count FROM db.t WHERE x = 'a.b' AND y = 1.5": "SELECT `t`.`count` FROM `db`.`t` WHERE x = 'a.b' AND y = 1.5",
		"SELECT `a`.b FROM d.t -- c.d\n":                       "SELECT `a`.`b` FROM `d`.`t` -- c.d\n",
		"SELECT 'it''s x.y' FROM /* a.b */ d.t":                "SELECT 'it''s x.y' FROM /* a.b */ `d`.`t`",
	} {
		if got, _ := quoteQualified(in); got != want {
			t.Errorf("quoteQualified(%q) = %q, want %q", in, got, want)
		}
	}
	if _, changed := quoteQualified("SELECT 1"); changed {
		t.Error("a statement without qualified names changed")
	}
}

// A keyword is a database, table or column name where a '.' says so, as
// in HarperDB; a statement that fails either way reports the first error.
func TestKeywordsAsQualifiedNames(t *testing.T) {
	for _, sql := range []string{
		"SELECT username FROM system.hdb_user WHERE username = 'x'",
		"SELECT s.count FROM db.status s",
		"DELETE FROM system.hdb_user WHERE username = 'a'",
	} {
		if _, err := Parse(sql); err != nil {
			t.Errorf("%s: %v", sql, err)
		}
	}
	_, err := Parse("SELECT FROM system.hdb_user")
	if err == nil || err.Error()[:len("Invalid SQL at: position")] != "Invalid SQL at: position" {
		t.Errorf("bad statement: %v", err)
	}
}

// TestRewriteKeepsTableNames: a table named like a function stays a table
// after INTO, FROM, JOIN and UPDATE.
func TestRewriteKeepsTableNames(t *testing.T) {
	for sql, want := range map[string]TableRef{
		"INSERT INTO log (id) VALUES (1)":             {"data", "log"},
		"UPDATE date SET a = 1":                       {"data", "date"},
		"SELECT LOG(a) FROM log":                      {"data", "log"},
		"SELECT [x] FROM [left] WHERE UPPER(x) = 'A'": {"data", "left"},
	} {
		st, err := ParseWith(sql, Options{DefaultDatabase: "data"})
		if err != nil || st.Table != want {
			t.Errorf("%s: %v %v, want %v", sql, st, err, want)
		}
	}
}
