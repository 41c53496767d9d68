package sqlq

import (
	"strconv"

	"github.com/dolthub/vitess/go/vt/sqlparser"
)

// selectPlan is a compiled SELECT.
type selectPlan struct {
	table     TableRef  // empty for a SELECT without FROM: one row, no record
	star      bool      // * (or t.*): the record's attributes, then outs
	distinct  bool      // SELECT DISTINCT: each output row once
	join      *joinPlan // nil: one table or none
	starAlias string    // with join: the table alias.* selects, "" for *
	outs      []outCol
	names     []string // output names, each once, in select-list order
	where     *filter
	having    cond // nil: none

	grouped bool // GROUP BY or an aggregate anywhere: one output row per group
	groupBy []operand
	aggs    *aggList

	order  []orderKey
	offset int64
	limit  int64 // noLimit for none

	refs *attrRefs // the attributes the SELECT reads
}

// noLimit marks a SELECT without LIMIT.
const noLimit = -1

// outCol is one select-list column.
type outCol struct {
	name   string
	op     operand
	hasAgg bool // the expression holds an aggregate
}

// orderKey is one ORDER BY term.
type orderKey struct {
	op   operand
	desc bool
}

// compileSelect checks a SELECT against what this package runs and
// compiles it.
func compileSelect(x *sqlparser.Select, opts Options) (*Statement, error) {
	if err := checkSelectClauses(x); err != nil {
		return nil, err
	}
	var table TableRef
	var alias string
	var err error
	refs := &attrRefs{}
	var jp *joinPlan
	if isJoin(x.From) {
		if jp, err = compileJoin(x.From, opts, refs); err != nil {
			return nil, err
		}
		table = jp.tables[0].ref
	} else if len(x.From) > 0 {
		if table, alias, err = singleTable(x.From, opts); err != nil {
			return nil, err
		}
	}
	p := &selectPlan{table: table, aggs: newAggList(), limit: noLimit, refs: refs, distinct: x.QueryOpts.Distinct, join: jp}
	if err := p.compileList(x.SelectExprs, alias); err != nil {
		return nil, err
	}
	if p.where, err = compileWhere(x.Where, &scope{table: table, alias: alias, refs: refs, join: jp}); err != nil {
		return nil, err
	}
	p.where.join = jp
	if err := p.compileGroupBy(x.GroupBy, alias); err != nil {
		return nil, err
	}
	outNames := make(map[string]operand, len(p.outs))
	for _, o := range p.outs {
		outNames[o.name] = o.op // the last of a repeated name, as in the row
	}
	late := &scope{table: table, alias: alias, outNames: outNames, aggs: p.aggs, refs: refs, join: jp}
	if x.Having != nil && x.Having.Expr != nil {
		if p.having, err = compileCond(x.Having.Expr, late); err != nil {
			return nil, err
		}
	}
	if err := p.compileOrderBy(x.OrderBy, late); err != nil {
		return nil, err
	}
	p.grouped = len(p.groupBy) > 0 || len(p.aggs.specs) > 0
	if p.grouped && p.star {
		return nil, notSupported("SELECT * with GROUP BY or aggregate functions")
	}
	if p.offset, p.limit, err = compileLimit(x.Limit); err != nil {
		return nil, err
	}
	if jp != nil && !p.star {
		jp.finish(refs)
	}
	return &Statement{Kind: Select, Table: table, sel: p, refs: refs.names}, nil
}

// checkSelectClauses refuses the parts of a SELECT this package ignores
// rather than runs.
func checkSelectClauses(x *sqlparser.Select) error {
	switch {
	case x.With != nil:
		return notSupported("WITH (common table expressions)")
	case x.Into != nil:
		return notSupported("SELECT ... INTO")
	case x.Lock != nil && x.Lock.Type != "":
		return notSupported("locking reads (FOR UPDATE, LOCK IN SHARE MODE)")
	case len(x.Window) > 0:
		return notSupported("window functions")
	case len(x.QueryOpts.DistinctOn) > 0:
		return notSupported("SELECT DISTINCT ON")
	}
	return nil
}

// compileList compiles the select list.
func (p *selectPlan) compileList(exprs sqlparser.SelectExprs, alias string) error {
	sc := &scope{table: p.table, alias: alias, aggs: p.aggs, refs: p.refs, join: p.join}
	for _, se := range exprs {
		switch x := se.(type) {
		case *sqlparser.StarExpr:
			if p.star {
				return notSupported("* written twice")
			}
			if p.table.Table == "" {
				return badRequest(MsgInvalidSQL, "* without FROM")
			}
			if p.join != nil {
				if !x.TableName.IsEmpty() {
					i := p.join.tableOf(x.TableName)
					if i < 0 {
						return badRequest(MsgUnknownQualifier, sqlparser.String(x))
					}
					p.starAlias = p.join.tables[i].alias
				}
			} else if err := sc.checkQualifier(x.TableName, "*"); err != nil {
				return err
			}
			p.star = true
		case *sqlparser.AliasedExpr:
			sc.usedAgg = false
			op, err := compileOperand(x.Expr, sc)
			if err != nil {
				return err
			}
			p.outs = append(p.outs, outCol{name: outputName(x, p.table.Table != ""), op: op, hasAgg: sc.usedAgg})
		default:
			return notSupported("select expression " + sqlparser.String(se))
		}
	}
	seen := make(map[string]bool, len(p.outs))
	for _, o := range p.outs {
		if !seen[o.name] {
			seen[o.name] = true
			p.names = append(p.names, o.name)
		}
	}
	return nil
}

