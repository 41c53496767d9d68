package sqlq

import (
	"context"
	"strings"

	"github.com/dolthub/vitess/go/vt/sqlparser"
)

// A join runs as a left-deep chain of hash joins. Every table after the
// first is read once into memory and, when its ON condition holds an
// equality between a column of the new table and an expression over the
// tables before it, hashed on that; the first table then streams through
// the chain, each row probing the hashes, so no step scans the product of
// two tables when an equality exists. An ON without such an equality (and
// CROSS JOIN) compares each row with every row of the new table.
//
// A joined row is one map: each table's attributes under qualifiedKey
// (alias and name), and each attribute also under its bare name, taken
// from the first table (left to right) that has it. A row an outer join
// extends with NULLs simply lacks that table's keys.

// joinKind is the kind of one join step.
type joinKind uint8

const (
	joinInner joinKind = iota
	joinLeft
	joinRight
	joinFull
)

// joinTable is one table of a FROM with joins.
type joinTable struct {
	ref   TableRef
	alias string // the alias, else the table's name
}

// joinStep joins one more table to the rows before it.
type joinStep struct {
	table joinTable
	kind  joinKind
	on    cond      // nil: every pair (CROSS JOIN)
	left  []operand // equality keys over the rows before
	right []operand // and over the new table's row
}

// joinPlan is the FROM of a SELECT with joins.
type joinPlan struct {
	tables []joinTable // in FROM order; tables[0] streams
	steps  []joinStep  // steps[i] joins tables[i+1]
}

// qualifiedKey is the key of alias.col in a joined row; it cannot clash
// with an attribute's own name.
func qualifiedKey(alias, col string) string { return "\x00" + alias + "\x00" + col }

// compileJoin builds the plan for a FROM with joins or a table list. The
// ON conditions are compiled once the plan knows every alias.
func compileJoin(from sqlparser.TableExprs, opts Options, refs *attrRefs) (*joinPlan, error) {
	jp := &joinPlan{}
	type pending struct {
		kind  joinKind
		cross bool
		cond  sqlparser.JoinCondition
	}
	var steps []pending
	var walk func(e sqlparser.TableExpr) error
	walk = func(e sqlparser.TableExpr) error {
		switch x := e.(type) {
		case *sqlparser.AliasedTableExpr:
			name, ok := x.Expr.(sqlparser.TableName)
			if !ok {
				return badRequest(MsgDerivedTable)
			}
			if x.AsOf != nil {
				return notSupported("AS OF")
			}
			ref, err := resolveTable(name, opts)
			if err != nil {
				return err
			}
			alias := x.As.String()
			if alias == "" {
				alias = ref.Table
			}
			for _, t := range jp.tables {
				if t.alias == alias {
					return badRequest(MsgDuplicateAlias, alias)
				}
			}
			jp.tables = append(jp.tables, joinTable{ref: ref, alias: alias})
			return nil
		case *sqlparser.ParenTableExpr:
			if len(x.Exprs) != 1 {
				return notSupported("parenthesized table lists")
			}
			return walk(x.Exprs[0])
		case *sqlparser.JoinTableExpr:
			if err := walk(x.LeftExpr); err != nil {
				return err
			}
			if _, ok := x.RightExpr.(*sqlparser.JoinTableExpr); ok {
				return notSupported("a JOIN nested on the right of another")
			}
			p := pending{cond: x.Condition}
			switch x.Join {
			case sqlparser.JoinStr, sqlparser.StraightJoinStr:
				p.kind = joinInner
			case sqlparser.LeftJoinStr:
				p.kind = joinLeft
			case sqlparser.RightJoinStr:
				p.kind = joinRight
			case sqlparser.FullOuterJoinStr:
				p.kind = joinFull
			case sqlparser.NaturalJoinStr, sqlparser.NaturalLeftJoinStr, sqlparser.NaturalRightJoinStr, sqlparser.NaturalFullJoinStr:
				// HarperDB 4.7 fails every NATURAL JOIN (a 500 with this
				// text); hops answers 400 with it.
				return badRequest(MsgSearchProblem)
			default:
				return notSupported(strings.ToUpper(x.Join))
			}
			p.cross = x.Condition.On == nil && len(x.Condition.Using) == 0
			if p.cross && p.kind != joinInner {
				return badRequest(MsgInvalidSQL, strings.ToUpper(x.Join)+" without ON or USING")
			}
			steps = append(steps, p)
			return walk(x.RightExpr)
		}
		return notSupported("table expression " + sqlparser.String(e))
	}
	for i, e := range from {
		at := len(steps)
		if err := walk(e); err != nil {
			return nil, err
		}
		if i > 0 {
			// FROM a, b is a CROSS JOIN of b's first table, before the
			// joins written inside b.
			steps = append(steps[:at], append([]pending{{cross: true}}, steps[at:]...)...)
		}
	}
	if len(steps) != len(jp.tables)-1 {
		return nil, notSupported("this combination of joins and table lists")
	}
	sc := &scope{join: jp, refs: refs}
	for i, p := range steps {
		st := joinStep{table: jp.tables[i+1], kind: p.kind}
		var err error
		switch {
		case p.cross:
		case len(p.cond.Using) > 0:
			st.on, err = jp.usingCond(p.cond.Using, i+1, refs)
		default:
			st.on, err = compileCond(p.cond.On, sc)
			if err == nil {
				st.left, st.right = jp.equiKeys(p.cond.On, i+1, sc)
			}
		}
		if err != nil {
			return nil, err
		}
		jp.steps = append(jp.steps, st)
	}
	return jp, nil
}

