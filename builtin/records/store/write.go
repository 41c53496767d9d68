package store

import (
	"fmt"

	"github.com/google/uuid"
)

// Insert adds records. A record whose primary key already exists (or
// repeats an earlier record of the same call) is skipped; a record without
// a key (absent, null or "") gets a UUID string, which is reported. The
// whole call is one transaction: an error writes nothing. recs are not
// modified.
func (s *Store) Insert(db, table string, recs []map[string]any) (WriteResult, error) {
	return s.write(db, table, OpInsert, recs)
}

// Update merges each record's attributes into the stored record with the
// same key (an attribute set to null becomes null). Unknown keys are
// skipped; a repeated key merges again, in order, as in HarperDB; a record
// without its key fails the whole call with ErrMsgUpdateNoHash.
// __createdtime__ is kept, __updatedtime__ set.
func (s *Store) Update(db, table string, recs []map[string]any) (WriteResult, error) {
	return s.write(db, table, OpUpdate, recs)
}

// Upsert merges each record into the stored record with the same key, or
// inserts it (generating a UUID key if it has none). A repeated key
// merges again, in order, as in HarperDB.
func (s *Store) Upsert(db, table string, recs []map[string]any) (WriteResult, error) {
	return s.write(db, table, OpUpsert, recs)
}

// Delete removes the records with the given keys. Unknown keys (and values
// that cannot be keys) are reported as skipped.
func (s *Store) Delete(db, table string, keys []any) (WriteResult, error) {
	res := WriteResult{Op: OpDelete, Total: len(keys)}
	err := s.updateTable(db, table, func(t *tableTx) error {
		res.Deleted, res.Skipped = nil, nil
		log := s.replLog(t.root.Tx(), db)
		for _, k := range keys {
			enc, kind, _ := encodeKey(k)
			if kind != keyValid {
				res.Skipped = append(res.Skipped, k)
				continue
			}
			ok, err := t.deleteRecord(enc, log == nil)
			if err != nil {
				return err
			}
			if !ok {
				res.Skipped = append(res.Skipped, k)
				continue
			}
			if log != nil {
				if err := log.logDelete(t, enc); err != nil {
					return err
				}
			}
			res.Deleted = append(res.Deleted, k)
		}
		if len(res.Deleted) > 0 {
			t.meta.LastUpdated = s.nowMs()
		}
		return nil
	})
	if err != nil {
		return WriteResult{}, err
	}
	return res, nil
}

// deleteRecord removes one record and its index entry, and says whether
// the record existed. keep moves the key version the record carries to
// the version bucket (keepVersion); a caller that leaves a tombstone
// passes false.
func (t *tableTx) deleteRecord(key []byte, keep bool) (bool, error) {
	old := t.recs.Get(key)
	if old == nil {
		return false, nil
	}
	ct, err := valueCtime(old)
	if err != nil {
		return false, fmt.Errorf("table %s.%s: %w", t.db, t.name, err)
	}
	if keep {
		if err := t.keepVersion(key, old); err != nil {
			return false, err
		}
	}
	size := footprint(key, old)
	if err := t.recs.Delete(key); err != nil {
		return false, fmt.Errorf("table %s.%s: deleting: %w", t.db, t.name, err)
	}
	if err := t.ctime.Delete(indexKey(ct, key)); err != nil {
		return false, fmt.Errorf("table %s.%s: deleting index entry: %w", t.db, t.name, err)
	}
	t.meta.RecordCount--
	t.meta.Bytes -= size
	return true, nil
}

// write runs Insert, Update or Upsert in one write transaction.
func (s *Store) write(db, table string, op WriteOp, recs []map[string]any) (WriteResult, error) {
	var res WriteResult
	err := s.updateTable(db, table, func(t *tableTx) error {
		res = WriteResult{Op: op, Total: len(recs)}
		w := &writer{t: t, op: op, now: s.nowMs(), res: &res,
			seen: map[string]struct{}{}, attrs: map[string]struct{}{}, log: s.replLog(t.root.Tx(), db)}
		for _, rec := range recs {
			if err := w.apply(rec); err != nil {
				return err
			}
		}
		return w.finish()
	})
	if err != nil {
		return WriteResult{}, err
	}
	return res, nil
}

// writer applies the records of one Insert, Update or Upsert.
type writer struct {
	t     *tableTx
	op    WriteOp
	now   int64
	res   *WriteResult
	seen  map[string]struct{} // keys already handled in this call
	attrs map[string]struct{} // attribute names seen in this call
	wrote bool
	log   *txLog // the replication outbox, nil when off (repl.go)
	// ver is the key version the records written carry (the log's
	// recordVersion), nil when the writes are not logged.
	ver []byte
}

