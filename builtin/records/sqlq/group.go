package sqlq

import (
	"context"
)

// group is one GROUP BY group: its first record (which answers columns
// that are not aggregated) and one accumulator per aggregate.
type group struct {
	rep  map[string]any
	accs []accumulator
}

// runGrouped folds the matching records into groups, then emits one row
// per group. Memory grows with the number of groups, not of records.
func (p *selectPlan) runGrouped(ctx context.Context, src Source, emit func(map[string]any) error) error {
	var (
		index  = map[string]*group{}
		groups []*group
		keyBuf []byte
		c      rowCtx
	)
	err := p.where.read(ctx, src, p.table, func(rec map[string]any) error {
		c.rec = rec
		keyBuf = keyBuf[:0]
		for _, op := range p.groupBy {
			keyBuf = appendKey(keyBuf, op.eval(&c))
		}
		g := index[string(keyBuf)]
		if g == nil {
			g = &group{rep: rec, accs: make([]accumulator, len(p.aggs.specs))}
			index[string(keyBuf)] = g
			groups = append(groups, g)
		}
		for i := range p.aggs.specs {
			g.accs[i].add(&p.aggs.specs[i], &c)
		}
		return nil
	})
	if err != nil {
		return err
	}
	noRows := len(groups) == 0 && len(p.groupBy) == 0
	if noRows {
		// An aggregate over no rows still answers one row: COUNT and SUM
		// 0 (HarperDB 4.7.29 answers {"SUM(v)":0} there), others NULL.
		groups = append(groups, &group{rep: map[string]any{}, accs: make([]accumulator, len(p.aggs.specs))})
	}
	s := p.newSorter()
	for _, g := range groups {
		c := rowCtx{rec: g.rep, aggs: make([]any, len(g.accs))}
		for i := range g.accs {
			c.aggs[i] = g.accs[i].result(&p.aggs.specs[i])
			if noRows && p.aggs.specs[i].fn == aggSum {
				c.aggs[i] = float64(0)
			}
		}
		if p.having != nil && p.having.test(&c) != triTrue {
			continue
		}
		s.add(&c, p.project(&c))
	}
	return p.emitBuffered(ctx, s.sorted(), emit)
}
