package sqlq

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// TestJoinPlanModes: a step whose equality names the new table's primary
// key reads it by key (INNER, LEFT, USING); an equality on another
// attribute hashes; no equality loops; RIGHT and FULL joins never look up.
func TestJoinPlanModes(t *testing.T) {
	cases := []struct{ sql, want string }{
		{"SELECT d.name FROM a.dogs d JOIN a.owners o ON d.owner_id = o.id", "lookup"},
		{"SELECT d.name FROM a.dogs d JOIN a.owners o ON o.id = d.owner_id AND o.name <> 'x'", "lookup"},
		{"SELECT d.name FROM a.dogs d LEFT JOIN a.owners o ON d.owner_id = o.id", "lookup"},
		{"SELECT d.name FROM a.dogs d JOIN a.owners o USING (id)", "lookup"},
		{"SELECT d.name FROM a.dogs d JOIN a.owners o ON d.owner_id + 0 = o.id", "lookup"},
		{"SELECT o.name FROM a.owners o JOIN a.dogs d ON d.owner_id = o.id", "hash"},
		{"SELECT d.name FROM a.dogs d JOIN a.owners o ON d.name = o.name", "hash"},
		{"SELECT d.name FROM a.dogs d RIGHT JOIN a.owners o ON d.owner_id = o.id", "hash"},
		{"SELECT d.name FROM a.dogs d FULL OUTER JOIN a.owners o ON d.owner_id = o.id", "hash"},
		{"SELECT d.name FROM a.dogs d JOIN a.owners o ON d.id < o.id", "loop"},
		{"SELECT d.name FROM a.dogs d CROSS JOIN a.owners o", "loop"},
		{"SELECT d.name FROM a.dogs d JOIN a.owners o ON d.owner_id = o.id JOIN b.vets v ON o.vet_id = v.vid", "lookup lookup"},
		{"SELECT d.name FROM a.dogs d JOIN a.owners o ON d.owner_id = o.id JOIN b.vets v ON o.name = v.name", "lookup hash"},
	}
	for _, c := range cases {
		st, err := Parse(c.sql)
		if err != nil {
			t.Fatal(err)
		}
		modes, err := st.Plan(joinSource(t))
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(modes, " "); got != c.want {
			t.Errorf("%s: plan %q, want %q", c.sql, got, c.want)
		}
	}
}

