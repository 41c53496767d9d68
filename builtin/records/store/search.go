package store

import (
	"context"
	"errors"
	"slices"
)

// errStop ends a scan early without an error (a limit was reached).
var errStop = errors.New("stop")

// sortSlack is how many extra matches a sorted search with a limit
// buffers before sorting and trimming back to offset+limit: trimming
// every time would sort per record, never trimming would hold every match.
const sortSlack = 1024

// SearchByConditions calls fn with every record matching q. Without
// q.Sort it streams in primary key order and stops at q.Limit. With a sort
// the matches are buffered and sorted before fn is called (outside the read
// transaction): with a limit the buffer holds about offset+limit records,
// without one it holds every match. Invalid conditions are a 400 naming
// the parameter.
func (s *Store) SearchByConditions(ctx context.Context, db, table string, q Conditions, fn func(map[string]any) error) error {
	return searchConditions(q, func(visit func(map[string]any) error) error {
		return s.viewTable(db, table, func(t *tableTx) error { return t.scan(ctx, visit) })
	}, fn)
}

// searchConditions is SearchByConditions over any table: scan calls visit
// with every record in primary key order and returns what visit returns.
func searchConditions(q Conditions, scan func(visit func(map[string]any) error) error, fn func(map[string]any) error) error {
	pred, err := q.compile()
	if err != nil {
		return err
	}
	if q.Sort == nil {
		return searchStreaming(q, pred, scan, fn)
	}
	keep := q.Offset + q.Limit
	var buf []map[string]any
	order := func(a, b map[string]any) int { return compareRecords(a, b, q.Sort) }
	err = scan(func(rec map[string]any) error {
		if !pred(rec) {
			return nil
		}
		buf = append(buf, rec)
		if q.Limit > 0 && len(buf) >= keep+sortSlack {
			slices.SortStableFunc(buf, order)
			clear(buf[keep:])
			buf = buf[:keep]
		}
		return nil
	})
	if err != nil {
		return err
	}
	slices.SortStableFunc(buf, order)
	buf = page(buf, q.Offset, q.Limit)
	for _, rec := range buf {
		if err := fn(rec); err != nil {
			return err
		}
	}
	return nil
}

// searchStreaming is searchConditions without a sort.
func searchStreaming(q Conditions, pred predicate, scan func(visit func(map[string]any) error) error, fn func(map[string]any) error) error {
	skip, sent := q.Offset, 0
	err := scan(func(rec map[string]any) error {
		if !pred(rec) {
			return nil
		}
		if skip > 0 {
			skip--
			return nil
		}
		if err := fn(rec); err != nil {
			return err
		}
		if sent++; q.Limit > 0 && sent >= q.Limit {
			return errStop
		}
		return nil
	})
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

// page applies offset and limit (0 = none) to sorted results.
func page(recs []map[string]any, offset, limit int) []map[string]any {
	if offset >= len(recs) {
		return nil
	}
	recs = recs[offset:]
	if limit > 0 && limit < len(recs) {
		recs = recs[:limit]
	}
	return recs
}

// compareRecords orders two records by a sort chain; equal records keep
// their scan (primary key) order because the sort is stable.
func compareRecords(a, b map[string]any, s *Sort) int {
	for ; s != nil; s = s.Next {
		c := compareAny(a[s.Attribute], b[s.Attribute])
		if s.Descending {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return 0
}
