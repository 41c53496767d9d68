package sqlq

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dolthub/vitess/go/vt/sqlparser"
)

// scope is what names mean where an expression is compiled.
type scope struct {
	table TableRef
	alias string // the FROM alias, "" if none
	// outNames maps output column names to their expressions; set for
	// ORDER BY and HAVING, where an alias names an output column. nil
	// elsewhere.
	outNames map[string]operand
	// aggs collects aggregate functions; nil where they are not allowed
	// (WHERE, GROUP BY, inside another aggregate).
	aggs *aggList
	// usedAgg is set when an aggregate was compiled in this scope.
	usedAgg bool
	// refs collects the attributes the statement reads; shared by every
	// scope of one statement.
	refs *attrRefs
	// join is the FROM's joins; nil for one table (or none).
	join *joinPlan
}

// attrRefs are the attribute names a statement refers to, each once, in
// the order first written. In a join, uses also says which table each
// reference reads (see useIn).
type attrRefs struct {
	names []string
	seen  map[string]bool
	uses  []attrUse
}

// attrUse is one reference to an attribute in a join: of the table at
// index table of the FROM, or bare (table -1), which may read any table.
type attrUse struct {
	name  string
	table int
}

// useIn adds name as read from the FROM's table at index table (-1:
// bare).
func (r *attrRefs) useIn(name string, table int) {
	if r == nil {
		return
	}
	r.add(name)
	r.uses = append(r.uses, attrUse{name: name, table: table})
}

func (r *attrRefs) add(name string) {
	if r == nil || r.seen[name] {
		return
	}
	if r.seen == nil {
		r.seen = make(map[string]bool)
	}
	r.seen[name] = true
	r.names = append(r.names, name)
}

// compileCond compiles a WHERE/HAVING expression into a condition.
func compileCond(e sqlparser.Expr, sc *scope) (cond, error) {
	switch x := e.(type) {
	case *sqlparser.ParenExpr:
		return compileCond(x.Expr, sc)
	case *sqlparser.AndExpr, *sqlparser.OrExpr, *sqlparser.XorExpr:
		return compileLogic(x, sc)
	case *sqlparser.NotExpr:
		inner, err := compileCond(x.Expr, sc)
		return notCond{x: inner}, err
	case *sqlparser.ComparisonExpr:
		return compileComparison(x, sc)
	case *sqlparser.RangeCond:
		return compileBetween(x, sc)
	case *sqlparser.IsExpr:
		return compileIs(x, sc)
	case *sqlparser.ExistsExpr:
		return nil, badRequest(MsgSubquery)
	}
	op, err := compileOperand(e, sc)
	if err != nil {
		return nil, err
	}
	return truthCond{x: op}, nil
}

// compileLogic compiles AND, OR and XOR.
func compileLogic(e sqlparser.Expr, sc *scope) (cond, error) {
	var le, re sqlparser.Expr
	switch x := e.(type) {
	case *sqlparser.AndExpr:
		le, re = x.Left, x.Right
	case *sqlparser.OrExpr:
		le, re = x.Left, x.Right
	case *sqlparser.XorExpr:
		le, re = x.Left, x.Right
	}
	l, err := compileCond(le, sc)
	if err != nil {
		return nil, err
	}
	r, err := compileCond(re, sc)
	if err != nil {
		return nil, err
	}
	switch e.(type) {
	case *sqlparser.AndExpr:
		return andCond{l: l, r: r}, nil
	case *sqlparser.OrExpr:
		return orCond{l: l, r: r}, nil
	}
	return xorCond{l: l, r: r}, nil
}

// comparisonOps maps the parser's operator text to ours.
var comparisonOps = map[string]cmpOp{
	sqlparser.EqualStr:         opEq,
	sqlparser.NotEqualStr:      opNe,
	sqlparser.LessThanStr:      opLt,
	sqlparser.LessEqualStr:     opLe,
	sqlparser.GreaterThanStr:   opGt,
	sqlparser.GreaterEqualStr:  opGe,
	sqlparser.NullSafeEqualStr: opNullSafeEq,
}

