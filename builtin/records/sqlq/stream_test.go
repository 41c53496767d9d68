package sqlq

import (
	"context"
	"errors"
	"testing"
)

// bigTable returns a fake with n records {id, n, s}.
func bigTable(n int) *fakeSource {
	tab := &fakeTable{pk: "id", attrs: []string{"id", "n", "s"}}
	tab.recs = make([]map[string]any, n)
	for i := range tab.recs {
		tab.recs[i] = map[string]any{"id": float64(i), "n": float64(i % 10), "s": "some text"}
	}
	return &fakeSource{tables: map[string]*fakeTable{"db.big": tab}}
}

// TestStreaming: without ORDER BY or aggregates each row is emitted while
// the scan is still on that record, never buffered.
func TestStreaming(t *testing.T) {
	for _, sql := range []string{
		"SELECT * FROM db.big",
		"SELECT id, s AS text FROM db.big WHERE n >= 5",
		"SELECT id FROM db.big WHERE n = 1 LIMIT 20 OFFSET 3",
	} {
		src := bigTable(1000)
		st, err := Parse(sql)
		if err != nil {
			t.Fatal(err)
		}
		emitted := 0
		err = st.Run(context.Background(), src, func(row map[string]any) error {
			emitted++
			// The row must be the record the scan yielded last.
			if id := row["id"].(float64); int(id) != src.yielded-1 {
				t.Fatalf("%s: row %v emitted after %d records were read: buffered", sql, id, src.yielded)
			}
			return nil
		})
		if err != nil || emitted == 0 {
			t.Fatalf("%s: emitted %d, err %v", sql, emitted, err)
		}
	}
}

// TestLimitStopsTheScan: a LIMIT without ORDER BY reads no further than
// needed.
func TestLimitStopsTheScan(t *testing.T) {
	src := bigTable(1000)
	rows := query(t, src, "SELECT id FROM db.big WHERE n = 3 LIMIT 2 OFFSET 1")
	if got := column(rows, "id"); got != "13 23" {
		t.Fatalf("ids = %s", got)
	}
	if src.yielded != 24 {
		t.Fatalf("read %d records, want 24", src.yielded)
	}
	// LIMIT 0 is no limit, as in HarperDB 4.7.29 (alasql): every row.
	src = bigTable(1000)
	if rows := query(t, src, "SELECT id FROM db.big LIMIT 0"); len(rows) != 1000 {
		t.Fatalf("LIMIT 0: %d rows", len(rows))
	}
}

// TestErrorsPassThrough: errors from the Source and from emit come back
// unchanged, status and all.
func TestErrorsPassThrough(t *testing.T) {
	src := newDogs(t)
	for _, sql := range []string{
		"SELECT * FROM db.nope",
		"SELECT * FROM db.nope WHERE id = 1",
		"SELECT COUNT(*) FROM db.nope",
		"SELECT * FROM db.nope ORDER BY id",
	} {
		_, err := tryQuery(src, sql)
		var nf *notFound
		if !errors.As(err, &nf) || nf.HTTPStatus() != 404 || err.Error() != "Table 'db.nope' does not exist" {
			t.Errorf("%s: err = %v, want the source's 404", sql, err)
		}
	}

	boom := errors.New("client went away")
	for _, sql := range []string{"SELECT * FROM db.dogs", "SELECT id FROM db.dogs ORDER BY id", "SELECT COUNT(*) FROM db.dogs"} {
		st, _ := Parse(sql)
		err := st.Run(context.Background(), src, func(map[string]any) error { return boom })
		if err != boom {
			t.Errorf("%s: err = %v, want emit's error", sql, err)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	st, _ := Parse("SELECT * FROM db.dogs")
	if err := st.Run(ctx, src, func(map[string]any) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: err = %v", err)
	}
	st, _ = Parse("SELECT id FROM db.dogs ORDER BY id")
	if err := st.Run(ctx, src, func(map[string]any) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled sort: err = %v", err)
	}
}

// TestStatementReuse: a parsed statement runs again with the same result.
func TestStatementReuse(t *testing.T) {
	st, err := Parse("SELECT breed, COUNT(*) AS c FROM db.dogs GROUP BY breed ORDER BY c DESC LIMIT 2")
	if err != nil {
		t.Fatal(err)
	}
	var first, second []map[string]any
	for _, out := range []*[]map[string]any{&first, &second} {
		if err := st.Run(context.Background(), newDogs(t), func(r map[string]any) error {
			*out = append(*out, r)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if column(first, "c") != "3 1" || column(first, "c") != column(second, "c") {
		t.Fatalf("runs differ: %v vs %v", first, second)
	}
}

// TestConcurrentRuns: a Statement holds no per-run state, so one parsed
// statement may run on several goroutines at once (run with -race).
func TestConcurrentRuns(t *testing.T) {
	st, err := Parse("SELECT breed, COUNT(*) AS c FROM db.dogs WHERE name LIKE '%e%' GROUP BY breed ORDER BY c DESC, breed")
	if err != nil {
		t.Fatal(err)
	}
	const runners = 4 // enough goroutines to overlap on two cores
	results := make(chan string, runners)
	for range runners {
		go func() {
			var rows []map[string]any
			err := st.Run(context.Background(), newDogs(t), func(r map[string]any) error {
				rows = append(rows, r)
				return nil
			})
			if err != nil {
				results <- err.Error()
				return
			}
			results <- column(rows, "breed") + " / " + column(rows, "c")
		}()
	}
	for range runners {
		if got := <-results; got != `null "Lab" "Mutt" "mutt" / 1 1 1 1` {
			t.Errorf("run = %s", got)
		}
	}
}

// TestReadsWholeTable: only a SELECT * that keeps every record, in key
// order, unchanged, may be answered by a raw scan of the table.
func TestReadsWholeTable(t *testing.T) {
	for sql, want := range map[string]bool{
		"SELECT * FROM db.big":                        true,
		"select * from db.big":                        true,
		"SELECT * FROM db.big WHERE n = 1":            false,
		"SELECT * FROM db.big WHERE id = 3":           false,
		"SELECT * FROM db.big ORDER BY n":             false,
		"SELECT * FROM db.big LIMIT 10":               false,
		"SELECT * FROM db.big LIMIT 0":                true,
		"SELECT * FROM db.big LIMIT 10 OFFSET 2":      false,
		"SELECT id, n, s FROM db.big":                 false,
		"SELECT COUNT(*) FROM db.big":                 false,
		"SELECT n FROM db.big GROUP BY n":             false,
		"SELECT * FROM db.big WHERE n > 1 OR s = 'x'": false,
	} {
		st, err := Parse(sql)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		if got := st.ReadsWholeTable(); got != want {
			t.Errorf("%s: ReadsWholeTable = %v, want %v", sql, got, want)
		}
	}
	st, err := Parse("INSERT INTO db.big (id) VALUES (1)")
	if err != nil {
		t.Fatal(err)
	}
	if st.ReadsWholeTable() {
		t.Error("an INSERT reads no table")
	}
}
