package certstore

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/tidwall/buntdb"
)

var errInjected = errors.New("injected failure")

func TestDatabaseFailureLeavesNothing(t *testing.T) {
	s, root := openStore(t)
	s.writeRecord = func(*buntdb.Tx, *stored) error { return errInjected }
	k := ecKey(t)
	err := s.Add(AddInput{Name: "x", Certificate: selfSignedPEM(t, k, "x.local"), PrivateKey: sec1PEM(t, k)})
	if !errors.Is(err, errInjected) {
		t.Fatalf("Add error = %v, want the injected failure", err)
	}
	if _, ok := AsError(err); ok {
		t.Fatal("a database fault must not look like bad input")
	}
	if files := keyFilesIn(t, root); len(files) != 0 {
		t.Fatalf("key files left after a failed add: %v", files)
	}
	if list, _ := s.List(); len(list) != 0 {
		t.Fatalf("records after a failed add: %+v", list)
	}
	if s.Generation() != 0 {
		t.Fatal("generation moved on a failed add")
	}
}

func TestDatabaseFailureOnReplaceKeepsOld(t *testing.T) {
	s, root := openStore(t)
	k1, k2 := ecKey(t), ecKey(t)
	mustAdd(t, s, AddInput{Name: "x", Certificate: selfSignedPEM(t, k1, "one.local"), PrivateKey: sec1PEM(t, k1)})
	s.writeRecord = func(*buntdb.Tx, *stored) error { return errInjected }
	err := s.Add(AddInput{Name: "x", Certificate: selfSignedPEM(t, k2, "two.local"), PrivateKey: sec1PEM(t, k2)})
	if !errors.Is(err, errInjected) {
		t.Fatalf("Add error = %v", err)
	}
	r, _ := record(t, s, "x")
	if r.Details.Subject != "CN=one.local" {
		t.Fatalf("record = %+v, want the old one", r)
	}
	if key, err := s.readKey("x.pem"); err != nil || !sameKey(key.signer, k1) {
		t.Fatalf("old key file changed: %v", err)
	}
	if files := keyFilesIn(t, root); !reflect.DeepEqual(files, []string{"x.pem"}) {
		t.Fatalf("key files = %v", files)
	}
}

func TestRenameFailureUndoesRecord(t *testing.T) {
	s, root := openStore(t)
	k1, k2 := ecKey(t), ecKey(t)
	mustAdd(t, s, AddInput{Name: "x", Certificate: selfSignedPEM(t, k1, "one.local"), PrivateKey: sec1PEM(t, k1)})
	s.rename = func(string, string) error { return errInjected }
	err := s.Add(AddInput{Name: "x", Certificate: selfSignedPEM(t, k2, "two.local"), PrivateKey: sec1PEM(t, k2)})
	if !errors.Is(err, errInjected) {
		t.Fatalf("Add error = %v", err)
	}
	if r, _ := record(t, s, "x"); r.Details.Subject != "CN=one.local" {
		t.Fatalf("record = %+v, want the old one restored", r)
	}
	err = s.Add(AddInput{Name: "new", Certificate: selfSignedPEM(t, k2, "n.local"), PrivateKey: sec1PEM(t, k2)})
	if !errors.Is(err, errInjected) {
		t.Fatalf("Add error = %v", err)
	}
	if _, ok := record(t, s, "new"); ok {
		t.Fatal("record kept although its key file was never installed")
	}
	if files := keyFilesIn(t, root); !reflect.DeepEqual(files, []string{"x.pem"}) {
		t.Fatalf("key files = %v", files)
	}
}

func TestReopenKeepsRecords(t *testing.T) {
	root := t.TempDir()
	s, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	k := ecKey(t)
	mustAdd(t, s, AddInput{Name: "kept", Certificate: selfSignedPEM(t, k, "k.local"), PrivateKey: sec1PEM(t, k), Uses: []string{"https"}})
	before, _ := s.List()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	after, err := s2.List()
	if err != nil || !reflect.DeepEqual(before, after) || len(after) != 1 {
		t.Fatalf("after reopen: %+v (%v), want %+v", after, err, before)
	}
}

// TestCrashBetweenCommitAndRename simulates a process that died after the
// record was committed and before the key file was renamed into place.
func TestCrashBetweenCommitAndRename(t *testing.T) {
	root := t.TempDir()
	s, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	k := ecKey(t)
	crash := errors.New("crash")
	var undone bool
	// Keep the committed record, as a crash would: the rename "crashes"
	// and closes the database so the undo cannot run.
	s.rename = func(string, string) error {
		undone = true
		_ = s.db.Close()
		return crash
	}
	err = s.Add(AddInput{Name: "c", Certificate: selfSignedPEM(t, k, "c.local"), PrivateKey: sec1PEM(t, k)})
	if !undone || !errors.Is(err, crash) {
		t.Fatalf("Add error = %v", err)
	}
	// removeTemp ran in the failed Add; put a temporary back as a crash
	// would have left it.
	tmp := filepath.Join(root, keysDir, "c.pem.123456"+tempSuffix)
	if err := os.WriteFile(tmp, []byte(sec1PEM(t, k)), keyFileMode); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(root, keysDir, "orphan.pem.99"+tempSuffix)
	if err := os.WriteFile(stale, []byte(sec1PEM(t, ecKey(t))), keyFileMode); err != nil {
		t.Fatal(err)
	}

	s2, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if r, ok := record(t, s2, "c"); !ok || strPtr(r.PrivateKeyName) != "c.pem" {
		t.Fatalf("record = %+v, %v", r, ok)
	}
	if key, err := s2.readKey("c.pem"); err != nil || !sameKey(key.signer, k) {
		t.Fatalf("key file not rolled forward: %v", err)
	}
	if files := keyFilesIn(t, root); !reflect.DeepEqual(files, []string{"c.pem"}) {
		t.Fatalf("key files = %v, want the stale temporary removed", files)
	}
}