func compileComparison(x *sqlparser.ComparisonExpr, sc *scope) (cond, error) {
	l, err := compileOperand(x.Left, sc)
	if err != nil {
		return nil, err
	}
	switch x.Operator {
	case sqlparser.InStr, sqlparser.NotInStr:
		return compileIn(l, x, sc)
	case sqlparser.LikeStr, sqlparser.NotLikeStr:
		return compileLikeCond(l, x, sc)
	case sqlparser.RegexpStr, sqlparser.NotRegexpStr:
		r, err := compileOperand(x.Right, sc)
		if err != nil {
			return nil, err
		}
		return regexpCond{x: l, pat: r, not: x.Operator == sqlparser.NotRegexpStr}, nil
	}
	op, ok := comparisonOps[x.Operator]
	if !ok {
		return nil, notSupported("operator " + strings.ToUpper(x.Operator))
	}
	r, err := compileOperand(x.Right, sc)
	if err != nil {
		return nil, err
	}
	return cmpCond{op: op, l: l, r: r}, nil
}

func compileIn(l operand, x *sqlparser.ComparisonExpr, sc *scope) (cond, error) {
	tuple, ok := x.Right.(sqlparser.ValTuple)
	if !ok {
		if _, isSub := x.Right.(*sqlparser.Subquery); isSub {
			return nil, badRequest(MsgSubquery)
		}
		return nil, notSupported("IN without a list of values")
	}
	list := make([]operand, 0, len(tuple))
	for _, item := range tuple {
		op, err := compileOperand(item, sc)
		if err != nil {
			return nil, err
		}
		list = append(list, op)
	}
	return inCond{x: l, list: list, not: x.Operator == sqlparser.NotInStr}, nil
}

// compileLikeCond compiles [NOT] LIKE, with an optional one-character ESCAPE.
func compileLikeCond(l operand, x *sqlparser.ComparisonExpr, sc *scope) (cond, error) {
	lc := likeCond{x: l, escape: defaultLikeEscape, not: x.Operator == sqlparser.NotLikeStr}
	if x.Escape != nil {
		v, ok := x.Escape.(*sqlparser.SQLVal)
		if !ok || v.Type != sqlparser.StrVal || utf8.RuneCount(v.Val) != 1 {
			return nil, badRequest(MsgBadLike)
		}
		lc.escape, _ = utf8.DecodeRune(v.Val)
	}
	pat, err := compileOperand(x.Right, sc)
	if err != nil {
		return nil, err
	}
	if lit, ok := pat.(literal); ok {
		text, isText := likeText(lit.v)
		if lit.v == nil || !isText {
			lc.patOp = pat // NULL (unknown) or never a match: decided per row
		} else {
			lc.pat = compileLike(text, lc.escape)
		}
	} else {
		lc.patOp = pat
	}
	return lc, nil
}

func compileBetween(x *sqlparser.RangeCond, sc *scope) (cond, error) {
	ops := make([]operand, 0, 3)
	for _, e := range []sqlparser.Expr{x.Left, x.From, x.To} {
		op, err := compileOperand(e, sc)
		if err != nil {
			return nil, err
		}
		ops = append(ops, op)
	}
	return betweenCond{x: ops[0], lo: ops[1], hi: ops[2], not: x.Operator == sqlparser.NotBetweenStr}, nil
}

// isOps maps the parser's IS operators to a test and whether it is negated.
var isOps = map[string]isCond{
	sqlparser.IsNullStr:     {kind: isNull},
	sqlparser.IsNotNullStr:  {kind: isNull, not: true},
	sqlparser.IsTrueStr:     {kind: isTrue},
	sqlparser.IsNotTrueStr:  {kind: isTrue, not: true},
	sqlparser.IsFalseStr:    {kind: isFalse},
	sqlparser.IsNotFalseStr: {kind: isFalse, not: true},
}

