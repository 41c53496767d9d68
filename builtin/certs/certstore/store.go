package certstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidwall/buntdb"
)

// Paths under rootPath (see the design's State section).
const (
	databaseDir  = "database"
	databaseFile = "certs.db"
	keysDir      = "keys"
)

// Permissions: keys are secrets, readable by the owner only. The database
// directory is shared with the host's own databases and gets the same
// owner-only mode when this package creates it.
const (
	keysDirMode = 0o700
	keyFileMode = 0o600
	dbDirMode   = 0o700
)

// BuntDB keys: one "cert:<name>" per record, so an ascending scan of the
// prefix lists records in name order; two meta keys name the generated CA
// and node certificate.
const (
	recordPrefix = "cert:"
	metaCA       = "meta:ca"
	metaNode     = "meta:node"
)

// Store is the certificate engine: metadata in BuntDB, private keys as files.
// Open it once per process, call EnsureAuthority at start, then Add, Remove
// and List serve the operations. HTTPS is the host's (host/tlscerts): it
// serves what list_certificates lists, with the key files under keys/.
// All methods are safe for concurrent use. Close releases the database.
type Store struct {
	// mu orders changes (Add, Remove, EnsureAuthority: write lock) against
	// readers that need a record and its key file to agree (read lock).
	mu      sync.RWMutex
	db      *buntdb.DB
	keysDir string
	gen     atomic.Uint64
	// listed is ListJSON's answer, kept until a change: every method
	// that takes mu's write lock drops it (dropListed) before unlocking,
	// and ListJSON fills it under the read lock.
	listed atomic.Pointer[[]byte]

	// now is the clock used for generated certificates; tests move it.
	now func() time.Time
	// writeRecord stores one record inside a write transaction; tests
	// replace it to make the database write fail.
	writeRecord func(tx *buntdb.Tx, rec *stored) error
	// rename moves a finished key file into place; tests make it fail.
	rename func(oldpath, newpath string) error
}

// stored is a record as kept in BuntDB. Details and is_self_signed are
// derived from the certificate when listed, so they never go stale.
type stored struct {
	Name           string   `json:"name"`
	Certificate    string   `json:"certificate"`
	PrivateKeyName string   `json:"private_key_name,omitempty"`
	IsAuthority    bool     `json:"is_authority"`
	Uses           []string `json:"uses"`
	Hosts          []string `json:"hosts"`
}

// Open opens (creating when missing) <rootPath>/database/certs.db and
// <rootPath>/keys (forced to mode 0700), and finishes any key file a crash
// left half-installed (see recoverTempFiles).
//
// Sync policy: buntdb.Always, every commit is fsynced before Add returns.
// Certificates change a few times in a server's life, and Add renames the
// key file into place only after its record is durable; BuntDB's default
// (EverySecond) could lose an acknowledged add on power loss.
func Open(rootPath string) (*Store, error) {
	dbDir := filepath.Join(rootPath, databaseDir)
	if err := os.MkdirAll(dbDir, dbDirMode); err != nil {
		return nil, fmt.Errorf("certstore: create database directory: %w", err)
	}
	kd := filepath.Join(rootPath, keysDir)
	if err := os.MkdirAll(kd, keysDirMode); err != nil {
		return nil, fmt.Errorf("certstore: create keys directory: %w", err)
	}
	if err := os.Chmod(kd, keysDirMode); err != nil {
		return nil, fmt.Errorf("certstore: restrict keys directory: %w", err)
	}
	db, err := buntdb.Open(filepath.Join(dbDir, databaseFile))
	if err != nil {
		return nil, fmt.Errorf("certstore: open database: %w", err)
	}
	if err := setSyncAlways(db); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("certstore: configure database: %w", err)
	}
	s := &Store{db: db, keysDir: kd, now: time.Now, writeRecord: putRecord, rename: os.Rename}
	if err := s.recoverTempFiles(); err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

// setSyncAlways switches db to fsync on every commit, keeping its other
// settings.
func setSyncAlways(db *buntdb.DB) error {
	var cfg buntdb.Config
	if err := db.ReadConfig(&cfg); err != nil {
		return err
	}
	cfg.SyncPolicy = buntdb.Always
	return db.SetConfig(cfg)
}

// Close closes the database. The Store must not be used afterwards.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("certstore: close database: %w", err)
	}
	return nil
}

// Generation counts the changes made through this Store (each Add, Remove,
// and each EnsureAuthority that generated something). The host compares it
// with the value it built its TLS config from, to know when to rebuild. It
// starts at 0 on every Open.
func (s *Store) Generation() uint64 { return s.gen.Load() }

// putRecord is the default writeRecord.
func putRecord(tx *buntdb.Tx, rec *stored) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode record: %w", err)
	}
	_, _, err = tx.Set(recordPrefix+rec.Name, string(b), nil)
	return err
}

// getRecord reads one record; ok is false when there is none.
func getRecord(tx *buntdb.Tx, name string) (rec stored, ok bool, err error) {
	v, err := tx.Get(recordPrefix + name)
	if errors.Is(err, buntdb.ErrNotFound) {
		return stored{}, false, nil
	}
	if err != nil {
		return stored{}, false, err
	}
	if err := json.Unmarshal([]byte(v), &rec); err != nil {
		return stored{}, false, fmt.Errorf("decode record %q: %w", name, err)
	}
	return rec, true, nil
}

// allRecords reads every record in name order.
func (s *Store) allRecords() ([]stored, error) {
	var out []stored
	var decodeErr error
	err := s.db.View(func(tx *buntdb.Tx) error {
		return tx.AscendKeys(recordPrefix+"*", func(k, v string) bool {
			var rec stored
			if err := json.Unmarshal([]byte(v), &rec); err != nil {
				decodeErr = fmt.Errorf("decode record %q: %w", strings.TrimPrefix(k, recordPrefix), err)
				return false
			}
			out = append(out, rec)
			return true
		})
	})
	if err == nil {
		err = decodeErr
	}
	if err != nil {
		return nil, fmt.Errorf("certstore: read records: %w", err)
	}
	return out, nil
}

// getMeta reads a meta key; "" when unset.
func (s *Store) getMeta(key string) (string, error) {
	var v string
	err := s.db.View(func(tx *buntdb.Tx) error {
		var err error
		v, err = tx.Get(key)
		if errors.Is(err, buntdb.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("certstore: read %s: %w", key, err)
	}
	return v, nil
}

// lookup reads one record by name outside any transaction.
func (s *Store) lookup(name string) (rec stored, ok bool, err error) {
	err = s.db.View(func(tx *buntdb.Tx) error {
		rec, ok, err = getRecord(tx, name)
		return err
	})
	if err != nil {
		return stored{}, false, fmt.Errorf("certstore: read record %q: %w", name, err)
	}
	return rec, ok, nil
}
