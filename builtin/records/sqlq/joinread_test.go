package sqlq

import (
	"context"
	"testing"
)

// attrFake is the fake as a KeyedAttrSource and KeyKinder, as
// store.Snapshot is: its records hold only the attributes asked for, and
// it counts the key reads that asked for none (whether keys exist).
type attrFake struct {
	*fakeSource
	existsOnly int
}

// pick returns a new map of the attributes of rec named in attrs.
func pick(rec map[string]any, attrs []string) map[string]any {
	out := make(map[string]any, len(attrs))
	for _, a := range attrs {
		if v, ok := rec[a]; ok {
			out[a] = v
		}
	}
	return out
}

func (a *attrFake) ScanAttrs(ctx context.Context, db, table string, attrs []string, fn func(map[string]any) error) error {
	return a.Scan(ctx, db, table, func(r map[string]any) error { return fn(pick(r, attrs)) })
}

func (a *attrFake) GetAttrs(ctx context.Context, db, table string, keys []any, attrs []string, fn func(map[string]any) error) error {
	return a.Get(ctx, db, table, keys, func(r map[string]any) error { return fn(pick(r, attrs)) })
}

func (a *attrFake) GetAttrsAt(ctx context.Context, db, table string, keys []any, attrs []string, fn func(int, map[string]any) error) error {
	t, err := a.table(db, table)
	if err != nil {
		return err
	}
	if len(attrs) == 0 {
		a.existsOnly++
	}
	byKey := make(map[string][]map[string]any, len(t.recs))
	for _, r := range t.recs {
		k := string(appendKey(nil, r[t.pk]))
		byKey[k] = append(byKey[k], r)
	}
	for i, k := range keys {
		for _, r := range byKey[string(appendKey(nil, k))] {
			var rec map[string]any
			if len(attrs) > 0 {
				rec = pick(r, attrs)
			}
			if err := fn(i, rec); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

func (a *attrFake) KeyKinds(db, table string) (numbers, strs bool, err error) {
	return kindedSource{a.fakeSource}.KeyKinds(db, table)
}

// TestJoinReadsOnlyWhatItNeeds: read through a KeyedAttrSource (only the
// attributes each table is read for, rows merged only where a later part
// reads them, a key join that reads nothing of its table but the key
// reading only which keys exist) every join answers the same rows in the
// same order as through a plain Source, and as with every attribute read
// and merged (as SELECT * runs), by lookup and by hash.
func TestJoinReadsOnlyWhatItNeeds(t *testing.T) {
	statements := []string{
		"SELECT COUNT(*) AS n FROM j.l JOIN j.r ON l.rid = r.id",
		"SELECT COUNT(*) AS n FROM j.l LEFT JOIN j.r ON l.rid = r.id",
		"SELECT COUNT(*) AS n FROM j.l JOIN j.r ON r.id = l.rid AND r.v > 10",
		"SELECT COUNT(*) AS n FROM j.l JOIN j.r ON l.name = r.v",
		"SELECT l.id, r.v FROM j.l JOIN j.r ON l.rid = r.id",
		"SELECT l.id AS lid, r.id AS rid, v FROM j.l LEFT JOIN j.r ON l.rid = r.id",
		"SELECT id, name, v FROM j.l JOIN j.r ON l.rid = r.id",          // bare names: l's first
		"SELECT id FROM j.r JOIN j.l ON l.id = r.lid WHERE rid IS NULL", // bare: r's id first
		"SELECT l.id FROM j.l JOIN j.r ON l.rid = r.id WHERE r.v = 3",
		"SELECT l.id FROM j.l JOIN j.r ON l.rid = r.id ORDER BY r.v, l.id LIMIT 50",
		"SELECT r.v, COUNT(*) AS n FROM j.l JOIN j.r ON l.rid = r.id GROUP BY r.v",
		"SELECT * FROM j.l JOIN j.r ON l.rid = r.id LIMIT 300",
		"SELECT r.*, l.name FROM j.l JOIN j.r ON l.rid = r.id LIMIT 300",
		"SELECT l.id AS lid, x.id AS xid FROM j.l JOIN j.r ON l.rid = r.id JOIN j.l x ON r.lid = x.id",
		"SELECT COUNT(*) AS n FROM j.l JOIN j.r ON l.rid = r.id JOIN j.l x ON r.lid = x.id",
		"SELECT COUNT(*) AS n FROM j.l JOIN j.r ON l.rid = r.id JOIN j.l x ON x.id = l.id AND r.v < 5",
		"SELECT COUNT(*) AS n FROM j.r RIGHT JOIN j.l ON l.rid = r.id",
		"SELECT l.id, r.id FROM j.r FULL OUTER JOIN j.l ON l.rid = r.id",
		"SELECT COUNT(*) AS n FROM j.l x JOIN j.l y USING (rid)",
		"SELECT COUNT(*) AS n FROM j.l x JOIN j.l y USING (id)",
	}
	for seed := int64(1); seed <= 2; seed++ {
		plain := bigJoinSource(t, 600, 400, seed)
		attrs := &attrFake{fakeSource: bigJoinSource(t, 600, 400, seed)}
		for _, sql := range statements {
			st, err := Parse(sql)
			if err != nil {
				t.Fatal(err)
			}
			jp := st.sel.join
			for _, hashOnly := range []bool{false, true} {
				jp.hashOnly = hashOnly
				want := runJSON(t, st, plain)
				got := runJSON(t, st, attrs)
				if got != want {
					t.Errorf("seed %d hash %v %s:\nattrs %.300s\nplain %.300s", seed, hashOnly, sql, got, want)
				}
				// Read and merged whole, as for SELECT *.
				keeps, qkeys := jp.keeps, jp.qkeys
				jp.keeps, jp.qkeys = nil, nil
				skip := make([]bool, len(jp.steps))
				for i := range jp.steps {
					skip[i], jp.steps[i].skipMerge = jp.steps[i].skipMerge, false
				}
				if whole := runJSON(t, st, plain); whole != want {
					t.Errorf("seed %d hash %v %s:\n whole %.300s\nplain %.300s", seed, hashOnly, sql, whole, want)
				}
				jp.keeps, jp.qkeys = keeps, qkeys
				for i := range jp.steps {
					jp.steps[i].skipMerge = skip[i]
				}
				if want == "null" || want == "[]" {
					t.Errorf("%s: no rows", sql)
				}
			}
		}
	}
	// The key join's COUNT(*) reads only which of r's keys exist.
	src := &attrFake{fakeSource: bigJoinSource(t, 2500, 2000, 1)}
	query(t, src, "SELECT COUNT(*) AS n FROM j.l JOIN j.r ON l.rid = r.id")
	if want := (2500 + joinBatch - 1) / joinBatch; src.existsOnly != want {
		t.Errorf("%d reads of keys alone, want %d (one per batch)", src.existsOnly, want)
	}
	src.existsOnly = 0
	query(t, src, "SELECT COUNT(*) AS n FROM j.l JOIN j.r ON l.rid = r.id AND r.v > 3")
	if src.existsOnly != 0 {
		t.Errorf("ON reading r.v: %d reads of keys alone, want 0", src.existsOnly)
	}
}