// usingCond compiles USING (c, ...) for tables[n]: the bare c of the rows
// before equals c of the new table.
func (jp *joinPlan) usingCond(cols sqlparser.Columns, n int, refs *attrRefs) (cond, error) {
	var c cond
	for _, col := range cols {
		name := col.String()
		refs.add(name)
		eq := cmpCond{op: opEq, l: colRef(name), r: colRef(qualifiedKey(jp.tables[n].alias, name))}
		if c == nil {
			c = eq
		} else {
			c = andCond{l: c, r: eq}
		}
	}
	return c, nil
}

// equiKeys finds the top-level AND terms of on that are l = r with r over
// tables[n] only and l over the tables before it only (either way round),
// and returns them as hash keys.
func (jp *joinPlan) equiKeys(on sqlparser.Expr, n int, sc *scope) (left, right []operand) {
	var terms []sqlparser.Expr
	var split func(e sqlparser.Expr)
	split = func(e sqlparser.Expr) {
		switch x := e.(type) {
		case *sqlparser.AndExpr:
			split(x.Left)
			split(x.Right)
		case *sqlparser.ParenExpr:
			split(x.Expr)
		default:
			terms = append(terms, e)
		}
	}
	split(on)
	for _, t := range terms {
		cmp, ok := t.(*sqlparser.ComparisonExpr)
		if !ok || cmp.Operator != sqlparser.EqualStr {
			continue
		}
		ls, lok := jp.sideOf(cmp.Left, n)
		rs, rok := jp.sideOf(cmp.Right, n)
		if !lok || !rok || ls == rs {
			continue
		}
		l, err1 := compileOperand(cmp.Left, sc)
		r, err2 := compileOperand(cmp.Right, sc)
		if err1 != nil || err2 != nil {
			continue
		}
		if ls == sideNew {
			l, r = r, l
		}
		left = append(left, l)
		right = append(right, r)
	}
	return left, right
}

type joinSide uint8

const (
	sideNone joinSide = iota // no column: a constant
	sideBefore
	sideNew
)

// sideOf says which tables e reads for the join of tables[n]: only those
// before it, or only tables[n]. ok is false for a mix, a column without a
// table name, or a column of a later table.
func (jp *joinPlan) sideOf(e sqlparser.Expr, n int) (side joinSide, ok bool) {
	ok = true
	_ = sqlparser.Walk(func(node sqlparser.SQLNode) (bool, error) {
		col, isCol := node.(*sqlparser.ColName)
		if !isCol {
			if _, sub := node.(*sqlparser.Subquery); sub {
				ok = false
			}
			return ok, nil
		}
		i := jp.tableOf(col.Qualifier)
		var s joinSide
		switch {
		case i < 0 || i > n:
			ok = false
		case i == n:
			s = sideNew
		default:
			s = sideBefore
		}
		if side != sideNone && s != side {
			ok = false
		}
		side = s
		return ok, nil
	}, e)
	return side, ok && side != sideNone
}

// tableOf returns the index of the table q names (alias or table name,
// with an optional database), or -1.
func (jp *joinPlan) tableOf(q sqlparser.TableName) int {
	if q.IsEmpty() {
		return -1
	}
	name, db := q.Name.String(), q.DbQualifier.String()
	for i, t := range jp.tables {
		if (db == "" || db == t.ref.DB) && (name == t.alias || (db != "" && name == t.ref.Table)) {
			return i
		}
	}
	if db == "" {
		for i, t := range jp.tables {
			if name == t.ref.Table {
				return i
			}
		}
	}
	return -1
}

