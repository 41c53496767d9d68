package records

import (
	"testing"
	"time"
)

// TestRollingRestartWaitsForTheStore plays a rolling restart: a second
// process of the family configures while the first still holds the bbolt
// files. Configure must return at once (so the supervisor can switch
// requests to the new process), requests to the new process wait for the
// store instead of failing, and they are answered as soon as the old
// process shuts down.
func TestRollingRestartWaitsForTheStore(t *testing.T) {
	root := t.TempDir()
	old := newEnv(t, harnessOpts{rootPath: root})
	old.table("data", "dogs")
	old.insert("data", "dogs", `[{"id":1,"name":"Penny"}]`)

	start := time.Now()
	next := newEnv(t, harnessOpts{rootPath: root})
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Configure blocked %v on the old process's lock", d)
	}
	if next.f.st.Load() != nil {
		t.Fatal("the new process cannot have the store while the old one holds it")
	}

	answered := make(chan int, 1)
	go func() {
		r := next.super(op("search_by_hash", "database", "data", "table", "dogs", "hash_values", []any{1}, "get_attributes", []string{"name"}))
		answered <- r.Status
	}()
	select {
	case s := <-answered:
		t.Fatalf("answered %d before the old process let go of the store", s)
	case <-time.After(300 * time.Millisecond):
	}
	if err := old.shutdown(); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-answered:
		if s != 200 {
			t.Fatalf("status %d after the old process closed the store", s)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the waiting request was not answered after the store was freed")
	}
}
