package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// fileSuffix names a database file: <dir>/<db>.bolt.
const fileSuffix = ".bolt"

// dirPerm and filePerm keep the records readable by the service user only.
const (
	dirPerm  os.FileMode = 0o700
	filePerm os.FileMode = 0o600
)

// Store is the records family's table store: one bbolt file per database
// in one directory. It is safe for concurrent use. Writes to one database
// are serialized by bbolt (one write transaction at a time per file);
// reads run in parallel with them and with each other.
type Store struct {
	dir  string
	opts Options

	// ddl serializes creating and dropping database files, so a file is
	// never re-created while its previous incarnation is being closed.
	ddl sync.Mutex
	// mu guards dbs and closed; it is held only briefly, never across a
	// transaction, so callbacks may call back into the Store.
	mu     sync.RWMutex
	dbs    map[string]*bolt.DB
	closed bool
	// prefetch reads a database file ahead of whole-table scans
	// (prefetch.go).
	prefetch prefetcher
	// rp is the replication outbox (repl.go), off unless enabled.
	rp replication
}

// Open opens (creating if needed) the store in dir and every database file
// in it. Files whose names are not valid database names are ignored.
func Open(dir string, opts Options) (*Store, error) {
	opts = opts.withDefaults()
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return nil, fmt.Errorf("creating records directory: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading records directory: %w", err)
	}
	s := &Store{dir: dir, opts: opts, dbs: make(map[string]*bolt.DB),
		prefetch: newPrefetcher()}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), fileSuffix)
		if !ok || !e.Type().IsRegular() || validateName(paramDatabase, name) != nil {
			continue
		}
		bdb, err := s.openFile(name)
		if err != nil {
			_ = s.Close()
			return nil, err
		}
		s.dbs[name] = bdb
	}
	if err := s.openRepl(); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// Close closes every database file. Calls after Close return ErrClosed.
func (s *Store) Close() error {
	s.ddl.Lock()
	defer s.ddl.Unlock()
	s.mu.Lock()
	dbs := s.dbs
	s.dbs, s.closed = map[string]*bolt.DB{}, true
	s.mu.Unlock()
	errs := []error{s.closeRepl()}
	for name, bdb := range dbs {
		if err := closeFile(bdb); err != nil {
			errs = append(errs, fmt.Errorf("closing database %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// Databases returns the database names, sorted.
func (s *Store) Databases() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	names := make([]string, 0, len(s.dbs))
	for name := range s.dbs {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// path is the file of database db.
func (s *Store) path(db string) string {
	return filepath.Join(s.dir, db+fileSuffix)
}

// closeFile closes a bbolt file after one commit that writes its free
// page list. The files run with NoFreelistSync (a commit does not write
// the list, for write speed), and an open of a file whose last commit
// did not write it walks every page of the file to find the free ones:
// about 1 ms per MB (180 ms for a table file of 200k records), paid by
// every start of the family, so by every node of a rolling restart. With
// the list written at close, the next open reads it instead; the first
// commit after it drops it again. A crash skips this: that open walks
// the file, as every open did before. A failure here is not the close's:
// the file stays as its last commit left it.
func closeFile(bdb *bolt.DB) error {
	_ = bdb.Update(func(*bolt.Tx) error {
		// Under the writer lock: no commit reads the flag meanwhile.
		bdb.NoFreelistSync = false
		return nil
	})
	return bdb.Close()
}

// openFile opens (or creates) the bbolt file of database db.
func (s *Store) openFile(db string) (*bolt.DB, error) {
	bdb, err := bolt.Open(s.path(db), filePerm, s.opts.boltOptions())
	if err != nil {
		return nil, fmt.Errorf("opening database %s: %w", db, err)
	}
	return bdb, nil
}

// handle returns the open file of database db, or the 404 for it.
func (s *Store) handle(db string) (*bolt.DB, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, ErrClosed
	}
	bdb, ok := s.dbs[db]
	if !ok {
		return nil, errDatabaseNotFound(db)
	}
	return bdb, nil
}

// view runs fn in a read transaction on database db.
func (s *Store) view(db string, fn func(tx *bolt.Tx) error) error {
	bdb, err := s.handle(db)
	if err != nil {
		return err
	}
	return s.txError(db, bdb.View(fn))
}

// update runs fn in a write transaction on database db; an error from fn
// rolls the whole transaction back.
func (s *Store) update(db string, fn func(tx *bolt.Tx) error) error {
	bdb, err := s.handle(db)
	if err != nil {
		return err
	}
	if st := s.rp.on.Load(); st != nil {
		return s.txError(db, st.update(bdb, fn))
	}
	return s.txError(db, bdb.Update(fn))
}

// txError maps bbolt's "database not open" (the file was closed by
// DropDatabase or Close while the call was starting) to what the caller
// would have seen a moment later.
func (s *Store) txError(db string, err error) error {
	if !errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	return errDatabaseNotFound(db)
}

// viewTable runs fn with table opened in a read transaction.
func (s *Store) viewTable(db, table string, fn func(t *tableTx) error) error {
	if err := validateNames(db, table); err != nil {
		return err
	}
	return s.view(db, func(tx *bolt.Tx) error {
		t, err := openTable(tx, db, table)
		if err != nil {
			return err
		}
		return fn(t)
	})
}

// updateTable runs fn with table opened in a write transaction and saves
// the table's meta after fn succeeds.
func (s *Store) updateTable(db, table string, fn func(t *tableTx) error) error {
	if err := validateNames(db, table); err != nil {
		return err
	}
	return s.update(db, func(tx *bolt.Tx) error {
		t, err := openTable(tx, db, table)
		if err != nil {
			return err
		}
		if err := fn(t); err != nil {
			return err
		}
		return t.saveMeta()
	})
}

// nowMs is the store clock in epoch milliseconds.
func (s *Store) nowMs() int64 {
	return s.opts.Now().UnixMilli()
}
