package sqlq

import (
	"context"

	"github.com/dolthub/vitess/go/vt/sqlparser"
)

// filter is a compiled WHERE plus the key lookups it allows.
type filter struct {
	cond cond      // nil: every record passes
	keys []keyCand // primary-key candidates among the top-level ANDs
	join *joinPlan // set: the rows are the join's, never read by key
}

// keyCand is a top-level `column = constant` or `column IN (constants)`
// of a WHERE. If column is the table's primary key, the records to read
// are exactly those keys: Source.Get replaces a full Scan.
type keyCand struct {
	column string
	keys   []any // float64 or string, without duplicates
}

// compileWhere compiles w (nil for no WHERE) in sc, which must not allow
// aggregates.
func compileWhere(w *sqlparser.Where, sc *scope) (*filter, error) {
	f := &filter{}
	if w == nil || w.Expr == nil {
		return f, nil
	}
	c, err := compileCond(w.Expr, sc)
	if err != nil {
		return nil, err
	}
	f.cond = c
	if sc.join == nil {
		f.keys = keyCandidates(w.Expr, sc)
	}
	return f, nil
}

// keyCandidates finds the key lookups among e's top-level AND terms.
// Any record the WHERE accepts satisfies each of them, so reading only a
// candidate's keys (and still testing the whole WHERE) loses nothing.
func keyCandidates(e sqlparser.Expr, sc *scope) []keyCand {
	switch x := e.(type) {
	case *sqlparser.ParenExpr:
		return keyCandidates(x.Expr, sc)
	case *sqlparser.AndExpr:
		return append(keyCandidates(x.Left, sc), keyCandidates(x.Right, sc)...)
	case *sqlparser.ComparisonExpr:
		switch x.Operator {
		case sqlparser.EqualStr:
			if kc, ok := equalityCandidate(x.Left, x.Right, sc); ok {
				return []keyCand{kc}
			}
			if kc, ok := equalityCandidate(x.Right, x.Left, sc); ok {
				return []keyCand{kc}
			}
		case sqlparser.InStr:
			if tuple, ok := x.Right.(sqlparser.ValTuple); ok {
				return inCandidate(x.Left, tuple, sc)
			}
		}
	}
	return nil
}

func equalityCandidate(colExpr, valExpr sqlparser.Expr, sc *scope) (keyCand, bool) {
	col, ok := columnOf(colExpr, sc)
	if !ok {
		return keyCand{}, false
	}
	v, ok := constantOf(valExpr, sc)
	if !ok {
		return keyCand{}, false
	}
	return keyCand{column: col, keys: keyList([]any{v})}, true
}

func inCandidate(colExpr sqlparser.Expr, tuple sqlparser.ValTuple, sc *scope) []keyCand {
	col, ok := columnOf(colExpr, sc)
	if !ok {
		return nil
	}
	vals := make([]any, 0, len(tuple))
	for _, item := range tuple {
		v, ok := constantOf(item, sc)
		if !ok {
			return nil
		}
		vals = append(vals, v)
	}
	return []keyCand{{column: col, keys: keyList(vals)}}
}

// columnOf returns the attribute e names, if e is a plain column.
func columnOf(e sqlparser.Expr, sc *scope) (string, bool) {
	op, err := compileOperand(e, sc)
	if err != nil {
		return "", false
	}
	col, ok := op.(colRef)
	return string(col), ok
}

// constantOf returns e's value, if e is a constant.
func constantOf(e sqlparser.Expr, sc *scope) (any, bool) {
	op, err := compileOperand(e, sc)
	if err != nil {
		return nil, false
	}
	lit, ok := op.(literal)
	return lit.v, ok
}

// keyList keeps the values that can be primary keys (numbers and
// strings; NULL or a boolean never equals a key), once each, in order,
// each string that holds a number also as that number.
func keyList(vals []any) []any {
	keys := make([]any, 0, len(vals))
	seen := make(map[string]bool, len(vals))
	var buf []byte
	var forms []any
	for _, v := range vals {
		k, _ := classify(v)
		if k != kindNumber && k != kindString {
			continue
		}
		// A quoted number also finds a numeric key, as WHERE compares them.
		forms = append(forms[:0], v)
		if k == kindString {
			if n, ok := numericString(v.(string)); ok {
				forms = append(forms, n)
			}
		}
		for _, v := range forms {
			buf = appendKey(buf[:0], v)
			if seen[string(buf)] {
				continue
			}
			seen[string(buf)] = true
			keys = append(keys, v)
		}
	}
	return keys
}

// read calls fn with each record of t that passes the filter, reading by
// key when a candidate names the primary key, else scanning. Errors from
// src and fn are returned unchanged.
func (f *filter) read(ctx context.Context, src Source, t TableRef, fn func(rec map[string]any) error) error {
	pass := fn
	if f.cond != nil {
		var c rowCtx
		pass = func(rec map[string]any) error {
			c.rec = rec
			if f.cond.test(&c) != triTrue {
				return nil
			}
			return fn(rec)
		}
	}
	if f.join != nil {
		return f.join.run(ctx, src, pass)
	}
	if t.Table == "" {
		return pass(map[string]any{}) // SELECT without FROM: one empty row
	}
	if len(f.keys) > 0 {
		pk, err := src.PrimaryKey(t.DB, t.Table)
		if err != nil {
			return err
		}
		var best *keyCand
		for i := range f.keys {
			if f.keys[i].column == pk && (best == nil || len(f.keys[i].keys) < len(best.keys)) {
				best = &f.keys[i]
			}
		}
		if best != nil {
			return src.Get(ctx, t.DB, t.Table, best.keys, pass)
		}
	}
	return src.Scan(ctx, t.DB, t.Table, pass)
}
