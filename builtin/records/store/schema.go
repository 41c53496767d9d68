package store

import (
	"errors"
	"fmt"
	"net/http"
	"os"

	bolt "go.etcd.io/bbolt"
)

// CreateDatabase creates an empty database (a new file). Success answers
// with fmt.Sprintf(MsgDatabaseCreated, db); an existing database is a 400.
func (s *Store) CreateDatabase(db string) error {
	if err := validateName(paramDatabase, db); err != nil {
		return err
	}
	created, err := s.ensureDatabase(db)
	if err != nil {
		return err
	}
	if !created {
		return badRequest(ErrMsgDatabaseExists, db)
	}
	return s.logDatabaseOp(ReplCreateDatabase, db)
}

// ensureDatabase opens database db, creating its file if it does not
// exist, and says whether it created it.
func (s *Store) ensureDatabase(db string) (created bool, err error) {
	s.ddl.Lock()
	defer s.ddl.Unlock()
	if _, err := s.handle(db); err == nil {
		return false, nil
	} else if StatusOf(err) != http.StatusNotFound {
		return false, err
	}
	bdb, err := s.openFile(db)
	if err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed { // unreachable while ddl is held, kept for safety
		_ = bdb.Close()
		return false, ErrClosed
	}
	s.dbs[db] = bdb
	return true, nil
}

// DropDatabase closes database db and deletes its file. It waits for the
// transactions running on it to end; calls that start afterwards get the
// 404. Do not call it from inside a Get/Scan/Search callback on db.
func (s *Store) DropDatabase(db string) error {
	if err := validateName(paramDatabase, db); err != nil {
		return err
	}
	s.ddl.Lock()
	err := s.dropLocked(db)
	s.ddl.Unlock()
	if err != nil {
		return err
	}
	return s.logDatabaseOp(ReplDropDatabase, db)
}

// dropLocked closes and deletes database db's file; s.ddl is held.
func (s *Store) dropLocked(db string) error {
	bdb, err := s.handle(db)
	if err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.dbs, db)
	s.mu.Unlock()
	if err := bdb.Close(); err != nil {
		return fmt.Errorf("closing database %s: %w", db, err)
	}
	if err := os.Remove(s.path(db)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("deleting database %s: %w", db, err)
	}
	return nil
}

// CreateTable creates table in db (creating db if missing) with the given
// primary key attribute. Success answers with
// fmt.Sprintf(MsgTableCreated, db, table); an existing table is a 400.
func (s *Store) CreateTable(db, table, primaryKey string) error {
	if err := validateNames(db, table); err != nil {
		return err
	}
	if primaryKey == "" {
		return badRequest(ErrMsgRequired, paramPrimaryKey)
	}
	if !validAttributeName(primaryKey) {
		return badRequest(ErrMsgAttributeName)
	}
	if created, err := s.ensureDatabase(db); err != nil {
		return err
	} else if created {
		if err := s.logDatabaseOp(ReplCreateDatabase, db); err != nil {
			return err
		}
	}
	now := s.nowMs()
	return s.update(db, func(tx *bolt.Tx) error {
		if tx.Bucket([]byte(table)) != nil {
			return badRequest(ErrMsgTableExists, table, db)
		}
		if err := createTableTx(tx, db, table, primaryKey, now); err != nil {
			return err
		}
		if l := s.replLog(tx, db); l != nil {
			t, err := openTable(tx, db, table)
			if err != nil {
				return err
			}
			return l.logTable(ReplCreateTable, t, table, t.attributeNames()...)
		}
		return nil
	})
}

// createTableTx creates a table's buckets and meta in tx.
func createTableTx(tx *bolt.Tx, db, table, primaryKey string, now int64) error {
	root, err := tx.CreateBucket([]byte(table))
	if err != nil {
		return fmt.Errorf("creating table %s.%s: %w", db, table, err)
	}
	for _, name := range [][]byte{recsBucket, ctimeBucket, attrsBucket} {
		if _, err := root.CreateBucket(name); err != nil {
			return fmt.Errorf("creating table %s.%s: %w", db, table, err)
		}
	}
	t, err := openTableMeta(root, db, table, tableMeta{PrimaryKey: primaryKey, Created: now})
	if err != nil {
		return err
	}
	if err := t.addAttributes([]string{primaryKey, CreatedTimeAttr, UpdatedTimeAttr}); err != nil {
		return err
	}
	return t.saveMeta()
}

// openTableMeta wraps a freshly created table bucket with the given meta.
func openTableMeta(root *bolt.Bucket, db, table string, meta tableMeta) (*tableTx, error) {
	t := &tableTx{db: db, name: table, root: root, meta: meta,
		recs: root.Bucket(recsBucket), ctime: root.Bucket(ctimeBucket), attrs: root.Bucket(attrsBucket)}
	if t.recs == nil || t.ctime == nil || t.attrs == nil {
		return nil, fmt.Errorf("table %s.%s: buckets missing after create", db, table)
	}
	return t, nil
}

// DropTable deletes table and all its records. Success answers with
// fmt.Sprintf(MsgTableDropped, db, table).
func (s *Store) DropTable(db, table string) error {
	if err := validateNames(db, table); err != nil {
		return err
	}
	return s.update(db, func(tx *bolt.Tx) error {
		if tx.Bucket([]byte(table)) == nil {
			return errTableNotFound(db, table)
		}
		if err := tx.DeleteBucket([]byte(table)); err != nil {
			return fmt.Errorf("dropping table %s.%s: %w", db, table, err)
		}
		if l := s.replLog(tx, db); l != nil {
			return l.logTable(ReplDropTable, nil, table)
		}
		return nil
	})
}

// addAttributes records attribute names in the table's attribute set,
// writing only the ones not there yet. It refuses names with a slash or a
// backtick, as HarperDB does.
func (t *tableTx) addAttributes(names []string) error {
	for _, name := range names {
		if t.attrs.Get([]byte(name)) != nil {
			continue
		}
		if !validAttributeName(name) {
			return badRequest(ErrMsgAttributeName)
		}
		if len(name) > MaxAttributeNameBytes {
			return badRequest(ErrMsgAttributeTooLong, name)
		}
		if err := t.attrs.Put([]byte(name), marker); err != nil {
			return fmt.Errorf("table %s.%s: adding attribute: %w", t.db, t.name, err)
		}
	}
	return nil
}
