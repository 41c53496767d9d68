package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// errStop ends a scan early without an error (a limit was reached).
var errStop = errors.New("stop")

// sortSlack is how many extra matches an ordered search with a limit
// buffers before sorting and trimming back to offset+limit: trimming
// every time would sort per record, never trimming would hold every match.
const sortSlack = 1024

// Page orders and cuts a search's answer, as search_by_value and
// search_by_conditions take it.
type Page struct {
	// Limit caps the number of records returned; 0 means no limit.
	Limit int
	// Offset skips that many matching records first.
	Offset int
	// Reverse returns the records in the opposite order.
	Reverse bool
	// Sort orders the records; without it they come in the order of the
	// search's index (see SearchByConditions).
	Sort *Sort
}

// validate refuses a negative limit or offset and a sort level without
// its attribute.
func (p Page) validate() error {
	if p.Limit < 0 {
		return badRequest(ErrMsgNegative, paramLimit)
	}
	if p.Offset < 0 {
		return badRequest(ErrMsgNegative, paramOffset)
	}
	for s := p.Sort; s != nil; s = s.Next {
		if s.Attribute == "" {
			return badRequest(ErrMsgSortAttribute)
		}
	}
	return nil
}

// plan is a search ready to run: which records match, in what order, and
// which of them to return.
type plan struct {
	pred predicate
	// order places the matches when there is no sort (see
	// Conditions.order), the primary key breaking ties; nil is primary
	// key order.
	order orderFn
	page  Page
}

// SearchByConditions calls fn with every record matching q, in HarperDB's
// order: with q.Sort by the sort chain then primary key; without, by the
// value of the first condition's attribute (its index, in HarperDB) then
// primary key, which is primary key order when that attribute is the
// primary key or there are no conditions. Reverse turns the order round;
// Offset and Limit then cut it. Primary key order streams and stops at the
// limit; any other order buffers the matches (about offset+limit of them
// with a limit; without one every match, as its value and key only when
// there is no sort). Invalid conditions are a 400 naming the parameter.
func (s *Store) SearchByConditions(ctx context.Context, db, table string, q Conditions, fn func(map[string]any) error) error {
	pred, err := q.compile()
	if err != nil {
		return err
	}
	return s.viewTable(db, table, func(t *tableTx) error {
		return t.run(ctx, plan{pred: pred, order: q.order(t.meta.PrimaryKey), page: q.page()}, fn)
	})
}

// run executes p over t's records and calls fn with the answer, inside
// t's read transaction.
func (t *tableTx) run(ctx context.Context, p plan, fn func(map[string]any) error) error {
	scan := func(reverse bool, visit func(key []byte, rec map[string]any) error) error {
		return t.scanKeyed(ctx, reverse, visit)
	}
	fetch := func(key []byte) (map[string]any, error) {
		v := t.recs.Get(key)
		if v == nil {
			return nil, fmt.Errorf("table %s.%s: record vanished during a read", t.db, t.name)
		}
		rec, err := decodeValue(v)
		if err != nil {
			return nil, fmt.Errorf("table %s.%s: %w", t.db, t.name, err)
		}
		return rec, nil
	}
	return execute(p, scan, fetch, fn)
}

// scanKeyed walks t's records in key order (or reversed), decoded, with
// their stored keys (valid for the transaction).
func (t *tableTx) scanKeyed(ctx context.Context, reverse bool, fn func(key []byte, rec map[string]any) error) error {
	c := t.recs.Cursor()
	first, next := c.First, c.Next
	if reverse {
		first, next = c.Last, c.Prev
	}
	n := 0
	for k, v := first(); k != nil; k, v = next() {
		if n%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		n++
		rec, err := decodeValue(v)
		if err != nil {
			return fmt.Errorf("table %s.%s: %w", t.db, t.name, err)
		}
		if err := fn(k, rec); err != nil {
			return err
		}
	}
	return nil
}

// execute runs p over any table. scan walks the records in primary key
// order (reversed when asked) with a key fetch can read back, or a nil
// key when fetch is nil (every match is then kept whole).
func execute(p plan, scan func(reverse bool, visit func(key []byte, rec map[string]any) error) error,
	fetch func(key []byte) (map[string]any, error), fn func(map[string]any) error) error {
	if p.page.Sort == nil && p.order == nil {
		return executeStreaming(p, scan, fn)
	}
	return executeOrdered(p, scan, fetch, fn)
}

// executeStreaming answers in primary key order as the scan reads.
func executeStreaming(p plan, scan func(reverse bool, visit func(key []byte, rec map[string]any) error) error, fn func(map[string]any) error) error {
	skip, sent := p.page.Offset, 0
	err := scan(p.page.Reverse, func(_ []byte, rec map[string]any) error {
		if p.pred != nil && !p.pred(rec) {
			return nil
		}
		if skip > 0 {
			skip--
			return nil
		}
		if err := fn(rec); err != nil {
			return err
		}
		if sent++; p.page.Limit > 0 && sent >= p.page.Limit {
			return errStop
		}
		return nil
	})
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

// match is one buffered match of an ordered search: seq is its position
// in the primary key scan (the last tie-break), branch and val its place
// by plan.order, and either rec or key (to fetch it again) is set.
type match struct {
	seq    int
	branch int
	val    any
	key    []byte
	rec    map[string]any
}

// executeOrdered buffers the matches, sorts them and answers the page.
func executeOrdered(p plan, scan func(reverse bool, visit func(key []byte, rec map[string]any) error) error,
	fetch func(key []byte) (map[string]any, error), fn func(map[string]any) error) error {
	order := func(a, b match) int {
		var c int
		if p.page.Sort != nil {
			c = compareRecords(a.rec, b.rec, p.page.Sort)
		} else if c = a.branch - b.branch; c == 0 {
			c = compareAny(a.val, b.val)
		}
		if c == 0 {
			c = a.seq - b.seq
		}
		if p.page.Reverse {
			return -c
		}
		return c
	}
	limited := p.page.Limit > 0
	keep := p.page.Offset + p.page.Limit
	// Whole records are kept when the sort needs them, when the buffer is
	// bounded anyway, or when they cannot be fetched again.
	whole := p.page.Sort != nil || limited || fetch == nil
	var buf []match
	seq := 0
	err := scan(false, func(key []byte, rec map[string]any) error {
		seq++
		if p.pred != nil && !p.pred(rec) {
			return nil
		}
		m := match{seq: seq}
		if p.page.Sort == nil {
			m.branch, m.val = p.order(rec)
		}
		if whole {
			m.rec = rec
		} else {
			m.key = key
		}
		buf = append(buf, m)
		if limited && len(buf) >= keep+sortSlack {
			slices.SortFunc(buf, order)
			clear(buf[keep:])
			buf = buf[:keep]
		}
		return nil
	})
	if err != nil {
		return err
	}
	slices.SortFunc(buf, order)
	for _, m := range pageOf(buf, p.page.Offset, p.page.Limit) {
		rec := m.rec
		if rec == nil {
			if rec, err = fetch(m.key); err != nil {
				return err
			}
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
	return nil
}

// pageOf applies offset and limit (0 = none) to sorted matches.
func pageOf[T any](items []T, offset, limit int) []T {
	if offset >= len(items) {
		return nil
	}
	items = items[offset:]
	if limit > 0 && limit < len(items) {
		items = items[:limit]
	}
	return items
}

// compareRecords orders two records by a sort chain; records equal on
// every level are left to the caller's tie-break (primary key order).
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
