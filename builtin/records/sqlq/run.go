package sqlq

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// ctxCheckEvery is how many buffered rows are emitted between two checks
// of the context: often enough to stop within a millisecond, rarely enough
// to cost nothing.
const ctxCheckEvery = 1024

// compactSlack is how many rows past twice the OFFSET+LIMIT an ORDER BY
// buffers before it sorts and drops the rows that can no longer make the
// page, so a small LIMIT does not re-sort every few rows yet memory stays
// bounded by the page, not the table.
const compactSlack = 1024

// Run runs a SELECT, calling emit with each output row in order. Without
// ORDER BY, GROUP BY or aggregates rows stream: each is emitted as it is
// read, and memory stays flat however large the table. Otherwise rows (or
// groups) are buffered first. For SELECT * the row is the record itself,
// holding every attribute it has; for a column list it has exactly the
// listed names (a missing attribute is nil). An error from src or emit
// stops the run and is returned unchanged.
func (st *Statement) Run(ctx context.Context, src Source, emit func(row map[string]any) error) error {
	if st.sel == nil {
		return fmt.Errorf("sqlq: Run of a %s statement: use Matching", st.Kind)
	}
	p := st.sel
	var err error
	switch {
	case p.grouped:
		err = p.runGrouped(ctx, src, emit)
	case len(p.order) > 0:
		err = p.runSorted(ctx, src, emit)
	default:
		err = p.runStream(ctx, src, emit)
	}
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

// pager applies OFFSET and LIMIT to rows in output order.
type pager struct {
	skip, left int64 // left is noLimit for no limit
}

func (p *selectPlan) newPager() *pager { return &pager{skip: p.offset, left: p.limit} }

// next says whether to emit the next row, and whether no row after it
// can be emitted.
func (pg *pager) next() (emit, done bool) {
	switch {
	case pg.left == 0:
		return false, true
	case pg.skip > 0:
		pg.skip--
		return false, false
	case pg.left > 0:
		pg.left--
		return true, pg.left == 0
	}
	return true, false
}

// project builds the output row for c.
func (p *selectPlan) project(c *rowCtx) map[string]any {
	if p.star {
		return c.rec
	}
	row := make(map[string]any, len(p.outs))
	for _, o := range p.outs {
		row[o.name] = o.op.eval(c)
	}
	return row
}

// runStream emits rows as the source yields them.
func (p *selectPlan) runStream(ctx context.Context, src Source, emit func(map[string]any) error) error {
	pg := p.newPager()
	var c rowCtx
	return p.where.read(ctx, src, p.table, func(rec map[string]any) error {
		c.rec, c.out = rec, nil
		var row map[string]any
		if p.having != nil {
			row = p.project(&c)
			c.out = row
			if p.having.test(&c) != triTrue {
				return nil
			}
		}
		ok, done := pg.next()
		if ok {
			if row == nil {
				row = p.project(&c)
			}
			if err := emit(row); err != nil {
				return err
			}
		}
		if done {
			return errStop
		}
		return nil
	})
}

// runSorted buffers the matching rows, sorts them and emits a page.
func (p *selectPlan) runSorted(ctx context.Context, src Source, emit func(map[string]any) error) error {
	s := p.newSorter()
	var c rowCtx
	err := p.where.read(ctx, src, p.table, func(rec map[string]any) error {
		c.rec = rec
		c.out = p.project(&c)
		if p.having != nil && p.having.test(&c) != triTrue {
			return nil
		}
		s.add(&c)
		return nil
	})
	if err != nil {
		return err
	}
	return p.emitBuffered(ctx, s.sorted(), emit)
}

// emitBuffered emits a page of buffered rows.
func (p *selectPlan) emitBuffered(ctx context.Context, rows []sortRow, emit func(map[string]any) error) error {
	pg := p.newPager()
	for i, r := range rows {
		if i%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		ok, done := pg.next()
		if ok {
			if err := emit(r.row); err != nil {
				return err
			}
		}
		if done {
			return nil
		}
	}
	return nil
}

// sortRow is a buffered output row and its ORDER BY values.
type sortRow struct {
	row  map[string]any
	keys []any
}

// sorter buffers rows for ORDER BY. With a LIMIT it keeps only the rows
// that can still reach the page.
type sorter struct {
	p    *selectPlan
	rows []sortRow
	keep int // rows that can reach the page; noLimit for all
}

func (p *selectPlan) newSorter() *sorter {
	s := &sorter{p: p, keep: noLimit}
	if p.limit != noLimit {
		s.keep = int(p.offset + p.limit)
	}
	return s
}

// add buffers c.out with its sort keys evaluated against c.
func (s *sorter) add(c *rowCtx) {
	var keys []any
	if len(s.p.order) > 0 {
		keys = make([]any, len(s.p.order))
		for i, k := range s.p.order {
			keys[i] = k.op.eval(c)
		}
	}
	s.rows = append(s.rows, sortRow{row: c.out, keys: keys})
	if s.keep != noLimit && len(s.rows) >= 2*s.keep+compactSlack {
		s.sort()
		clear(s.rows[s.keep:])
		s.rows = s.rows[:s.keep]
	}
}

// sorted returns the buffered rows in ORDER BY order.
func (s *sorter) sorted() []sortRow {
	s.sort()
	return s.rows
}

// sort orders rows by the ORDER BY terms, stably: rows that tie keep the
// order they were read in. NULL (or missing) sorts first ascending and
// last descending; see orderValues for mixed kinds.
func (s *sorter) sort() {
	if len(s.p.order) == 0 {
		return
	}
	slices.SortStableFunc(s.rows, func(a, b sortRow) int {
		for i, k := range s.p.order {
			if n := orderValues(a.keys[i], b.keys[i]); n != 0 {
				if k.desc {
					return -n
				}
				return n
			}
		}
		return 0
	})
}