// TestLookupJoinReadsByKey: a lookup step never scans its table; it reads
// the keys of each batch of joinBatch rows with one Get.
func TestLookupJoinReadsByKey(t *testing.T) {
	src := bigJoinSource(t, 2500, 2000, 1)
	scanned := map[string]int{}
	src.onScan = func(db, table string) error {
		scanned[table]++
		return nil
	}
	rows := query(t, src, "SELECT COUNT(*) AS n FROM j.l JOIN j.r ON l.rid = r.id")
	if scanned["r"] != 0 || scanned["l"] != 1 {
		t.Errorf("scans %v, want only l once", scanned)
	}
	if want := (2500 + joinBatch - 1) / joinBatch; len(src.gets) != want {
		t.Errorf("%d Get calls, want %d (one per batch)", len(src.gets), want)
	}
	if len(rows) != 1 || rows[0]["n"] == float64(0) {
		t.Errorf("rows %v", rows)
	}
	// The hash join of the same statement reads r whole.
	src.gets, scanned = nil, map[string]int{}
	st, err := Parse("SELECT COUNT(*) AS n FROM j.l JOIN j.r ON l.rid = r.id")
	if err != nil {
		t.Fatal(err)
	}
	st.sel.join.hashOnly = true
	if err := st.Run(context.Background(), src, func(map[string]any) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if scanned["r"] != 1 || len(src.gets) != 0 {
		t.Errorf("hash join: scans %v, %d gets", scanned, len(src.gets))
	}
}

// TestLookupJoinMatchesHashJoin: over tables whose keys and join values
// mix numbers, numeric strings, other strings, NULL and missing values,
// every statement answers the same rows in the same order by lookup as by
// the hash join.
func TestLookupJoinMatchesHashJoin(t *testing.T) {
	for seed := int64(1); seed <= 3; seed++ {
		src := bigJoinSource(t, 3000, 1500, seed)
		for _, sql := range []string{
			"SELECT l.id AS lid, r.id AS rid, r.v FROM j.l JOIN j.r ON l.rid = r.id",
			"SELECT l.id AS lid, r.id AS rid, r.v FROM j.l LEFT JOIN j.r ON l.rid = r.id",
			"SELECT l.id AS lid, r.v FROM j.l JOIN j.r ON r.id = l.rid AND r.v > 10",
			"SELECT l.id AS lid, r.v FROM j.l LEFT JOIN j.r ON r.id = l.rid AND r.v > 10 WHERE l.id < 500",
			"SELECT * FROM j.l JOIN j.r ON l.rid = r.id LIMIT 700",
			"SELECT l.id AS lid, x.id AS xid FROM j.l JOIN j.r ON l.rid = r.id JOIN j.l x ON r.lid = x.id",
			"SELECT COUNT(*) AS n, SUM(r.v) AS s FROM j.l JOIN j.r ON l.rid = r.id",
		} {
			st, err := Parse(sql)
			if err != nil {
				t.Fatal(err)
			}
			modes, _ := st.Plan(src)
			if modes[0] != "lookup" {
				t.Fatalf("%s: plan %v", sql, modes)
			}
			lookup := runJSON(t, st, src)
			if kinded := runJSON(t, st, kindedSource{src}); kinded != lookup {
				t.Errorf("seed %d %s: with KeyKinds\n%.300s\n%.300s", seed, sql, kinded, lookup)
			}
			st.sel.join.hashOnly = true
			hash := runJSON(t, st, src)
			if lookup != hash {
				t.Errorf("seed %d %s:\nlookup %.300s\n  hash %.300s", seed, sql, lookup, hash)
			}
			if lookup == "null" || lookup == "[]" {
				t.Errorf("seed %d %s: no rows", seed, sql)
			}
		}
	}
}

func runJSON(t *testing.T, st *Statement, src Source) string {
	t.Helper()
	var rows []map[string]any
	err := st.Run(context.Background(), src, func(row map[string]any) error {
		rows = append(rows, row)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(rows)
	return string(b)
}

// bigJoinSource returns tables j.l (nl rows) and j.r (nr rows), both keyed
// by id. r's keys are mostly numbers, some numeric strings and some other
// strings; l.rid points at r's keys in every form (a number, its text),
// at keys r lacks, or is NULL or missing.
func bigJoinSource(t testing.TB, nl, nr int, seed int64) *fakeSource {
	rng := rand.New(rand.NewSource(seed))
	rkey := func(i int) any {
		switch i % 10 {
		case 7:
			return fmt.Sprint(i) // a numeric string key
		case 9:
			return fmt.Sprintf("k%d", i)
		}
		return float64(i)
	}
	var r, l []map[string]any
	for i := 0; i < nr; i++ {
		r = append(r, map[string]any{"id": rkey(i), "v": float64(rng.Intn(20)), "lid": float64(rng.Intn(nl))})
	}
	for i := 0; i < nl; i++ {
		rec := map[string]any{"id": float64(i), "name": fmt.Sprintf("n%d", i)}
		j := rng.Intn(nr + nr/4) // some past the end of r
		switch rng.Intn(6) {
		case 0:
			rec["rid"] = fmt.Sprint(j) // text of a number
		case 1:
			rec["rid"] = nil
		case 2: // missing
		case 3:
			rec["rid"] = rkey(j)
		default:
			rec["rid"] = float64(j)
		}
		l = append(l, rec)
	}
	return &fakeSource{tables: map[string]*fakeTable{
		"j.l": {pk: "id", recs: l, attrs: []string{"id", "name", "rid"}},
		"j.r": {pk: "id", recs: r, attrs: []string{"id", "v", "lid"}},
	}}
}

// kindedSource adds KeyKinds to the fake, so a lookup skips the key forms
// a table lacks.
type kindedSource struct{ *fakeSource }

func (k kindedSource) KeyKinds(db, table string) (numbers, strs bool, err error) {
	t, err := k.table(db, table)
	if err != nil {
		return false, false, err
	}
	for _, r := range t.recs {
		if _, ok := r[t.pk].(string); ok {
			strs = true
		} else {
			numbers = true
		}
	}
	return numbers, strs, nil
}
