package sqlq

import (
	"encoding/json"
	"testing"
)

// joinSource mirrors 74-sql.json's tables: dogs and owners in db a, vets in
// db b.
func joinSource(t *testing.T) *fakeSource {
	tab := func(pk, text string) *fakeTable {
		return &fakeTable{pk: pk, recs: decodeRecords(t, text, false)}
	}
	return &fakeSource{tables: map[string]*fakeTable{
		"a.dogs": tab("id", `[{"id":1,"name":"Penny","owner_id":1,"age":5},{"id":2,"name":"Rex","owner_id":2,"age":3},
			{"id":3,"name":"Alby","owner_id":1,"age":9},{"id":4,"name":"Stray","owner_id":null,"age":1}]`),
		"a.owners": tab("id", `[{"id":1,"name":"Kyle","vet_id":10},{"id":2,"name":"Zach","vet_id":20},{"id":3,"name":"Lonely","vet_id":null}]`),
		"b.vets":   tab("vid", `[{"vid":10,"name":"Dr. A"},{"vid":20,"name":"Dr. B"},{"vid":30,"name":"Dr. C"}]`),
	}}
}

// TestJoins checks each join kind against HarperDB 4.7's answers
// (74-sql.json steps "INNER JOIN" to "alias.* with a column of the joined
// table").
func TestJoins(t *testing.T) {
	cases := []struct{ sql, want string }{
		{"SELECT d.name AS dog, o.name AS owner FROM a.dogs d INNER JOIN a.owners o ON d.owner_id = o.id ORDER BY d.id",
			`[{"dog":"Penny","owner":"Kyle"},{"dog":"Rex","owner":"Zach"},{"dog":"Alby","owner":"Kyle"}]`},
		{"SELECT d.name AS dog, o.name AS owner FROM a.dogs d LEFT JOIN a.owners o ON d.owner_id = o.id ORDER BY d.id",
			`[{"dog":"Penny","owner":"Kyle"},{"dog":"Rex","owner":"Zach"},{"dog":"Alby","owner":"Kyle"},{"dog":"Stray","owner":null}]`},
		{"SELECT d.name AS dog, o.name AS owner FROM a.dogs d RIGHT JOIN a.owners o ON d.owner_id = o.id ORDER BY o.id, d.id",
			`[{"dog":"Penny","owner":"Kyle"},{"dog":"Alby","owner":"Kyle"},{"dog":"Rex","owner":"Zach"},{"dog":null,"owner":"Lonely"}]`},
		{"SELECT d.name AS dog, o.name AS owner FROM a.dogs d FULL OUTER JOIN a.owners o ON d.owner_id = o.id",
			`[{"dog":"Penny","owner":"Kyle"},{"dog":"Rex","owner":"Zach"},{"dog":"Alby","owner":"Kyle"},{"dog":"Stray","owner":null},{"dog":null,"owner":"Lonely"}]`},
		{"SELECT d.id AS did, o.id AS oid FROM a.dogs d CROSS JOIN a.owners o WHERE d.id < 3 ORDER BY d.id, o.id",
			`[{"did":1,"oid":1},{"did":1,"oid":2},{"did":1,"oid":3},{"did":2,"oid":1},{"did":2,"oid":2},{"did":2,"oid":3}]`},
		{"SELECT COUNT(*) AS n FROM a.dogs, a.owners", `[{"n":12}]`},
		{"SELECT o.name AS owner, v.name AS vet FROM a.owners o INNER JOIN b.vets v ON o.vet_id = v.vid ORDER BY o.id",
			`[{"owner":"Kyle","vet":"Dr. A"},{"owner":"Zach","vet":"Dr. B"}]`},
		{"SELECT d.name AS dog, o.name AS owner, v.name AS vet FROM a.dogs d JOIN a.owners o ON d.owner_id = o.id JOIN b.vets v ON o.vet_id = v.vid ORDER BY d.id",
			`[{"dog":"Penny","owner":"Kyle","vet":"Dr. A"},{"dog":"Rex","owner":"Zach","vet":"Dr. B"},{"dog":"Alby","owner":"Kyle","vet":"Dr. A"}]`},
		{"SELECT a.name AS a, b.name AS b FROM a.dogs a INNER JOIN a.dogs b ON a.owner_id = b.owner_id AND a.id < b.id",
			`[{"a":"Penny","b":"Alby"}]`},
		{"SELECT d.*, o.name AS owner FROM a.dogs d JOIN a.owners o ON d.owner_id = o.id WHERE d.id = 2",
			`[{"age":3,"id":2,"name":"Rex","owner":"Zach","owner_id":2}]`},
		{"SELECT o.name, COUNT(*) AS n FROM a.owners o JOIN a.dogs d ON d.owner_id = o.id GROUP BY o.name ORDER BY o.name",
			`[{"n":2,"name":"Kyle"},{"n":1,"name":"Zach"}]`},
		// USING compares the bare column of the rows before with the new table's.
		{"SELECT v.name FROM a.owners o JOIN b.vets v ON o.vet_id = v.vid JOIN a.owners o2 USING (vet_id) ORDER BY v.name",
			`[{"name":"Dr. A"},{"name":"Dr. B"}]`},
		// A non-equality ON still joins (row by row).
		{"SELECT d.id AS d, o.id AS o FROM a.dogs d JOIN a.owners o ON d.id < o.id ORDER BY d.id, o.id",
			`[{"d":1,"o":2},{"d":1,"o":3},{"d":2,"o":3}]`},
	}
	for _, c := range cases {
		rows := query(t, joinSource(t), c.sql)
		b, _ := json.Marshal(rows)
		if string(b) != c.want {
			t.Errorf("%s\n got %s\nwant %s", c.sql, b, c.want)
		}
	}
}

// TestJoinPlan: an equality between the tables becomes a hash key, so the
// join never compares every pair of rows; the statement names each table
// for permission checks.
func TestJoinPlan(t *testing.T) {
	st, err := Parse("SELECT d.name FROM a.dogs d JOIN a.owners o ON o.id = d.owner_id AND d.age > 1 JOIN b.vets v ON v.vid = o.vet_id")
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range st.sel.join.steps {
		if len(s.left) != 1 || len(s.right) != 1 {
			t.Errorf("step %d: %d hash keys, want 1", i, len(s.left))
		}
	}
	if got := st.Tables(); len(got) != 3 || got[2] != (TableRef{"b", "vets"}) {
		t.Errorf("Tables = %v", got)
	}
	if got := st.ReadAttributes(); len(got) != 6 { // id owner_id age vid vet_id name
		t.Errorf("ReadAttributes = %v", got)
	}
	_, err = Parse("SELECT x.name FROM a.dogs d JOIN a.owners o ON o.id = d.owner_id")
	wantSQLError(t, err, "Unknown column 'x.name': its table is not in FROM")
	_, err = Parse("SELECT 1 FROM a.dogs d JOIN a.owners d ON d.id = 1")
	wantSQLError(t, err, "Not unique table/alias: 'd'")
}
