package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a settable test clock.
type clock struct{ ms atomic.Int64 }

func (c *clock) Now() time.Time { return time.UnixMilli(c.ms.Load()) }
func (c *clock) set(ms int64)   { c.ms.Store(ms) }

// startMs is the test clock's first reading (an arbitrary recent date).
const startMs = 1_700_000_000_000

// newStore opens a store in a fresh directory with a test clock.
func newStore(t testing.TB, opts Options) (*Store, *clock, string) {
	t.Helper()
	c := &clock{}
	c.set(startMs)
	if opts.Now == nil {
		opts.Now = c.Now
	}
	opts.NoSync = true
	dir := t.TempDir()
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, c, dir
}

// mustTable creates db.table with primary key "id".
func mustTable(t testing.TB, s *Store, db, table string) {
	t.Helper()
	if err := s.CreateTable(db, table, "id"); err != nil {
		t.Fatalf("CreateTable(%s.%s): %v", db, table, err)
	}
}

// records decodes a JSON array of records the way the family will (UseNumber).
func records(t testing.TB, js string) []map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(js)))
	dec.UseNumber()
	var out []map[string]any
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("decoding %s: %v", js, err)
	}
	return out
}

// values decodes a JSON array of keys with UseNumber.
func values(t testing.TB, js string) []any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(js)))
	dec.UseNumber()
	var out []any
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("decoding %s: %v", js, err)
	}
	return out
}

// toJSON marshals v or fails the test.
func toJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return string(b)
}

// wantError checks that err is an *Error with the given status and message.
func wantError(t *testing.T, err error, status int, msg string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %v (%T), want *Error %d %q", err, err, status, msg)
	}
	if e.Status != status || e.Msg != msg {
		t.Fatalf("got %d %q, want %d %q", e.Status, e.Msg, status, msg)
	}
}

// collect gathers what a read method passes to its callback.
func collect(t *testing.T, read func(fn func(map[string]any) error) error) []map[string]any {
	t.Helper()
	var out []map[string]any
	if err := read(func(rec map[string]any) error {
		out = append(out, rec)
		return nil
	}); err != nil {
		t.Fatalf("read: %v", err)
	}
	return out
}

// ids projects records on "id", as JSON text so 1 and "1" differ.
func ids(t testing.TB, recs []map[string]any) string {
	t.Helper()
	out := make([]any, len(recs))
	for i, r := range recs {
		out[i] = r["id"]
	}
	return toJSON(t, out)
}

// scanAll reads a whole table.
func scanAll(t *testing.T, s *Store, db, table string) []map[string]any {
	t.Helper()
	return collect(t, func(fn func(map[string]any) error) error {
		return s.Scan(context.Background(), db, table, fn)
	})
}
