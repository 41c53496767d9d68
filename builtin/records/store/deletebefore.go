package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"time"
)

// DeleteBefore deletes every record of the table whose __createdtime__ is
// strictly earlier than before. It walks only the created-time index: a
// read transaction counts the matches (total), then write transactions of
// Options.DeleteBatch records each delete them from the oldest on, so other
// writers get the database between batches. progress, if not nil, is called
// after each batch with the running count and the total. A cancelled ctx stops between
// batches; what was deleted stays deleted. deleted can be less than total
// if another caller deleted some of the records meanwhile.
func (s *Store) DeleteBefore(ctx context.Context, db, table string, before time.Time, progress func(deleted, total int)) (deleted, total int, err error) {
	cutoff := cutoffMs(before)
	err = s.viewTable(db, table, func(t *tableTx) error {
		c := t.ctime.Cursor()
		for k, _ := c.First(); k != nil && indexTime(k) < cutoff; k, _ = c.Next() {
			total++
		}
		return nil
	})
	if err != nil || total == 0 {
		return 0, total, err
	}
	for {
		if err := ctx.Err(); err != nil {
			return deleted, total, err
		}
		n, err := s.deleteBatch(db, table, cutoff)
		deleted += n
		if err != nil {
			return deleted, total, err
		}
		if n > 0 && progress != nil {
			progress(deleted, total)
		}
		if n < s.opts.DeleteBatch {
			return deleted, total, nil
		}
	}
}

// deleteBatch deletes up to Options.DeleteBatch of the oldest records
// created before cutoff in one write transaction, and returns how many.
func (s *Store) deleteBatch(db, table string, cutoff int64) (int, error) {
	n := 0
	err := s.updateTable(db, table, func(t *tableTx) error {
		n = 0
		var keys [][]byte
		c := t.ctime.Cursor()
		for k, _ := c.First(); k != nil && indexTime(k) < cutoff && len(keys) < s.opts.DeleteBatch; k, _ = c.Next() {
			keys = append(keys, bytes.Clone(k[ctimeLen:]))
		}
		for _, key := range keys {
			ok, err := t.deleteRecord(key, true)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("table %s.%s: index entry without a record", db, table)
			}
			n++
		}
		if n > 0 {
			t.meta.LastUpdated = s.nowMs()
		}
		return nil
	})
	return n, err
}

// indexTime is the created time at the front of an index key.
func indexTime(k []byte) int64 {
	return int64(binary.BigEndian.Uint64(k[:ctimeLen]))
}

// cutoffMs turns before into whole milliseconds such that a created time
// (whole ms) is strictly earlier than before exactly when it is < cutoffMs:
// the ceiling of before in ms.
func cutoffMs(before time.Time) int64 {
	ms := before.UnixMilli() // floor, also for times before 1970
	if before.After(time.UnixMilli(ms)) {
		ms++
	}
	return ms
}
