package store

import (
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// txID is the id of the last commit of the bbolt file at path.
func txID(t *testing.T, path string, opts *bolt.Options) int {
	t.Helper()
	bdb, err := bolt.Open(path, filePerm, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	var id int
	_ = bdb.View(func(tx *bolt.Tx) error { id = tx.ID(); return nil })
	return id
}

// A store closed cleanly leaves each file's free page list written, so
// the next open reads it instead of walking every page: an open that
// needs the list written (NoFreelistSync off) finds it there and commits
// nothing.
func TestCloseWritesTheFreelist(t *testing.T) {
	s, _, dir := newStore(t, Options{})
	mustTable(t, s, "dev", "dogs")
	for i := 0; i < 3; i++ {
		if _, err := s.Insert("dev", "dogs", records(t, `[{"id":1,"name":"a"},{"id":2,"name":"b"}]`)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "dev"+fileSuffix)
	before := txID(t, path, &bolt.Options{ReadOnly: true})
	if after := txID(t, path, &bolt.Options{NoFreelistSync: false}); after != before {
		t.Fatalf("opening the closed file had to write its free page list (commit %d -> %d)", before, after)
	}
	// The store opens it again as usual.
	s2, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Insert("dev", "dogs", records(t, `[{"id":3,"name":"c"}]`)); err != nil {
		t.Fatal(err)
	}
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
}
