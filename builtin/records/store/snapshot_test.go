package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestSnapshotNestedReads: a Get inside a Scan's callback reads through
// the Snapshot's one transaction, across databases too; a write that grows
// the file meanwhile waits for Close and then completes (with two read
// transactions on one file, it could never complete).
func TestSnapshotNestedReads(t *testing.T) {
	s, _, _ := newStore(t, Options{InitialMmapSize: -1}) // so the big write remaps
	mustTable(t, s, "a", "l")
	mustTable(t, s, "a", "r")
	mustTable(t, s, "b", "r")
	if _, err := s.Insert("a", "l", records(t, `[{"id":1,"rid":10},{"id":2,"rid":20},{"id":3,"rid":99}]`)); err != nil {
		t.Fatal(err)
	}
	for _, db := range []string{"a", "b"} {
		if _, err := s.Insert(db, "r", records(t, `[{"id":10,"v":"x"},{"id":20,"v":"y"}]`)); err != nil {
			t.Fatal(err)
		}
	}
	big := records(t, fmt.Sprintf(`[{"id":100,"pad":"%s"}]`, strings.Repeat("x", 64<<20)))
	snap := s.Snapshot()
	defer snap.Close()
	ctx := context.Background()
	var got []string
	wrote := make(chan error, 1)
	err := snap.Scan(ctx, "a", "l", func(rec map[string]any) error {
		if fmt.Sprint(rec["id"]) == "1" {
			// A write large enough to grow the file's mmap, while the
			// scan's transaction is open.
			go func() {
				_, err := s.Insert("a", "r", big)
				wrote <- err
			}()
			time.Sleep(2 * time.Second) // for the write to reach its remap
		}
		for _, db := range []string{"a", "b"} {
			err := snap.Get(ctx, db, "r", []any{rec["rid"]}, func(r map[string]any) error {
				got = append(got, fmt.Sprint(db, rec["id"], r["v"]))
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if pk, err := snap.PrimaryKey("b", "r"); err != nil || pk != "id" {
		t.Errorf("PrimaryKey = %q, %v", pk, err)
	}
	if err := snap.Close(); err != nil {
		t.Fatal(err)
	}
	if want := "[a1x b1x a2y b2y]"; fmt.Sprint(got) != want {
		t.Errorf("got %v, want %s", got, want)
	}
	select {
	case err := <-wrote:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the write never completed after Close")
	}
	snap2 := s.Snapshot()
	defer snap2.Close()
	if err := snap2.Get(ctx, "a", "nope", []any{1.0}, func(map[string]any) error { return nil }); StatusOf(err) != 404 {
		t.Errorf("unknown table: %v", err)
	}
}

// TestSnapshotAttrs: ScanAttrs and GetAttrs hand each record with only the
// named attributes it has, decoded as Scan decodes them.
func TestSnapshotAttrs(t *testing.T) {
	s, _, _ := newStore(t, Options{})
	mustTable(t, s, "a", "t")
	if _, err := s.Insert("a", "t", records(t, `[{"id":1,"n":1.50,"o":{"x":[1,"y"]},"s":"é\"q"},{"id":2,"n":2}]`)); err != nil {
		t.Fatal(err)
	}
	snap := s.Snapshot()
	defer snap.Close()
	ctx := context.Background()
	var full, some []string
	_ = snap.Scan(ctx, "a", "t", func(r map[string]any) error {
		full = append(full, fmt.Sprint(r["id"], r["n"], r["o"], r["s"]))
		return nil
	})
	err := snap.ScanAttrs(ctx, "a", "t", []string{"s", "o", "n", "id", "missing"}, func(r map[string]any) error {
		if _, ok := r["__createdtime__"]; ok || len(r) > 4 {
			t.Errorf("ScanAttrs record %v", r)
		}
		some = append(some, fmt.Sprint(r["id"], r["n"], r["o"], r["s"]))
		return nil
	})
	if err != nil || fmt.Sprint(full) != fmt.Sprint(some) {
		t.Errorf("ScanAttrs %v (%v), Scan %v", some, err, full)
	}
	var got []string
	err = snap.GetAttrs(ctx, "a", "t", []any{2.0, 9.0, 1.0}, []string{"n"}, func(r map[string]any) error {
		got = append(got, fmt.Sprint(r))
		return nil
	})
	if err != nil || fmt.Sprint(got) != "[map[n:2] map[n:1.50]]" {
		t.Errorf("GetAttrs %v, %v", got, err)
	}
}

// TestSnapshotKeyKinds: a table's first and last keys tell whether it
// holds number keys and string keys.
func TestSnapshotKeyKinds(t *testing.T) {
	s, _, _ := newStore(t, Options{})
	for tb, recs := range map[string]string{"num": `[{"id":1},{"id":2}]`, "str": `[{"id":"a"}]`, "both": `[{"id":"5"},{"id":5}]`, "none": `[]`} {
		mustTable(t, s, "a", tb)
		if _, err := s.Insert("a", tb, records(t, recs)); err != nil && tb != "none" {
			t.Fatal(err)
		}
	}
	snap := s.Snapshot()
	defer snap.Close()
	for tb, want := range map[string]string{"num": "true false", "str": "false true", "both": "true true", "none": "false false"} {
		n, str, err := snap.KeyKinds("a", tb)
		if err != nil || fmt.Sprint(n, str) != want {
			t.Errorf("%s: %v %v %v, want %s", tb, n, str, err, want)
		}
	}
}
