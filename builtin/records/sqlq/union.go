package sqlq

import (
	"context"
	"strings"

	"github.com/dolthub/vitess/go/vt/sqlparser"
)

// UNION, UNION ALL, INTERSECT and EXCEPT as HarperDB 4.7 runs them. Its
// SQL layer fetches the tables of the first SELECT's FROM and hands the
// rest to alasql, so a set operation answers only when no SELECT has a
// FROM (SELECT 1 AS x UNION SELECT 2 AS x); over tables it fails with
// MsgSearchProblem, and with MsgNoFrom when only a later SELECT has a
// FROM or the whole has an ORDER BY. hops answers those 400 with the same
// texts.
//
// alasql nests a chain to the right: A UNION B UNION C is A UNION (B
// UNION C), and a LIMIT written at the end belongs to C. Each step maps
// the right side's rows onto the left side's column names by position (as
// many columns as both have), then:
//   - UNION ALL: the left rows, then the right rows;
//   - UNION: the right rows, then each left row not equal to a row
//     already taken (so [1] UNION [2] is [2, 1]);
//   - INTERSECT: the left rows equal to some right row;
//   - EXCEPT: the left rows equal to no right row.
// Rows are equal when they have the same names with equal values, kinds
// included (1 is not '1').

// setKind is one set operator.
type setKind uint8

const (
	setUnionAll setKind = iota
	setUnion
	setIntersect
	setExcept
)

// setPlan is a chain of FROM-less SELECTs joined by set operators.
type setPlan struct {
	parts []*selectPlan
	ops   []setKind // ops[i] joins parts[i] and parts[i+1]
}

// compileSetOp compiles a UNION, INTERSECT or EXCEPT chain.
func compileSetOp(x *sqlparser.SetOp, opts Options) (*Statement, error) {
	var selects []*sqlparser.Select
	var ops []setKind
	var flatten func(s sqlparser.SelectStatement) error
	flatten = func(s sqlparser.SelectStatement) error {
		switch y := s.(type) {
		case *sqlparser.ParenSelect:
			return flatten(y.Select)
		case *sqlparser.Select:
			selects = append(selects, y)
			return nil
		case *sqlparser.SetOp:
			if y.With != nil || y.Into != nil || (y.Lock != nil && y.Lock.Type != "") {
				return notSupported("WITH, INTO or locking with " + strings.ToUpper(y.Type))
			}
			if len(y.OrderBy) > 0 {
				return badRequest(MsgNoFrom)
			}
			if err := flatten(y.Left); err != nil {
				return err
			}
			switch y.Type {
			case sqlparser.UnionAllStr:
				ops = append(ops, setUnionAll)
			case sqlparser.UnionStr, sqlparser.UnionDistinctStr:
				ops = append(ops, setUnion)
			case sqlparser.IntersectStr, sqlparser.IntersectDistinctStr:
				ops = append(ops, setIntersect)
			case sqlparser.ExceptStr, sqlparser.ExceptDistinctStr:
				ops = append(ops, setExcept)
			default:
				return notSupported(strings.ToUpper(y.Type))
			}
			return flatten(y.Right)
		}
		return notSupported("set operation over " + sqlparser.String(s))
	}
	if err := flatten(x); err != nil {
		return nil, err
	}
	if len(selects[0].From) > 0 {
		return nil, badRequest(MsgSearchProblem)
	}
	sp := &setPlan{ops: ops}
	for i, s := range selects {
		if i > 0 && len(s.From) > 0 {
			return nil, badRequest(MsgNoFrom)
		}
		if i == len(selects)-1 && x.Limit != nil && s.Limit == nil {
			s.Limit = x.Limit // alasql: the last SELECT's LIMIT
		}
		st, err := compileSelect(s, opts)
		if err != nil {
			return nil, err
		}
		sp.parts = append(sp.parts, st.sel)
	}
	first := sp.parts[0]
	return &Statement{Kind: Select, sel: first, set: sp, refs: first.refs.names}, nil
}

// run computes the chain's rows from the right, as alasql does, and
// emits them.
func (sp *setPlan) run(ctx context.Context, src Source, emit func(map[string]any) error) error {
	rowsOf := func(p *selectPlan) ([]map[string]any, error) {
		var rows []map[string]any
		err := p.run(ctx, src, func(row map[string]any) error {
			rows = append(rows, row)
			return nil
		})
		return rows, err
	}
	last := len(sp.parts) - 1
	acc, err := rowsOf(sp.parts[last])
	if err != nil {
		return err
	}
	for i := last - 1; i >= 0; i-- {
		left, err := rowsOf(sp.parts[i])
		if err != nil {
			return err
		}
		acc = combineSet(sp.ops[i], left, renameRows(acc, sp.parts[i+1].names, sp.parts[i].names))
	}
	for _, row := range acc {
		if err := emit(row); err != nil {
			return err
		}
	}
	return nil
}

// renameRows maps rows with the columns from onto the columns to, by
// position, as many as both have.
func renameRows(rows []map[string]any, from, to []string) []map[string]any {
	n := min(len(from), len(to))
	out := make([]map[string]any, len(rows))
	for i, r := range rows {
		m := make(map[string]any, n)
		for j := 0; j < n; j++ {
			m[to[j]] = r[from[j]]
		}
		out[i] = m
	}
	return out
}

// combineSet applies one set operator to the left rows and the right
// rows (already under the left's names).
func combineSet(op setKind, left, right []map[string]any) []map[string]any {
	has := func(rows []map[string]any, r map[string]any) bool {
		for _, x := range rows {
			if deepEqual(x, r) {
				return true
			}
		}
		return false
	}
	var out []map[string]any
	switch op {
	case setUnionAll:
		out = append(left, right...)
	case setUnion:
		out = right
		for _, r := range left {
			if !has(out, r) {
				out = append(out, r)
			}
		}
	case setIntersect:
		for _, r := range left {
			if has(right, r) {
				out = append(out, r)
			}
		}
	case setExcept:
		for _, r := range left {
			if !has(right, r) {
				out = append(out, r)
			}
		}
	}
	return out
}

// deepEqual is alasql's row equality: the same keys with equal values;
// a number equals only a number, a string only a string.
func deepEqual(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !deepEqual(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !deepEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	ka, fa := classify(a)
	kb, fb := classify(b)
	if ka != kb {
		return false
	}
	switch ka {
	case kindNull:
		return true
	case kindNumber:
		return fa == fb
	case kindString:
		return a.(string) == b.(string)
	case kindBool:
		return a.(bool) == b.(bool)
	}
	return false
}