// apply writes (or skips) one record.
func (w *writer) apply(rec map[string]any) error {
	pk := w.t.meta.PrimaryKey
	keyVal := rec[pk]
	key, kind, err := encodeKey(keyVal)
	switch {
	case kind == keyInvalid:
		return err
	case kind == keyMissing && w.op == OpUpdate:
		return badRequest(ErrMsgUpdateNoHash)
	case kind == keyMissing:
		id := uuid.NewString()
		keyVal = id
		if key, _, err = encodeStringKey(id); err != nil {
			return err
		}
	}
	if _, dup := w.seen[string(key)]; dup && w.op == OpInsert {
		w.res.Skipped = append(w.res.Skipped, keyVal)
		return nil
	}
	w.seen[string(key)] = struct{}{}
	old := w.t.recs.Get(key)
	if old == nil && w.op == OpUpdate || old != nil && w.op == OpInsert {
		w.res.Skipped = append(w.res.Skipped, keyVal)
		return nil
	}
	if w.log != nil && w.ver == nil {
		w.ver = w.log.recordVersion()
	}
	var val []byte
	if old == nil {
		val, err = w.insert(key, keyVal, rec)
	} else {
		val, err = w.merge(key, old, rec)
	}
	if err == nil && w.log != nil {
		err = w.log.logRecord(w.t, key, val)
	}
	if err != nil {
		return err
	}
	for name := range rec {
		w.attrs[name] = struct{}{}
	}
	w.wrote = true
	switch w.op {
	case OpInsert:
		w.res.Inserted = append(w.res.Inserted, keyVal)
	case OpUpdate:
		w.res.Updated = append(w.res.Updated, keyVal)
	default:
		w.res.Upserted = append(w.res.Upserted, keyVal)
	}
	return nil
}

// storedTimeAttrs is the number of attributes the store adds to a record.
const storedTimeAttrs = 2

// insert stores a new record: a copy of rec with the key and both times
// set. It returns the stored value.
func (w *writer) insert(key []byte, keyVal any, rec map[string]any) ([]byte, error) {
	out := make(map[string]any, len(rec)+storedTimeAttrs+1)
	for k, v := range rec {
		out[k] = v
	}
	out[w.t.meta.PrimaryKey] = keyVal
	out[CreatedTimeAttr] = w.now
	out[UpdatedTimeAttr] = w.now
	val, err := encodeValueVer(w.now, w.ver, out, w.t.meta.PrimaryKey)
	if err != nil {
		return nil, err
	}
	if err := w.t.recs.Put(key, val); err != nil {
		return nil, fmt.Errorf("table %s.%s: writing record: %w", w.t.db, w.t.name, err)
	}
	if err := w.t.ctime.Put(indexKey(w.now, key), marker); err != nil {
		return nil, fmt.Errorf("table %s.%s: writing index entry: %w", w.t.db, w.t.name, err)
	}
	w.t.meta.RecordCount++
	w.t.meta.Bytes += footprint(key, val)
	return val, nil
}

// merge updates a stored record with rec's attributes, keeping its key and
// __createdtime__. It returns the stored value.
func (w *writer) merge(key, old []byte, rec map[string]any) ([]byte, error) {
	cur, err := decodeValue(old)
	if err != nil {
		return nil, fmt.Errorf("table %s.%s: %w", w.t.db, w.t.name, err)
	}
	ct, _ := valueCtime(old) // checked by decodeValue
	pk := w.t.meta.PrimaryKey
	for k, v := range rec {
		if k != pk && k != CreatedTimeAttr {
			cur[k] = v
		}
	}
	cur[UpdatedTimeAttr] = w.now
	val, err := encodeValueVer(ct, w.ver, cur, pk)
	if err != nil {
		return nil, err
	}
	if w.ver == nil && old[0] == valueVersionRepl {
		if err := w.t.keepVersion(key, old); err != nil {
			return nil, err
		}
	}
	oldLen := len(old)
	if err := w.t.recs.Put(key, val); err != nil {
		return nil, fmt.Errorf("table %s.%s: writing record: %w", w.t.db, w.t.name, err)
	}
	w.t.meta.Bytes += int64(len(val) - oldLen)
	return val, nil
}

// finish records new attribute names and the write time.
func (w *writer) finish() error {
	if !w.wrote {
		return nil
	}
	names := make([]string, 0, len(w.attrs))
	for name := range w.attrs {
		names = append(names, name)
	}
	w.t.meta.LastUpdated = w.now
	return w.t.addAttributes(names)
}
