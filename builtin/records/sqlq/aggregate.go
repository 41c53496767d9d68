package sqlq

import (
	"strings"

	"github.com/dolthub/vitess/go/vt/sqlparser"
)

// aggFunc is one of the aggregate functions this package runs.
type aggFunc uint8

const (
	aggCount aggFunc = iota
	aggSum
	aggAvg
	aggMin
	aggMax
)

// aggFuncs maps lower-cased function names to aggregates.
var aggFuncs = map[string]aggFunc{
	"count": aggCount, "sum": aggSum, "avg": aggAvg, "min": aggMin, "max": aggMax,
}

// aggSpec is one aggregate of a query: COUNT(*) has star set and no arg.
type aggSpec struct {
	fn       aggFunc
	star     bool
	distinct bool
	arg      operand
}

// aggList collects a query's aggregates; the same call written twice
// (in the select list and in ORDER BY, say) is computed once.
type aggList struct {
	specs []aggSpec
	index map[string]int
}

func newAggList() *aggList { return &aggList{index: map[string]int{}} }

// compileFunc compiles a function call: an aggregate where sc allows one,
// else a 400.
func compileFunc(x *sqlparser.FuncExpr, sc *scope) (operand, error) {
	name := strings.ToLower(x.Name.String())
	fn, isAgg := aggFuncs[name]
	switch {
	case !x.Qualifier.IsEmpty() || !isAgg:
		return nil, notSupported("function " + strings.ToUpper(name) + "()")
	case x.Over != nil:
		return nil, notSupported("window functions")
	case sc.aggs == nil:
		return nil, badRequest(MsgAggregateInWhere, sqlparser.String(x))
	case len(x.Exprs) != 1:
		return nil, notSupported(strings.ToUpper(name) + " with other than one argument")
	}
	key := strings.ToLower(sqlparser.String(x))
	if i, ok := sc.aggs.index[key]; ok {
		sc.usedAgg = true
		return aggRef(i), nil
	}
	spec := aggSpec{fn: fn, distinct: x.Distinct}
	switch arg := x.Exprs[0].(type) {
	case *sqlparser.StarExpr:
		if fn != aggCount || x.Distinct {
			return nil, notSupported(strings.ToUpper(name) + "(*)")
		}
		spec.star = true
	case *sqlparser.AliasedExpr:
		inner := &scope{table: sc.table, alias: sc.alias, refs: sc.refs} // no nested aggregates
		op, err := compileOperand(arg.Expr, inner)
		if err != nil {
			return nil, err
		}
		spec.arg = op
	default:
		return nil, notSupported("expression " + sqlparser.String(x))
	}
	sc.aggs.specs = append(sc.aggs.specs, spec)
	i := len(sc.aggs.specs) - 1
	sc.aggs.index[key] = i
	sc.usedAgg = true
	return aggRef(i), nil
}

// accumulator folds one aggregate over a group's records. NULLs are
// skipped (COUNT(*) counts rows); SUM and AVG add only numbers.
type accumulator struct {
	count int64
	sum   float64
	best  any
	seen  map[string]struct{}
	buf   []byte
}

func (a *accumulator) add(spec *aggSpec, c *rowCtx) {
	if spec.star {
		a.count++
		return
	}
	v := spec.arg.eval(c)
	k, f := classify(v)
	if k == kindNull {
		return
	}
	if spec.distinct {
		a.buf = appendKey(a.buf[:0], v)
		if _, dup := a.seen[string(a.buf)]; dup {
			return
		}
		if a.seen == nil {
			a.seen = map[string]struct{}{}
		}
		a.seen[string(a.buf)] = struct{}{}
	}
	switch spec.fn {
	case aggCount:
		a.count++
	case aggSum, aggAvg:
		if k == kindNumber {
			a.sum += f
			a.count++
		}
	case aggMin:
		if a.best == nil || orderValues(v, a.best) < 0 {
			a.best = v
		}
	case aggMax:
		if a.best == nil || orderValues(v, a.best) > 0 {
			a.best = v
		}
	}
}

// result is the aggregate's value: COUNT an int64, SUM and AVG a float64
// (NULL over no numbers), MIN and MAX the record's own value.
func (a *accumulator) result(spec *aggSpec) any {
	switch spec.fn {
	case aggCount:
		return a.count
	case aggSum:
		if a.count == 0 {
			return nil
		}
		return a.sum
	case aggAvg:
		if a.count == 0 {
			return nil
		}
		return a.sum / float64(a.count)
	}
	return a.best
}
