package sqlq

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/dolthub/vitess/go/vt/sqlparser"
)

// A join runs as a left-deep chain of steps, each joining one more table
// to the rows before it. The first table streams, in batches of joinBatch
// rows, through the steps; each step finds the new table's rows for a row
// in one of three ways (plan chooses, see stepMode):
//   - lookup: ON (or USING) holds an equality between the new table's
//     primary key and an expression over the tables before, and the join
//     is INNER or LEFT: the batch's keys are read with one Source.Get,
//     nothing of the new table is held, and the work is one key read per
//     row before.
//   - hash: ON holds other equalities between the two sides: the new table
//     is read into memory once and hashed on them; each row before probes
//     the hash, O(n+m) in all. The store keeps no index on attributes
//     other than the primary key, so this is the plan for an equi-join on
//     any other attribute (see docs/design.md).
//   - loop: no equality (or CROSS JOIN): each row before is compared with
//     every row of the new table, held in memory.
// RIGHT and FULL joins hash or loop: they must know which of the new
// table's rows found no partner.
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
	// hashOnly, set by tests, makes plan never choose modeLookup, so a
	// test can compare a lookup join's rows with the hash join's.
	hashOnly bool
	// keep names the attributes the statement reads; a joined row holds
	// only these (and tables held in memory only these). nil for * or
	// alias.*, which need every attribute.
	keep []string
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
			st.on, st.left, st.right = jp.usingCond(p.cond.Using, i+1, refs)
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
// before equals c of the new table; each is also an equality key.
func (jp *joinPlan) usingCond(cols sqlparser.Columns, n int, refs *attrRefs) (c cond, left, right []operand) {
	for _, col := range cols {
		name := col.String()
		refs.add(name)
		l, r := colRef(name), colRef(qualifiedKey(jp.tables[n].alias, name))
		eq := cmpCond{op: opEq, l: l, r: r}
		left, right = append(left, l), append(right, r)
		if c == nil {
			c = eq
		} else {
			c = andCond{l: c, r: eq}
		}
	}
	return c, left, right
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

// combine returns row extended with rec as the table alias: with keep
// non-nil, only rec's attributes named in keep.
func combine(row map[string]any, alias string, rec map[string]any, keep []string) map[string]any {
	n := len(rec)
	if keep != nil {
		n = len(keep)
	}
	out := make(map[string]any, len(row)+2*n)
	for k, v := range row {
		out[k] = v
	}
	add := func(k string, v any) {
		out[qualifiedKey(alias, k)] = v
		if _, ok := out[k]; !ok {
			out[k] = v
		}
	}
	if keep == nil {
		for k, v := range rec {
			add(k, v)
		}
		return out
	}
	for _, k := range keep {
		if v, ok := rec[k]; ok {
			add(k, v)
		}
	}
	return out
}

// trim returns rec with only the attributes named in keep (all with keep
// nil).
func trim(rec map[string]any, keep []string) map[string]any {
	if keep == nil {
		return rec
	}
	out := make(map[string]any, len(keep))
	for _, k := range keep {
		if v, ok := rec[k]; ok {
			out[k] = v
		}
	}
	return out
}

// stepMode is how one join step finds the new table's rows for a row of
// the tables before it.
type stepMode uint8

const (
	// modeLoop compares the row with every row of the new table, read
	// into memory once: ON without an equality between the sides, CROSS.
	modeLoop stepMode = iota
	// modeHash looks the row's equality key up in a hash of the new table,
	// read into memory once: O(n+m) for n rows before and m new rows.
	modeHash
	// modeLookup reads the new table's records by primary key
	// (Source.Get), one call per batch of rows before: ON holds an
	// equality with the new table's primary key, the join is INNER or
	// LEFT, and nothing of the new table is held in memory.
	modeLookup
)

// String names the mode for tests and Plan.
func (m stepMode) String() string {
	switch m {
	case modeHash:
		return "hash"
	case modeLookup:
		return "lookup"
	}
	return "loop"
}

// joinBatch is how many rows go through a join step together: the rows
// before a lookup step share one Source.Get, and a step's output is
// handed on in batches of this size, so memory is bounded by it times the
// number of steps, not by the tables.
const joinBatch = 1024

// builtStep is a joinStep ready to run: for modeHash and modeLoop its
// table's rows (and the hash), for RIGHT and FULL joins which rows found a
// partner; for modeLookup which equality names the primary key.
type builtStep struct {
	*joinStep
	mode    stepMode
	keyAt   int              // modeLookup: the equality of left/right on the primary key
	rows    []map[string]any // the table's records (modeHash, modeLoop)
	hash    map[string][]int // modeHash
	matched []bool
}

// plan chooses each step's mode. A step reads by primary key when one of
// its equalities compares the new table's primary key (alias.pk) with an
// expression over the tables before, and the join keeps no unmatched rows
// of the new table (INNER, LEFT); otherwise it hashes on its equalities,
// or loops when it has none. Errors from src (an unknown table) are
// returned unchanged.
func (jp *joinPlan) plan(src Source) ([]*builtStep, error) {
	built := make([]*builtStep, len(jp.steps))
	for i := range jp.steps {
		b := &builtStep{joinStep: &jp.steps[i], mode: modeLoop}
		t := b.table
		pk, err := src.PrimaryKey(t.ref.DB, t.ref.Table)
		if err != nil {
			return nil, err
		}
		if len(b.right) > 0 {
			b.mode = modeHash
		}
		if !jp.hashOnly && (b.kind == joinInner || b.kind == joinLeft) {
			for k, r := range b.right {
				if r == colRef(qualifiedKey(t.alias, pk)) {
					b.mode, b.keyAt = modeLookup, k
					break
				}
			}
		}
		built[i] = b
	}
	return built, nil
}

// Plan returns the mode of each join step ("lookup", "hash" or "loop"),
// in FROM order, as Run would choose them over src; nil without joins.
func (st *Statement) Plan(src Source) ([]string, error) {
	if st.sel == nil || st.sel.join == nil {
		return nil, nil
	}
	built, err := st.sel.join.plan(src)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(built))
	for i, b := range built {
		out[i] = b.mode.String()
	}
	return out, nil
}