func compileIs(x *sqlparser.IsExpr, sc *scope) (cond, error) {
	ic, ok := isOps[x.Operator]
	if !ok {
		return nil, notSupported(strings.ToUpper(x.Operator))
	}
	op, err := compileOperand(x.Expr, sc)
	if err != nil {
		return nil, err
	}
	ic.x = op
	return ic, nil
}

// compileOperand compiles an expression that yields a value.
func compileOperand(e sqlparser.Expr, sc *scope) (operand, error) {
	switch x := e.(type) {
	case *sqlparser.ColName:
		return compileColumn(x, sc)
	case *sqlparser.SQLVal:
		v, err := literalValue(x)
		return literal{v: v}, err
	case *sqlparser.NullVal:
		return literal{}, nil
	case sqlparser.BoolVal:
		return literal{v: bool(x)}, nil
	case *sqlparser.ParenExpr:
		return compileOperand(x.Expr, sc)
	case *sqlparser.UnaryExpr:
		return compileUnary(x, sc)
	case *sqlparser.FuncExpr:
		return compileFunc(x, sc)
	case *sqlparser.ComparisonExpr, *sqlparser.AndExpr, *sqlparser.OrExpr, *sqlparser.XorExpr,
		*sqlparser.NotExpr, *sqlparser.RangeCond, *sqlparser.IsExpr:
		c, err := compileCond(e, sc)
		return condValue{c: c}, err
	case *sqlparser.Subquery, *sqlparser.ExistsExpr:
		return nil, badRequest(MsgSubquery)
	case *sqlparser.BinaryExpr:
		return compileArith(x, sc)
	case *sqlparser.CollateExpr:
		return nil, notSupported("COLLATE")
	case *sqlparser.CaseExpr:
		return compileCase(x, sc)
	case *sqlparser.GroupConcatExpr:
		return compileGroupConcat(x, sc)
	}
	return nil, notSupported("expression " + sqlparser.String(e))
}

// compileColumn resolves a column name: an output alias where scope has
// them (ORDER BY, HAVING), else the record's attribute of that name.
func compileColumn(x *sqlparser.ColName, sc *scope) (operand, error) {
	name := x.Name.String()
	if sc.join != nil {
		if op, ok := sc.outNames[name]; ok && x.Qualifier.IsEmpty() {
			return op, nil
		}
		if x.Qualifier.IsEmpty() {
			sc.refs.useIn(name, -1)
			return colRef(name), nil
		}
		i := sc.join.tableOf(x.Qualifier)
		if i < 0 {
			return nil, badRequest(MsgUnknownQualifier, x.Qualifier.Name.String()+"."+name)
		}
		sc.refs.useIn(name, i)
		return colRef(qualifiedKey(sc.join.tables[i].alias, name)), nil
	}
	if err := sc.checkQualifier(x.Qualifier, name); err != nil {
		return nil, err
	}
	if op, ok := sc.outNames[name]; ok && x.Qualifier.IsEmpty() {
		return op, nil
	}
	sc.refs.add(name)
	return colRef(name), nil
}

// checkQualifier accepts a column qualified by the FROM table's name or
// alias (optionally with its database) and refuses any other table.
func (sc *scope) checkQualifier(q sqlparser.TableName, col string) error {
	if q.IsEmpty() {
		return nil
	}
	t := q.Name.String()
	db := q.DbQualifier.String()
	okName := t == sc.table.Table || (sc.alias != "" && t == sc.alias)
	okDB := db == "" || db == sc.table.DB
	if okName && okDB {
		return nil
	}
	written := t + "." + col
	if db != "" {
		written = db + "." + written
	}
	return badRequest(MsgUnknownQualifier, written)
}

func compileUnary(x *sqlparser.UnaryExpr, sc *scope) (operand, error) {
	switch x.Operator {
	case sqlparser.UPlusStr:
		return compileOperand(x.Expr, sc)
	case sqlparser.UMinusStr:
		inner, err := compileOperand(x.Expr, sc)
		if err != nil {
			return nil, err
		}
		if lit, ok := inner.(literal); ok {
			if f, isNum := lit.v.(float64); isNum {
				return literal{v: -f}, nil
			}
		}
		return negation{x: inner}, nil
	case sqlparser.BangStr:
		c, err := compileCond(x.Expr, sc)
		return condValue{c: notCond{x: c}}, err
	}
	return nil, notSupported("operator " + strings.TrimSpace(x.Operator))
}

