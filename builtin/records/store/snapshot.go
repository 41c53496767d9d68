package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/hops-dev/hops/builtin/internal/fastjson"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Snapshot reads tables of any number of databases through one read
// transaction per database, opened at its first use and held until Close.
// Its reads (PrimaryKey, Attributes, Scan, Get) are the Store's, and may
// be nested: a Get inside a Scan's callback reads through the same
// transaction. Nesting two of the Store's own reads on one database would
// open a second read transaction while the first is open, which deadlocks
// if a writer needs to grow the file's mmap in between (bbolt's
// documented rule); a SQL join that looks one table up by key while it
// scans another reads through a Snapshot for that reason.
//
// A Snapshot is for one goroutine; Close must be called, and while it is
// open a write that grows the database's file waits for it, as it waits
// for any long scan.
type Snapshot struct {
	s   *Store
	txs map[string]*bolt.Tx
}

// Snapshot starts a Snapshot; nothing is opened until a read needs it.
func (s *Store) Snapshot() *Snapshot {
	return &Snapshot{s: s, txs: map[string]*bolt.Tx{}}
}

// Close ends every read transaction the Snapshot opened.
func (sn *Snapshot) Close() error {
	var errs []error
	for db, tx := range sn.txs {
		if err := tx.Rollback(); err != nil && !errors.Is(err, berrors.ErrTxClosed) {
			errs = append(errs, fmt.Errorf("closing read of %s: %w", db, err))
		}
	}
	clear(sn.txs)
	return errors.Join(errs...)
}

// viewTable runs fn with table opened in the Snapshot's transaction on db.
func (sn *Snapshot) viewTable(db, table string, fn func(t *tableTx) error) error {
	if err := validateNames(db, table); err != nil {
		return err
	}
	tx, ok := sn.txs[db]
	if !ok {
		bdb, err := sn.s.handle(db)
		if err != nil {
			return err
		}
		if tx, err = bdb.Begin(false); err != nil {
			return sn.s.txError(db, err)
		}
		sn.txs[db] = tx
	}
	t, err := openTable(tx, db, table)
	if err != nil {
		return err
	}
	return fn(t)
}

// PrimaryKey is Store.PrimaryKey within the Snapshot.
func (sn *Snapshot) PrimaryKey(db, table string) (string, error) {
	var pk string
	err := sn.viewTable(db, table, func(t *tableTx) error {
		pk = t.meta.PrimaryKey
		return nil
	})
	return pk, err
}

// Attributes is Store.Attributes within the Snapshot.
func (sn *Snapshot) Attributes(db, table string) ([]string, error) {
	var attrs []string
	err := sn.viewTable(db, table, func(t *tableTx) error {
		attrs = t.attributeNames()
		return nil
	})
	return attrs, err
}

// Scan is Store.Scan within the Snapshot.
func (sn *Snapshot) Scan(ctx context.Context, db, table string, fn func(rec map[string]any) error) error {
	return sn.viewTable(db, table, func(t *tableTx) error {
		sn.s.prefetch.wholeTable(t)
		return t.scan(ctx, fn)
	})
}

// Get is Store.Get within the Snapshot.
func (sn *Snapshot) Get(ctx context.Context, db, table string, keys []any, fn func(rec map[string]any) error) error {
	return sn.viewTable(db, table, func(t *tableTx) error {
		return t.get(ctx, keys, fn)
	})
}

// ScanAttrs is Scan, each record holding only the attributes named in
// attrs (those it has): only their values are decoded, which for a few
// attributes of a wide record is most of the work saved. A SQL join reads
// through it what the statement names.
func (sn *Snapshot) ScanAttrs(ctx context.Context, db, table string, attrs []string, fn func(rec map[string]any) error) error {
	return sn.viewTable(db, table, func(t *tableTx) error {
		sn.s.prefetch.wholeTable(t)
		slots := fastjson.NewSlots(attrs)
		return t.scanValues(ctx, func(v []byte) error {
			rec, err := decodeAttrs(t, v, slots)
			if err != nil {
				return err
			}
			return fn(rec)
		})
	})
}

// GetAttrs is Get with ScanAttrs' records.
func (sn *Snapshot) GetAttrs(ctx context.Context, db, table string, keys []any, attrs []string, fn func(rec map[string]any) error) error {
	return sn.GetAttrsAt(ctx, db, table, keys, attrs, func(_ int, rec map[string]any) error {
		if rec == nil {
			rec = map[string]any{}
		}
		return fn(rec)
	})
}

// GetAttrsAt is GetAttrs calling fn with the index in keys of each key
// found. With attrs empty fn gets a nil record: only the key's presence
// is read, nothing decoded (a SQL join that reads no attribute of the
// table but its key).
func (sn *Snapshot) GetAttrsAt(ctx context.Context, db, table string, keys []any, attrs []string, fn func(i int, rec map[string]any) error) error {
	return sn.viewTable(db, table, func(t *tableTx) error {
		if len(attrs) == 0 {
			return t.eachStored(ctx, keys, func(i int, _ []byte) error { return fn(i, nil) })
		}
		slots := fastjson.NewSlots(attrs)
		return t.eachStored(ctx, keys, func(i int, v []byte) error {
			rec, err := decodeAttrs(t, v, slots)
			if err != nil {
				return err
			}
			return fn(i, rec)
		})
	})
}

// decodeAttrs decodes the slots' attributes of the stored value v,
// walking its text (which the store's encoder wrote, each key once) only
// until it has found them all; a record the slots cannot walk is decoded
// whole and trimmed.
func decodeAttrs(t *tableTx, v []byte, slots *fastjson.Slots) (map[string]any, error) {
	text, err := valueText(v)
	if err != nil {
		return nil, err
	}
	cols := slots.Columns()
	rec := make(map[string]any, len(cols))
	if slots.FillSome(text) {
		ok := true
		for i, c := range cols {
			raw, _ := slots.Value(i)
			if raw == nil {
				continue
			}
			x, good := fastjson.DecodeValue(raw)
			if !good {
				ok = false
				break
			}
			rec[c] = x
		}
		if ok {
			return rec, nil
		}
	}
	full, err := decodeJSON(text)
	if err != nil {
		return nil, fmt.Errorf("table %s.%s: %w", t.db, t.name, err)
	}
	clear(rec)
	for _, c := range cols {
		if x, ok := full[c]; ok {
			rec[c] = x
		}
	}
	return rec, nil
}

// KeyKinds reports whether the table holds any number keys and any
// string keys (numbers sort before strings, so its first and last keys
// tell). A join by key skips looking a value up in a form no key has.
func (sn *Snapshot) KeyKinds(db, table string) (numbers, strings bool, err error) {
	err = sn.viewTable(db, table, func(t *tableTx) error {
		c := t.recs.Cursor()
		if k, _ := c.First(); len(k) > 0 {
			numbers = k[0] == keyTypeNumber
		}
		if k, _ := c.Last(); len(k) > 0 {
			strings = k[0] == keyTypeString
		}
		return nil
	})
	return numbers, strings, err
}