// Joins reports whether the statement reads a join (so a Source should
// let it nest reads: see Source).
func (st *Statement) Joins() bool { return st.sel != nil && st.sel.join != nil }

// load reads a hash or loop step's table into memory and hashes it.
func (b *builtStep) load(ctx context.Context, src Source, keep []string) error {
	t := b.table
	err := scanKeep(ctx, src, t.ref, keep, func(rec map[string]any) error {
		b.rows = append(b.rows, trim(rec, keep))
		return nil
	})
	if err != nil {
		return err
	}
	if b.mode == modeHash {
		b.hash = make(map[string][]int, len(b.rows))
		var buf []byte
		var c rowCtx
		vals := make([]any, len(b.right))
		for j, r := range b.rows {
			c.rec = combine(nil, t.alias, r, nil)
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
	return nil
}

// scanKeep scans table t, reading only the attributes in keep when keep
// is non-nil and src is an AttrSource.
func scanKeep(ctx context.Context, src Source, t TableRef, keep []string, fn func(rec map[string]any) error) error {
	if as, ok := src.(AttrSource); ok && keep != nil {
		return as.ScanAttrs(ctx, t.DB, t.Table, keep, fn)
	}
	return src.Scan(ctx, t.DB, t.Table, fn)
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

// lookupKeys returns the primary keys a value v may equal: a number as
// itself and as its shortest text (a string key "5" equals 5, as = compares
// them), a string as itself and, when it holds a number, as that number.
// NULL, booleans, objects and arrays equal no key.
func lookupKeys(v any) []any {
	k, f := classify(v)
	switch k {
	case kindNumber:
		return []any{f, strconv.FormatFloat(f, 'f', -1, 64)}
	case kindString:
		return keyList([]any{v})
	}
	return nil
}

// run reads the tables and calls fn with each joined row: the first table
// streams in batches of joinBatch rows through the steps in order.
func (jp *joinPlan) run(ctx context.Context, src Source, fn func(map[string]any) error) error {
	built, err := jp.plan(src)
	if err != nil {
		return err
	}
	for _, b := range built {
		if b.mode != modeLookup {
			if err := b.load(ctx, src, jp.keep); err != nil {
				return err
			}
		}
	}
	// through passes rows through steps i and after, and on to fn.
	var through func(rows []map[string]any, i int) error
	through = func(rows []map[string]any, i int) error {
		if i == len(built) {
			for _, r := range rows {
				if err := fn(r); err != nil {
					return err
				}
			}
			return nil
		}
		out := make([]map[string]any, 0, joinBatch)
		push := func(r map[string]any) error {
			out = append(out, r)
			if len(out) < joinBatch {
				return nil
			}
			err := through(out, i+1)
			clear(out)
			out = out[:0]
			return err
		}
		var err error
		if built[i].mode == modeLookup {
			err = built[i].lookup(ctx, src, jp.keep, rows, push)
		} else {
			err = built[i].probe(ctx, rows, push)
		}
		if err != nil {
			return err
		}
		return through(out, i+1)
	}
	first := jp.tables[0]
	batch := make([]map[string]any, 0, joinBatch)
	err = scanKeep(ctx, src, first.ref, jp.keep, func(rec map[string]any) error {
		batch = append(batch, combine(nil, first.alias, rec, jp.keep))
		if len(batch) < joinBatch {
			return nil
		}
		err := through(batch, 0)
		clear(batch)
		batch = batch[:0]
		return err
	})
	if err == nil {
		err = through(batch, 0)
	}
	if err != nil {
		return err
	}
	// Rows of a RIGHT or FULL join's table that found no partner, NULL
	// for the tables before it, continue through the later steps.
	for i, b := range built {
		batch = batch[:0]
		for j, m := range b.matched {
			if m {
				continue
			}
			batch = append(batch, combine(nil, b.table.alias, b.rows[j], nil))
			if len(batch) == joinBatch {
				if err := through(batch, i+1); err != nil {
					return err
				}
				batch = batch[:0]
			}
		}
		if err := through(batch, i+1); err != nil {
			return err
		}
	}
	return nil
}

// probe joins each row with the matching rows of a hash or loop step's
// table, in the table's order; a LEFT or FULL join keeps a row that
// matched nothing.
func (b *builtStep) probe(ctx context.Context, rows []map[string]any, push func(map[string]any) error) error {
	var c rowCtx
	vals := make([]any, len(b.left))
	var key []byte
	for _, row := range rows {
		found := false
		try := func(j int) error {
			merged := combine(row, b.table.alias, b.rows[j], nil)
			c.rec = merged
			if b.on != nil && b.on.test(&c) != triTrue {
				return nil
			}
			found = true
			if b.matched != nil {
				b.matched[j] = true
			}
			return push(merged)
		}
		if b.mode == modeHash {
			c.rec = row
			for k, op := range b.left {
				vals[k] = op.eval(&c)
			}
			var ok bool
			if key, ok = joinKey(key[:0], vals...); ok {
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
			if err := push(row); err != nil {
				return err
			}
		}
	}
	return nil
}

// lookup joins each row with the new table's records read by primary key:
// one Source.Get for the whole batch, then each row, in order, with the
// records of its key that pass ON; a LEFT join keeps a row that matched
// nothing.
func (b *builtStep) lookup(ctx context.Context, src Source, keep []string, rows []map[string]any, push func(map[string]any) error) error {
	var c rowCtx
	rowKeys := make([][]any, len(rows))
	var keys []any
	seen := make(map[string]bool, len(rows))
	var buf []byte
	numbers, strs := true, true
	if kk, ok := src.(KeyKinder); ok {
		var err error
		if numbers, strs, err = kk.KeyKinds(b.table.ref.DB, b.table.ref.Table); err != nil {
			return err
		}
	}
	for i, row := range rows {
		c.rec = row
		rowKeys[i] = lookupKeys(b.left[b.keyAt].eval(&c))
		if !numbers || !strs {
			rowKeys[i] = slices.DeleteFunc(rowKeys[i], func(k any) bool {
				_, isStr := k.(string)
				return isStr && !strs || !isStr && !numbers
			})
		}
		for _, k := range rowKeys[i] {
			buf = appendKey(buf[:0], k)
			if !seen[string(buf)] {
				seen[string(buf)] = true
				keys = append(keys, k)
			}
		}
	}
	t := b.table
	found := make(map[string]map[string]any, len(keys))
	if len(keys) > 0 {
		pk, err := src.PrimaryKey(t.ref.DB, t.ref.Table)
		if err != nil {
			return err
		}
		keepPK := keep
		if keep != nil && !slices.Contains(keep, pk) {
			keepPK = append(slices.Clone(keep), pk)
		}
		record := func(rec map[string]any) error {
			found[string(appendKey(nil, rec[pk]))] = rec
			return nil
		}
		if as, ok := src.(AttrSource); ok && keepPK != nil {
			err = as.GetAttrs(ctx, t.ref.DB, t.ref.Table, keys, keepPK, record)
		} else {
			err = src.Get(ctx, t.ref.DB, t.ref.Table, keys, record)
		}
		if err != nil {
			return err
		}
	}
	for i, row := range rows {
		matched := false
		for _, k := range rowKeys[i] {
			buf = appendKey(buf[:0], k)
			rec, ok := found[string(buf)]
			if !ok {
				continue
			}
			merged := combine(row, t.alias, rec, keep)
			c.rec = merged
			if b.on != nil && b.on.test(&c) != triTrue {
				continue
			}
			matched = true
			if err := push(merged); err != nil {
				return err
			}
		}
		if !matched && b.kind == joinLeft {
			if err := push(row); err != nil {
				return err
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
