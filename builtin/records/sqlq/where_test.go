package sqlq

import "testing"

// TestWhere runs each condition over the dogs table and checks which ids
// pass. The table mixes json.Number and float64 records, a record with
// age null, one without age, and a string key.
func TestWhere(t *testing.T) {
	cases := []struct{ where, ids string }{
		{"id = 1", "1"},
		{"age = 5", "1"},
		{"age = 5.0", "1"},
		{"age != 5", `2 3 "str-id"`},
		{"age <> 5", `2 3 "str-id"`},
		{"age < 4", "3"},
		{"age <= 4", "2 3"},
		{"age > 4", `1 "str-id"`},
		{"age >= 4", `1 2 "str-id"`},
		{"-age < -4", `1 "str-id"`},
		{"weight = 12.5", "3"},
		{"good = true", "1"},
		{"good = FALSE", "2"},
		{"name = 'Penny'", "1"},
		{"name = 'penny'", ""}, // = is exact; LIKE ignores case
		{"name < 'B'", "3"},
		{"age >= 4 AND name != 'Str'", "1 2"},
		{"age = 1 OR name = 'Str'", `3 "str-id"`},
		{"(age = 1 OR age = 4) AND NOT name = 'Alby'", "2"},
		{"age = 1 XOR age < 5", "2"},
		{"age IN (1, 4, 99)", "2 3"},
		{"age NOT IN (1, 4)", `1 "str-id"`},
		{"id IN ('str-id', 3)", `"str-id" 3`}, // read by key, in the order listed
		{"age BETWEEN 2 AND 5", "1 2"},
		{"age NOT BETWEEN 2 AND 5", `3 "str-id"`},
		{"name LIKE 'p%'", "1 5"},
		{"name LIKE '%r%' AND name NOT LIKE '%,%'", `"str-id" 5`},
		{"name LIKE '_lby'", "3"},
		{"breed IS NULL", `3 "str-id" 6`},
		{"breed IS NOT NULL", "1 2 5"},
		{"age IS NULL", "5 6"}, // null and missing alike
		{"good IS TRUE", "1"},
		{"good IS NOT TRUE", `2 3 "str-id" 5 6`},
		{"good IS FALSE", "2"},
		{"good", "1"},
		{"NOT good", "2"},
		{"age <=> NULL", "5 6"},
		{"age <=> 4", "2"},
		{"1 = 1", `1 2 3 "str-id" 5 6`},
		{"TRUE", `1 2 3 "str-id" 5 6`},
	}
	for _, c := range cases {
		rows := query(t, newDogs(t), "SELECT id FROM db.dogs WHERE "+c.where)
		if got := column(rows, "id"); got != c.ids {
			t.Errorf("WHERE %s: ids = [%s], want [%s]", c.where, got, c.ids)
		}
	}
}

// TestNullSemantics: a missing attribute is NULL, and any comparison with
// NULL is unknown, so neither it nor its negation selects the row.
func TestNullSemantics(t *testing.T) {
	cases := []struct{ where, ids string }{
		{"age = NULL", ""},
		{"age != NULL", ""},
		{"NOT (age = NULL)", ""},
		{"age != 5", `2 3 "str-id"`},                   // 5 and 6 have no age: unknown
		{"NOT (age = 5)", `2 3 "str-id"`},              // NOT unknown is unknown
		{"NOT (age > 4 AND breed = 'Lab')", `1 2 3 5`}, // false AND unknown is false: 5 passes, 6 and str-id stay unknown
		{"age > 4 OR breed = 'mutt'", `1 "str-id" 5`},
		{"age IN (4, NULL)", "2"},
		{"age NOT IN (4, NULL)", ""}, // NOT IN with a NULL is never true
		{"missing IS NULL", `1 2 3 "str-id" 5 6`},
		{"missing LIKE '%'", ""},
		{"missing BETWEEN 1 AND 9", ""},
		{"age BETWEEN NULL AND 9", ""},
	}
	for _, c := range cases {
		rows := query(t, newDogs(t), "SELECT id FROM db.dogs WHERE "+c.where)
		if got := column(rows, "id"); got != c.ids {
			t.Errorf("WHERE %s: ids = [%s], want [%s]", c.where, got, c.ids)
		}
	}
}

// TestNumberVersusString: a string holding a number compares as that
// number in IN and the ranges (HarperDB: id IN ('1','2') finds 1 and 2,
// age >= '25' AND age <= '30' finds 25 and 30), but = never makes a
// number equal a string (HarperDB 4.7.29: id = '2' and score = '9' find
// nothing over numbers 2 and 9); any other string never equals a number,
// and there is no order between them, whatever the number's Go type.
func TestNumberVersusString(t *testing.T) {
	cases := []struct{ where, ids string }{
		{"id = '1'", ""},
		{"id IN ('1', '2')", "1 2"},
		{"id != '1'", `1 2 3 "str-id" 5 6`},
		{"age = '5'", ""},
		{"age >= '4' AND age <= '5'", "1 2"},
		{"age > '0'", "1 2 3 \"str-id\""},
		{"age = 'x5'", ""},
		{"age < 'z'", ""},
		{"name > 0", ""},
		{"id < 100", "1 2 3 5 6"}, // the string key is not below a number
		{"id > 'a'", `"str-id"`},
	}
	for _, c := range cases {
		rows := query(t, newDogs(t), "SELECT id FROM db.dogs WHERE "+c.where)
		if got := column(rows, "id"); got != c.ids {
			t.Errorf("WHERE %s: ids = [%s], want [%s]", c.where, got, c.ids)
		}
	}
}

func TestProjection(t *testing.T) {
	src := newDogs(t)
	rows := query(t, src, "SELECT name AS n, dogs.age, weight, 'x' AS k, 2.5 AS f FROM db.dogs WHERE id = 3")
	if len(rows) != 1 || len(rows[0]) != 5 {
		t.Fatalf("rows = %v", rows)
	}
	r := rows[0]
	if r["n"] != "Alby" || jsonText(r["age"]) != "1" || jsonText(r["weight"]) != "12.5" || r["k"] != "x" || r["f"] != 2.5 {
		t.Fatalf("row = %v", r)
	}
	// A listed attribute the record lacks is present as nil.
	rows = query(t, src, "SELECT id, breed FROM db.dogs WHERE id = 6")
	if v, ok := rows[0]["breed"]; !ok || v != nil {
		t.Fatalf("missing attribute: %v", rows[0])
	}
	// SELECT * is the record with every attribute it has, values as stored.
	rows = query(t, src, "SELECT * FROM db.dogs WHERE id = 1")
	if len(rows) != 1 || len(rows[0]) != 7 || jsonText(rows[0]["owner"]) != `{"first":"Kyle","last":"B"}` ||
		jsonText(rows[0]["tags"]) != `["a","b"]` {
		t.Fatalf("SELECT * = %v", rows)
	}
}