// combine returns row extended with rec as the table alias.
func combine(row map[string]any, alias string, rec map[string]any) map[string]any {
	out := make(map[string]any, len(row)+2*len(rec))
	for k, v := range row {
		out[k] = v
	}
	for k, v := range rec {
		out[qualifiedKey(alias, k)] = v
		if _, ok := out[k]; !ok {
			out[k] = v
		}
	}
	return out
}

// builtStep is a joinStep with its table read: rows, their hash, and for
// RIGHT and FULL joins which rows found a partner.
type builtStep struct {
	*joinStep
	rows    []map[string]any // the table's records
	hash    map[string][]int // nil without equality keys
	matched []bool
}

// joinKey appends the hash key of vals; ok is false when one is NULL
// (NULL equals nothing). A string holding a number keys as the number, as
// = compares them.
func joinKey(buf []byte, vals ...any) ([]byte, bool) {
	for _, v := range vals {
		if v == nil {
			return buf, false
		}
		if s, isStr := v.(string); isStr {
			if f, ok := numericString(s); ok {
				v = f
			}
		}
		buf = appendKey(buf, v)
	}
	return buf, true
}

// run reads the tables and calls fn with each joined row.
func (jp *joinPlan) run(ctx context.Context, src Source, fn func(map[string]any) error) error {
	built := make([]*builtStep, len(jp.steps))
	for i := range jp.steps {
		b := &builtStep{joinStep: &jp.steps[i]}
		t := b.table
		err := src.Scan(ctx, t.ref.DB, t.ref.Table, func(rec map[string]any) error {
			b.rows = append(b.rows, rec)
			return nil
		})
		if err != nil {
			return err
		}
		if len(b.right) > 0 {
			b.hash = make(map[string][]int, len(b.rows))
			var buf []byte
			var c rowCtx
			for j, r := range b.rows {
				c.rec = combine(nil, t.alias, r)
				vals := make([]any, len(b.right))
				for k, op := range b.right {
					vals[k] = op.eval(&c)
				}
				var ok bool
				if buf, ok = joinKey(buf[:0], vals...); ok {
					b.hash[string(buf)] = append(b.hash[string(buf)], j)
				}
			}
		}
		if b.kind == joinRight || b.kind == joinFull {
			b.matched = make([]bool, len(b.rows))
		}
		built[i] = b
	}
	var probe func(row map[string]any, i int) error
	probe = func(row map[string]any, i int) error {
		if i == len(built) {
			return fn(row)
		}
		b := built[i]
		var c rowCtx
		found := false
		try := func(j int) error {
			merged := combine(row, b.table.alias, b.rows[j])
			c.rec = merged
			if b.on != nil && b.on.test(&c) != triTrue {
				return nil
			}
			found = true
			if b.matched != nil {
				b.matched[j] = true
			}
			return probe(merged, i+1)
		}
		if b.hash != nil {
			c.rec = row
			vals := make([]any, len(b.left))
			for k, op := range b.left {
				vals[k] = op.eval(&c)
			}
			if key, ok := joinKey(nil, vals...); ok {
				for _, j := range b.hash[string(key)] {
					if err := try(j); err != nil {
						return err
					}
				}
			}
		} else {
			for j := range b.rows {
				if j%ctxCheckEvery == 0 {
					if err := ctx.Err(); err != nil {
						return err
					}
				}
				if err := try(j); err != nil {
					return err
				}
			}
		}
		if !found && (b.kind == joinLeft || b.kind == joinFull) {
			return probe(row, i+1)
		}
		return nil
	}
	first := jp.tables[0]
	err := src.Scan(ctx, first.ref.DB, first.ref.Table, func(rec map[string]any) error {
		return probe(combine(nil, first.alias, rec), 0)
	})
	if err != nil {
		return err
	}
	// Rows of a RIGHT or FULL join's table that found no partner, NULL
	// for the tables before it, continue through the later steps.
	for i, b := range built {
		for j, m := range b.matched {
			if !m {
				if err := probe(combine(nil, b.table.alias, b.rows[j]), i+1); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// stripBare returns the qualified keys of a row built by combine(nil,
// alias, rec) as the record they came from.
func stripBare(row map[string]any, alias string) map[string]any {
	prefix := qualifiedKey(alias, "")
	rec := make(map[string]any, len(row)/2)
	for k, v := range row {
		if strings.HasPrefix(k, prefix) {
			rec[k[len(prefix):]] = v
		}
	}
	return rec
}

// starOf returns the part of a joined row that alias.* (or *, alias "")
// selects: that table's attributes, or every bare attribute.
func starOf(row map[string]any, alias string) map[string]any {
	if alias != "" {
		return stripBare(row, alias)
	}
	out := make(map[string]any, len(row)/2)
	for k, v := range row {
		if !strings.HasPrefix(k, "\x00") {
			out[k] = v
		}
	}
	return out
}
