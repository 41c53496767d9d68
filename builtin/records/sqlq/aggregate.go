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
	aggArray         // ARRAY(x): the group's values as an array
	aggDistinctArray // DISTINCT_ARRAY(x): each value once
	aggGroupConcat   // GROUP_CONCAT(x): the values as text joined by ","
)

// aggFuncs maps lower-cased function names to aggregates.
var aggFuncs = map[string]aggFunc{
	"count": aggCount, "sum": aggSum, "avg": aggAvg, "min": aggMin, "max": aggMax,
	"array": aggArray, "distinct_array": aggDistinctArray, "group_concat": aggGroupConcat,
}

// aggSpec is one aggregate of a query: COUNT(*) has star set and no arg.
type aggSpec struct {
	fn       aggFunc
	star     bool
	distinct bool
	arg      operand
	sep      string // GROUP_CONCAT's separator
}

// aggList collects a query's aggregates; the same call written twice
// (in the select list and in ORDER BY, say) is computed once.
type aggList struct {
	specs []aggSpec
	index map[string]int
}

func newAggList() *aggList { return &aggList{index: map[string]int{}} }

// compileFunc compiles a function call: a scalar function of
// scalarFuncs anywhere, an aggregate where sc allows one, else a 400.
func compileFunc(x *sqlparser.FuncExpr, sc *scope) (operand, error) {
	written := strings.TrimPrefix(x.Name.String(), fnPrefix)
	name := strings.ToLower(written)
	fn, isAgg := aggFuncs[name]
	if sf, ok := scalarFuncs[name]; ok && x.Qualifier.IsEmpty() && !isAgg {
		if x.Over != nil {
			return nil, notSupported("window functions")
		}
		return compileScalar(name, sf, x, sc)
	}
	switch {
	case !x.Qualifier.IsEmpty() || !isAgg:
		return nil, notSupported("function " + strings.ToUpper(name) + "()")
	case x.Over != nil:
		return nil, notSupported("window functions")
	case sc.aggs == nil:
		return nil, badRequest(MsgAggregateInWhere, unprefix(sqlparser.String(x)))
	case len(x.Exprs) != 1:
		return nil, notSupported(strings.ToUpper(name) + " with other than one argument")
	}
	spec := aggSpec{fn: fn, distinct: x.Distinct, sep: ","}
	if fn == aggDistinctArray {
		spec.distinct = true
	}
	switch arg := x.Exprs[0].(type) {
	case *sqlparser.StarExpr:
		if fn != aggCount || x.Distinct {
			return nil, notSupported(strings.ToUpper(name) + "(*)")
		}
		spec.star = true
	case *sqlparser.AliasedExpr:
		op, err := compileAggArg(arg.Expr, sc)
		if err != nil {
			return nil, err
		}
		spec.arg = op
	default:
		return nil, notSupported("expression " + sqlparser.String(x))
	}
	return sc.aggs.add(sc, strings.ToLower(sqlparser.String(x)), spec), nil
}

// compileAggArg compiles an aggregate's argument, where no aggregate may
// nest.
func compileAggArg(e sqlparser.Expr, sc *scope) (operand, error) {
	inner := &scope{table: sc.table, alias: sc.alias, refs: sc.refs, join: sc.join}
	return compileOperand(e, inner)
}

// add returns the reference to the aggregate key names, adding spec when
// it is new.
func (l *aggList) add(sc *scope, key string, spec aggSpec) operand {
	sc.usedAgg = true
	if i, ok := l.index[key]; ok {
		return aggRef(i)
	}
	l.specs = append(l.specs, spec)
	i := len(l.specs) - 1
	l.index[key] = i
	return aggRef(i)
}

// compileGroupConcat compiles MySQL's GROUP_CONCAT([DISTINCT] x [SEPARATOR
// s]), which the grammar reads apart from other calls.
func compileGroupConcat(x *sqlparser.GroupConcatExpr, sc *scope) (operand, error) {
	switch {
	case sc.aggs == nil:
		return nil, badRequest(MsgAggregateInWhere, sqlparser.String(x))
	case len(x.Exprs) != 1 || len(x.OrderBy) > 0:
		return nil, notSupported("GROUP_CONCAT with other than one argument, or with ORDER BY")
	}
	ae, ok := x.Exprs[0].(*sqlparser.AliasedExpr)
	if !ok {
		return nil, notSupported("GROUP_CONCAT(*)")
	}
	op, err := compileAggArg(ae.Expr, sc)
	if err != nil {
		return nil, err
	}
	spec := aggSpec{fn: aggGroupConcat, distinct: x.Distinct != "", arg: op, sep: ","}
	if !x.Separator.DefaultSeparator {
		spec.sep = x.Separator.SeparatorString
	}
	return sc.aggs.add(sc, strings.ToLower(sqlparser.String(x)), spec), nil
}

// accumulator folds one aggregate over a group's records. NULLs are
// skipped (COUNT(*) counts rows); SUM and AVG add only numbers.
type accumulator struct {
	count int64
	sum   float64
	best  any
	list  []any
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
	case aggArray, aggDistinctArray, aggGroupConcat:
		a.list = append(a.list, v)
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
	case aggArray, aggDistinctArray:
		if a.list == nil {
			return []any{}
		}
		return a.list
	case aggGroupConcat:
		if len(a.list) == 0 {
			return nil
		}
		parts := make([]string, len(a.list))
		for i, v := range a.list {
			parts[i] = jsString(v)
		}
		return strings.Join(parts, spec.sep)
	}
	return a.best
}
