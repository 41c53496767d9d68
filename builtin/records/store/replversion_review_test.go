package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// A key whose record carries its version (format 2) keeps that version
// however the record loses it, with replication off or by a local-only
// write: an applied put older than it still loses, a newer one still
// wins. Each way a record is rewritten or removed is tried on its own.
func TestReviewKeyVersionSurvivesEveryRewrite(t *testing.T) {
	ctx := context.Background()
	type path struct {
		off  bool // replication off while it runs
		gone bool // the record is gone afterwards
		run  func(s *Store) error
	}
	paths := map[string]path{
		"update": {off: true, run: func(s *Store) error {
			_, err := s.Update("db", "t", []map[string]any{{"id": 1, "z": 1}})
			return err
		}},
		"upsert": {off: true, run: func(s *Store) error {
			_, err := s.Upsert("db", "t", []map[string]any{{"id": 1, "z": 1}})
			return err
		}},
		"delete": {off: true, gone: true, run: func(s *Store) error {
			_, err := s.Delete("db", "t", []any{1})
			return err
		}},
		"drop_attribute":        {off: true, run: func(s *Store) error { return s.DropAttribute("db", "t", "y") }},
		"drop_attribute logged": {run: func(s *Store) error { return s.DropAttribute("db", "t", "y") }},
		"delete_records_before": {off: true, gone: true, run: func(s *Store) error {
			_, _, err := s.DeleteBefore(ctx, "db", "t", time.UnixMilli(startMs+15_000), nil)
			return err
		}},
		"delete_records_before logged": {gone: true, run: func(s *Store) error {
			_, _, err := s.DeleteBefore(ctx, "db", "t", time.UnixMilli(startMs+15_000), nil)
			return err
		}},
	}
	// b's two puts of key 1, one older and one newer than a's.
	b, cb, _ := newStore(t, Options{})
	mustTable(t, b, "db", "t")
	enable(t, b, "b")
	cb.set(startMs + 5_000)
	if _, err := b.Upsert("db", "t", records(t, `[{"id":1,"x":"old"}]`)); err != nil {
		t.Fatal(err)
	}
	cb.set(startMs + 20_000)
	if _, err := b.Upsert("db", "t", records(t, `[{"id":1,"x":"new"}]`)); err != nil {
		t.Fatal(err)
	}
	raw, err := b.ReplOutbox(0, MaxOutboxLimit)
	if err != nil {
		t.Fatal(err)
	}
	var puts []ReplEntry
	for _, e := range toEntries(t, raw) {
		if e.Op == ReplPut {
			puts = append(puts, e)
		}
	}
	if len(puts) != 2 {
		t.Fatalf("b's outbox holds %d entries", len(puts))
	}
	for name, p := range paths {
		t.Run(name, func(t *testing.T) {
			a, ca, _ := newStore(t, Options{})
			mustTable(t, a, "db", "t")
			enable(t, a, "a")
			ca.set(startMs + 10_000)
			if _, err := a.Insert("db", "t", records(t, `[{"id":1,"x":"a","y":1}]`)); err != nil {
				t.Fatal(err)
			}
			ca.set(startMs + 30_000)
			if p.off {
				if err := a.ReplDisable(); err != nil {
					t.Fatal(err)
				}
			}
			if err := p.run(a); err != nil {
				t.Fatal(err)
			}
			if p.off {
				enable(t, a, "a")
			}
			x := func() string {
				var got []string
				err := a.Get(ctx, "db", "t", []any{1}, func(rec map[string]any) error {
					got = append(got, fmt.Sprint(rec["x"]))
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if len(got) == 0 {
					return "(none)"
				}
				return got[0]
			}
			want := "a"
			if p.gone {
				want = "(none)"
			}
			if got := x(); got != want {
				t.Fatalf("before the puts: x = %s, want %s", got, want)
			}
			res, err := a.ReplApply("b", puts[:1])
			if err != nil || res.Applied != 0 {
				t.Errorf("the older put: %+v, %v; want it skipped", res, err)
			}
			if got := x(); got != want {
				t.Errorf("after the older put: x = %s, want %s", got, want)
			}
			res, err = a.ReplApply("b", puts[1:])
			if err != nil || res.Applied != 1 {
				t.Errorf("the newer put: %+v, %v; want it applied", res, err)
			}
			if got := x(); got != "new" {
				t.Errorf("after the newer put: x = %s, want new", got)
			}
		})
	}
}