// literalValue returns a constant's value for conditions: numbers as
// float64 (the Source's number type for comparison and keys), text as
// string.
func literalValue(v *sqlparser.SQLVal) (any, error) {
	switch v.Type {
	case sqlparser.StrVal:
		return string(v.Val), nil
	case sqlparser.IntVal, sqlparser.FloatVal:
		f, err := strconv.ParseFloat(string(v.Val), 64)
		if err != nil && !isRangeErr(err) {
			return nil, badRequest(MsgInvalidSQL, "number "+string(v.Val))
		}
		return f, nil
	case sqlparser.ValArg:
		return nil, notSupported("placeholders")
	}
	return nil, notSupported("hexadecimal and bit literals")
}

// arithOps maps the parser's arithmetic operators to arith's.
var arithOps = map[string]byte{
	sqlparser.PlusStr: '+', sqlparser.MinusStr: '-', sqlparser.MultStr: '*',
	sqlparser.DivStr: '/', sqlparser.ModStr: '%',
}

func compileArith(x *sqlparser.BinaryExpr, sc *scope) (operand, error) {
	op, ok := arithOps[x.Operator]
	if !ok {
		return nil, notSupported("operator " + strings.ToUpper(x.Operator))
	}
	l, err := compileOperand(x.Left, sc)
	if err != nil {
		return nil, err
	}
	r, err := compileOperand(x.Right, sc)
	if err != nil {
		return nil, err
	}
	a := arith{op: op, l: l, r: r}
	return foldConstant(a, l, r), nil
}

// foldConstant returns a literal for op when every operand is one, so a
// constant expression in WHERE still allows a primary-key lookup.
func foldConstant(op operand, args ...operand) operand {
	for _, a := range args {
		if _, ok := a.(literal); !ok {
			return op
		}
	}
	return literal{v: op.eval(&rowCtx{})}
}

func compileCase(x *sqlparser.CaseExpr, sc *scope) (operand, error) {
	var cs caseOp
	var err error
	if x.Expr != nil {
		if cs.base, err = compileOperand(x.Expr, sc); err != nil {
			return nil, err
		}
	}
	for _, w := range x.Whens {
		var arm caseArm
		if cs.base != nil {
			arm.match, err = compileOperand(w.Cond, sc)
		} else {
			arm.cond, err = compileCond(w.Cond, sc)
		}
		if err != nil {
			return nil, err
		}
		if arm.val, err = compileOperand(w.Val, sc); err != nil {
			return nil, err
		}
		cs.whens = append(cs.whens, arm)
	}
	if x.Else != nil {
		if cs.els, err = compileOperand(x.Else, sc); err != nil {
			return nil, err
		}
	}
	return cs, nil
}

// compileScalar compiles a call of one of scalarFuncs.
func compileScalar(name string, fn *scalarFunc, x *sqlparser.FuncExpr, sc *scope) (operand, error) {
	if x.Distinct {
		return nil, notSupported("DISTINCT in " + strings.ToUpper(name) + "()")
	}
	n := len(x.Exprs)
	if n < fn.min || (fn.max >= 0 && n > fn.max) {
		return nil, badRequest(MsgFuncArgs, strings.ToUpper(name), n)
	}
	args := make([]operand, 0, n)
	for _, se := range x.Exprs {
		ae, ok := se.(*sqlparser.AliasedExpr)
		if !ok {
			return nil, notSupported("* as an argument of " + strings.ToUpper(name) + "()")
		}
		op, err := compileOperand(ae.Expr, sc)
		if err != nil {
			return nil, err
		}
		args = append(args, op)
	}
	call := funcCall{fn: fn, args: args}
	if fn.volatile {
		return call, nil
	}
	return foldConstant(call, args...), nil
}
