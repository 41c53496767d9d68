package store

import (
	"bytes"
	"fmt"
)

// dropBatch is how many records DropAttribute rewrites between two
// repositionings of its cursor: bbolt's cursor must not be trusted after a
// write, so the rewrites of a batch are collected, then written. A
// variable so tests can cross batches with few records.
var dropBatch = 10_000

// CreateAttribute adds attr to the table's attributes, as HarperDB's
// create_attribute: describe lists it and every record reads it as null
// until written. Success answers with fmt.Sprintf(MsgAttributeCreated, db,
// table, attr); an attribute the table has is a 400.
func (s *Store) CreateAttribute(db, table, attr string) error {
	if attr == "" {
		return badRequest(ErrMsgAttributeRequired)
	}
	return s.updateTable(db, table, func(t *tableTx) error {
		if t.attrs.Get([]byte(attr)) != nil {
			return badRequest(ErrMsgAttributeExists, attr, db, table)
		}
		if err := t.addAttributes([]string{attr}); err != nil {
			return err
		}
		if l := s.replLog(t.root.Tx(), db); l != nil {
			return l.logTable(ReplCreateAttr, t, table, attr)
		}
		return nil
	})
}

// DropAttribute removes attr from the table's attributes and from every
// stored record, in one transaction, as HarperDB's drop_attribute; the
// records keep their __updatedtime__. The primary key and the two
// timestamps cannot be dropped (400); an attribute the table does not have
// is dropped already (nil, as HarperDB 4.7.29 answers it with success).
// Success answers with fmt.Sprintf(MsgAttributeDropped, attr).
func (s *Store) DropAttribute(db, table, attr string) error {
	switch attr {
	case "":
		return badRequest(ErrMsgAttributeRequired)
	case CreatedTimeAttr, UpdatedTimeAttr:
		return badRequest(ErrMsgDropTimestamp, attr)
	}
	return s.updateTable(db, table, func(t *tableTx) error {
		if attr == t.meta.PrimaryKey {
			return badRequest(ErrMsgDropPrimaryKey)
		}
		if t.attrs.Get([]byte(attr)) == nil {
			return nil // nothing to drop; HarperDB answers success too
		}
		if err := t.attrs.Delete([]byte(attr)); err != nil {
			return fmt.Errorf("table %s.%s: dropping attribute: %w", db, table, err)
		}
		if l := s.replLog(t.root.Tx(), db); l != nil {
			if err := l.logTable(ReplDropAttr, t, table, attr); err != nil {
				return err
			}
		}
		return t.removeFromRecords(attr)
	})
}

// rewrite is one record DropAttribute writes back.
type rewrite struct {
	key, value []byte
	oldLen     int
}

// removeFromRecords deletes attr from every record that has it, batch by
// batch, keeping meta.Bytes exact.
func (t *tableTx) removeFromRecords(attr string) error {
	var next []byte // the first key of the next batch; nil: from the start
	for {
		batch, more, err := t.collectRewrites(attr, next)
		if err != nil {
			return err
		}
		for _, r := range batch {
			if err := t.recs.Put(r.key, r.value); err != nil {
				return fmt.Errorf("table %s.%s: rewriting a record: %w", t.db, t.name, err)
			}
			t.meta.Bytes += int64(len(r.value) - r.oldLen)
		}
		if more == nil {
			return nil
		}
		next = more
	}
}

// collectRewrites reads records from key from (or the first) and returns
// the rewrites of up to dropBatch records holding attr, and the key to go
// on from (nil at the end). Keys and values are copies: the cursor's point
// into pages the writes may change.
func (t *tableTx) collectRewrites(attr string, from []byte) ([]rewrite, []byte, error) {
	c := t.recs.Cursor()
	k, v := c.First()
	if from != nil {
		k, v = c.Seek(from)
	}
	var out []rewrite
	needle := plainNeedle(attr)
	for ; k != nil; k, v = c.Next() {
		if len(out) == dropBatch {
			return out, bytes.Clone(k), nil
		}
		if needle != nil && !bytes.Contains(v, needle) {
			continue
		}
		rec, err := decodeValue(v)
		if err != nil {
			return nil, nil, fmt.Errorf("table %s.%s: %w", t.db, t.name, err)
		}
		if _, ok := rec[attr]; !ok {
			continue
		}
		delete(rec, attr)
		hdr, err := valueHeader(v)
		if err != nil {
			return nil, nil, err
		}
		nv, err := encodeValueLike(hdr, rec, t.meta.PrimaryKey)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, rewrite{key: bytes.Clone(k), value: nv, oldLen: len(v)})
	}
	return out, nil, nil
}

// plainNeedle is attr as a quoted JSON string when its text cannot be
// escaped by any JSON encoder (letters, digits, '_', '-', '.', '$'), so a
// record whose stored text lacks it surely lacks the attribute; nil
// otherwise (every record is then decoded).
func plainNeedle(attr string) []byte {
	for _, c := range []byte(attr) {
		plain := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == '$'
		if !plain {
			return nil
		}
	}
	return []byte(`"` + attr + `"`)
}
