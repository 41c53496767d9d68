package sqlq

import (
	"context"
	"errors"
	"fmt"
	"maps"
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
// stops the run and is returned unchanged. emit must not modify the row:
// for SELECT * it is the map the Source handed over.
func (st *Statement) Run(ctx context.Context, src Source, emit func(row map[string]any) error) error {
	if st.sel == nil {
		return fmt.Errorf("sqlq: Run of a %s statement: use Matching", st.Kind)
	}
	if st.set != nil {
		return st.set.run(ctx, src, emit)
	}
	return st.sel.run(ctx, src, emit)
}

// run runs one compiled SELECT.
func (p *selectPlan) run(ctx context.Context, src Source, emit func(row map[string]any) error) error {
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
	if p.star && p.join != nil {
		row := starOf(c.rec, p.starAlias)
		for _, o := range p.outs {
			row[o.name] = o.op.eval(c)
		}
		return row
	}
	if p.star && len(p.outs) == 0 {
		return c.rec
	}
	row := make(map[string]any, len(p.outs))
	if p.star {
		row = maps.Clone(c.rec)
	}
	for _, o := range p.outs {
		row[o.name] = o.op.eval(c)
	}
	return row
}

// runStream emits rows as the source yields them.
func (p *selectPlan) runStream(ctx context.Context, src Source, emit func(map[string]any) error) error {
	pg := p.newPager()
	dd := p.newDeduper()
	var c rowCtx
	return p.where.read(ctx, src, p.table, func(rec map[string]any) error {
		c.rec = rec
		if p.having != nil && p.having.test(&c) != triTrue {
			return nil
		}
		var row map[string]any
		if dd != nil {
			if row = p.project(&c); dd.seen(row) {
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

// runSorted buffers the matching records, sorts them and emits a page;
// only the rows emitted are projected.
func (p *selectPlan) runSorted(ctx context.Context, src Source, emit func(map[string]any) error) error {
	s := p.newSorter()
	var c rowCtx
	err := p.where.read(ctx, src, p.table, func(rec map[string]any) error {
		c.rec = rec
		if p.having != nil && p.having.test(&c) != triTrue {
			return nil
		}
		s.add(&c, nil)
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
	dd := p.newDeduper()
	for i, r := range rows {
		if i%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		row := r.row
		if dd != nil {
			if row == nil {
				row = p.project(&rowCtx{rec: r.rec})
			}
			if dd.seen(row) {
				continue
			}
		}
		ok, done := pg.next()
		if ok {
			if row == nil {
				row = p.project(&rowCtx{rec: r.rec})
			}
			if err := emit(row); err != nil {
				return err
			}
		}
		if done {
			return nil
		}
	}
	return nil
}

// sortRow is a buffered output row and its ORDER BY values. row is nil
// when projecting could wait until the row is emitted: then rec is the
// record to project, and rows dropped by LIMIT are never projected.
type sortRow struct {
	row  map[string]any
	rec  map[string]any
	keys []any
	seq  int // read order, the last tie-break: the sort is stable
}

// sorter buffers rows for ORDER BY. With a LIMIT it keeps only the rows
// that can still reach the page.
type sorter struct {
	p    *selectPlan
	rows []sortRow
	seq  int
	keep int   // rows that can reach the page; noLimit for all
	slab []any // backing store for the rows' keys, filled a chunk at a time
	// worst is the last row kept by the latest compaction (when hasWorst):
	// a new row that sorts after it can never reach the page.
	worst    sortRow
	hasWorst bool
}

// keySlabRows is how many rows' sort keys one allocation holds: one
// allocation per this many rows instead of one per row.
const keySlabRows = 256

func (p *selectPlan) newSorter() *sorter {
	s := &sorter{p: p, keep: noLimit}
	if p.limit != noLimit && p.offset <= maxBoundedPage && p.limit <= maxBoundedPage {
		s.keep = int(p.offset + p.limit)
	}
	return s
}

// maxBoundedPage caps the OFFSET and LIMIT for which ORDER BY keeps a
// bounded buffer: past it the page is larger than any table we hold in
// memory anyway, and offset+limit must not overflow.
const maxBoundedPage = 1 << 30

// add buffers a row with its sort keys evaluated against c: row if it is
// already projected (a group's), else c.rec to project when emitted.
func (s *sorter) add(c *rowCtx, row map[string]any) {
	var keys []any
	if nk := len(s.p.order); nk > 0 {
		if len(s.slab)+nk > cap(s.slab) {
			s.slab = make([]any, 0, nk*keySlabRows)
		}
		keys = s.slab[len(s.slab) : len(s.slab)+nk : len(s.slab)+nk]
		s.slab = s.slab[:len(s.slab)+nk]
		for i, k := range s.p.order {
			keys[i] = k.op.eval(c)
		}
	}
	r := sortRow{row: row, rec: c.rec, keys: keys, seq: s.seq}
	s.seq++
	if s.hasWorst && s.compare(r, s.worst) > 0 {
		s.slab = s.slab[:len(s.slab)-len(keys)] // reuse the dropped row's keys
		return
	}
	s.rows = append(s.rows, r)
	if s.keep != noLimit && len(s.rows) >= 2*s.keep+compactSlack {
		s.sort()
		clear(s.rows[s.keep:])
		s.rows = s.rows[:s.keep]
		if s.keep > 0 {
			s.worst, s.hasWorst = s.rows[s.keep-1], true
		}
	}
}

// sorted returns the buffered rows in ORDER BY order.
func (s *sorter) sorted() []sortRow {
	s.sort()
	return s.rows
}

// sort orders rows by the ORDER BY terms; rows that tie keep the order
// they were read in (the read sequence breaks ties, which lets an unstable
// O(n log n) sort give a stable result). NULL (or missing) sorts first
// ascending and last descending; see orderValues for mixed kinds.
func (s *sorter) sort() {
	if len(s.p.order) == 0 {
		return
	}
	slices.SortFunc(s.rows, s.compare)
}

// compare orders two buffered rows by the ORDER BY terms, then by read
// order.
func (s *sorter) compare(a, b sortRow) int {
	for i, k := range s.p.order {
		if n := orderValues(a.keys[i], b.keys[i]); n != 0 {
			if k.desc {
				return -n
			}
			return n
		}
	}
	return compareInts(a.seq, b.seq)
}

// deduper remembers the output rows of a SELECT DISTINCT. Memory grows
// with the number of distinct rows.
type deduper struct {
	names []string // nil for a row holding a whole record (SELECT *)
	keys  map[string]struct{}
	buf   []byte
}

// newDeduper returns nil unless the SELECT is DISTINCT.
func (p *selectPlan) newDeduper() *deduper {
	if !p.distinct {
		return nil
	}
	d := &deduper{keys: map[string]struct{}{}}
	if !p.star {
		d.names = p.names
	}
	return d
}

// seen reports whether an equal row was seen before, remembering row.
func (d *deduper) seen(row map[string]any) bool {
	d.buf = d.buf[:0]
	if d.names == nil {
		d.buf = appendKey(d.buf, row) // objects key by their JSON text, keys sorted
	} else {
		for _, n := range d.names {
			d.buf = appendKey(d.buf, row[n])
		}
	}
	if _, ok := d.keys[string(d.buf)]; ok {
		return true
	}
	d.keys[string(d.buf)] = struct{}{}
	return false
}