// outputName is a select-list column's name: its alias, else the column's
// own name (without table), else, with a FROM, the name HarperDB gives the
// expression (harperColumnName: "UPPER(name)", "COUNT(*)", "undefined"),
// and without one alasql's text of it (alasqlText: "CONCAT('a','b')").
func outputName(x *sqlparser.AliasedExpr, hasFrom bool) string {
	if !x.As.IsEmpty() {
		return x.As.String()
	}
	if col, ok := x.Expr.(*sqlparser.ColName); ok {
		return col.Name.String()
	}
	if hasFrom {
		return harperColumnName(x.Expr)
	}
	return alasqlText(x.Expr)
}

// compileGroupBy compiles GROUP BY terms: a position (GROUP BY 1), an
// alias that renames a select-list expression, or an expression over the
// record. Aggregates are refused there.
func (p *selectPlan) compileGroupBy(exprs sqlparser.GroupBy, alias string) error {
	sc := &scope{table: p.table, alias: alias, refs: p.refs, join: p.join}
	for _, e := range exprs {
		if out, ok, err := p.position(e); ok || err != nil {
			if err == nil && out.hasAgg {
				err = badRequest(MsgAggregateInWhere, sqlparser.String(e))
			}
			if err != nil {
				return err
			}
			p.groupBy = append(p.groupBy, out.op)
			continue
		}
		if out, ok := p.renamingAlias(e); ok {
			p.groupBy = append(p.groupBy, out.op)
			continue
		}
		op, err := compileOperand(e, sc)
		if err != nil {
			return err
		}
		p.groupBy = append(p.groupBy, op)
	}
	return nil
}

// renamingAlias returns the select-list column e names if e is a bare name
// given as an alias to some other expression (SELECT grp AS g ... GROUP BY
// g). A name that is also the expression's own column stays a column.
func (p *selectPlan) renamingAlias(e sqlparser.Expr) (outCol, bool) {
	col, ok := e.(*sqlparser.ColName)
	if !ok || !col.Qualifier.IsEmpty() {
		return outCol{}, false
	}
	name := col.Name.String()
	for _, o := range p.outs {
		if o.name == name && !o.hasAgg && o.op != colRef(name) {
			return o, true
		}
	}
	return outCol{}, false
}

// position resolves ORDER BY n / GROUP BY n to the n-th select-list
// column. ok is false when e is not an integer constant.
func (p *selectPlan) position(e sqlparser.Expr) (outCol, bool, error) {
	v, isVal := e.(*sqlparser.SQLVal)
	if !isVal || v.Type != sqlparser.IntVal {
		return outCol{}, false, nil
	}
	if p.star {
		return outCol{}, true, notSupported("column positions with SELECT *")
	}
	n, err := strconv.Atoi(string(v.Val))
	if err != nil || n < 1 || n > len(p.outs) {
		return outCol{}, true, badRequest(MsgBadPosition, string(v.Val))
	}
	return p.outs[n-1], true, nil
}

// compileOrderBy compiles ORDER BY terms: a position, an output name, an
// aggregate, or an expression over the record.
func (p *selectPlan) compileOrderBy(orders sqlparser.OrderBy, sc *scope) error {
	for _, o := range orders {
		key := orderKey{desc: o.Direction == sqlparser.DescScr}
		out, ok, err := p.position(o.Expr)
		switch {
		case err != nil:
			return err
		case ok:
			key.op = out.op
		default:
			if key.op, err = compileOperand(o.Expr, sc); err != nil {
				return err
			}
		}
		p.order = append(p.order, key)
	}
	return nil
}

// compileLimit reads LIMIT n [OFFSET m] (or LIMIT m, n).
func compileLimit(l *sqlparser.Limit) (offset, limit int64, err error) {
	limit = noLimit
	if l == nil {
		return 0, limit, nil
	}
	if l.Rowcount != nil {
		if limit, err = wholeNumber(l.Rowcount); err != nil {
			return 0, 0, err
		}
		if limit == 0 {
			limit = noLimit // LIMIT 0 is no limit in HarperDB (alasql)
		}
	}
	if l.Offset != nil {
		if offset, err = wholeNumber(l.Offset); err != nil {
			return 0, 0, err
		}
	}
	return offset, limit, nil
}

func wholeNumber(e sqlparser.Expr) (int64, error) {
	v, ok := e.(*sqlparser.SQLVal)
	if ok && v.Type == sqlparser.IntVal {
		if n, err := strconv.ParseInt(string(v.Val), 10, 64); err == nil && n >= 0 {
			return n, nil
		}
	}
	return 0, badRequest(MsgBadLimit, sqlparser.String(e))
}

// isJoin reports whether a FROM joins tables: a JOIN or a table list.
func isJoin(from sqlparser.TableExprs) bool {
	if len(from) > 1 {
		return true
	}
	if len(from) == 1 {
		switch x := from[0].(type) {
		case *sqlparser.JoinTableExpr:
			return true
		case *sqlparser.ParenTableExpr:
			return isJoin(x.Exprs)
		}
	}
	return false
}
