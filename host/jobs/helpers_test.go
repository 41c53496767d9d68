package jobs

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tidwall/buntdb"

	"github.com/hops-dev/hops/sdk"
)

// openDB opens a BuntDB file (path) or memory database ("").
func openDB(t *testing.T, path string) *buntdb.DB {
	t.Helper()
	if path == "" {
		path = ":memory:"
	}
	db, err := buntdb.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// newStore returns a store on a fresh memory database with a settable
// clock.
func newStore(t *testing.T) (*Store, *clock) {
	t.Helper()
	db := openDB(t, "")
	t.Cleanup(func() { db.Close() })
	s, err := Open(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	s.now = c.now
	return s, c
}

func tempDBPath(t *testing.T) string { return filepath.Join(t.TempDir(), "system.db") }

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// call runs the named operation's handler with body as the request.
func call(t *testing.T, s *Store, op string, body string, caller sdk.Caller) (*sdk.Response, error) {
	t.Helper()
	for _, l := range s.Operations() {
		if l.Op.Name == op {
			return l.Op.Handler(context.Background(), &sdk.Request{Operation: op, Body: []byte(body), Caller: caller})
		}
	}
	t.Fatalf("no operation %q", op)
	return nil, nil
}

// encode returns the JSON a response's value encodes to.
func encode(t *testing.T, resp *sdk.Response) string {
	t.Helper()
	b, err := json.Marshal(resp.Value)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// wantBadRequest checks err is a 400 with exactly msg.
func wantBadRequest(t *testing.T, err error, msg string) {
	t.Helper()
	e, ok := sdk.AsError(err)
	if !ok {
		t.Fatalf("error = %v, want a 400 %q", err, msg)
	}
	if e.Status != 400 || e.Message != msg {
		t.Fatalf("error = %d %q, want 400 %q", e.Status, e.Message, msg)
	}
}

var admin = sdk.Caller{Username: "admin", Role: "super_user", SuperUser: true}
