package sqlq

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/dolthub/vitess/go/vt/sqlparser"
)

// A join runs as a left-deep chain of steps, each joining one more table
// to the rows before it. The first table streams, in batches of joinBatch
// rows, through the steps; each step finds the new table's rows for a row
// in one of three ways (plan chooses, see stepMode):
//   - lookup: ON (or USING) holds an equality between the new table's
//     primary key and an expression over the tables before, and the join
//     is INNER or LEFT: the batch's keys are read with one Source.Get
//     (GetAttrs, GetAttrsAt when the Source offers them), nothing of the
//     new table is held, and the work is one key read per row before.
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
// extends with NULLs simply lacks that table's keys. Unless the statement
// reads every attribute (* or alias.*), a row holds only the attributes
// the statement reads of each table (see finish), and a table nothing
// after its ON reads is not merged in at all: ON sees its record through
// rowCtx.ext.

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
	// single: on is its one equality and nothing else.
	single bool
	// onUses are the attributes on reads.
	onUses []attrUse
	// skipMerge: nothing after on reads the new table (see finish).
	skipMerge bool
}

// joinPlan is the FROM of a SELECT with joins.
type joinPlan struct {
	tables []joinTable // in FROM order; tables[0] streams
	steps  []joinStep  // steps[i] joins tables[i+1]
	// hashOnly, set by tests, makes plan never choose modeLookup, so a
	// test can compare a lookup join's rows with the hash join's.
	hashOnly bool
	// keeps[t] names the attributes the statement reads of tables[t]; a
	// joined row holds only these (and tables held in memory only these);
	// qkeys[t] are their qualified keys. nil for * or alias.*, which need
	// every attribute. See finish.
	keeps [][]string
	qkeys [][]string
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
	for i, p := range steps {
		st := joinStep{table: jp.tables[i+1], kind: p.kind}
		own := &attrRefs{}
		sc := &scope{join: jp, refs: own}
		var err error
		switch {
		case p.cross:
		case len(p.cond.Using) > 0:
			st.on, st.left, st.right = jp.usingCond(p.cond.Using, i+1, own)
			st.single = len(p.cond.Using) == 1
		default:
			st.on, err = compileCond(p.cond.On, sc)
			if err == nil {
				var all bool
				st.left, st.right, all = jp.equiKeys(p.cond.On, i+1, sc)
				st.single = all && len(st.left) == 1
			}
		}
		if err != nil {
			return nil, err
		}
		for _, name := range own.names {
			refs.add(name)
		}
		st.onUses = own.uses
		jp.steps = append(jp.steps, st)
	}
	return jp, nil
}

// usingCond compiles USING (c, ...) for tables[n]: the bare c of the rows
// before equals c of the new table; each is also an equality key.
func (jp *joinPlan) usingCond(cols sqlparser.Columns, n int, refs *attrRefs) (c cond, left, right []operand) {
	for _, col := range cols {
		name := col.String()
		refs.useIn(name, -1)
		refs.useIn(name, n)
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
// and returns them as hash keys; all says every term is one.
func (jp *joinPlan) equiKeys(on sqlparser.Expr, n int, sc *scope) (left, right []operand, all bool) {
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
	return left, right, len(left) == len(terms)
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

// combine returns row extended with rec as the table alias: every
// attribute of rec, under its qualified key and, where row lacks it, its
// bare name.
func combine(row map[string]any, alias string, rec map[string]any) map[string]any {
	out := make(map[string]any, len(row)+2*len(rec))
	maps.Copy(out, row)
	for k, v := range rec {
		out[qualifiedKey(alias, k)] = v
		if _, ok := out[k]; !ok {
			out[k] = v
		}
	}
	return out
}

// extend returns row extended with rec as tables[t], as combine does,
// with only the attributes the statement reads of tables[t] (keeps[t]).
func (jp *joinPlan) extend(row map[string]any, t int, rec map[string]any) map[string]any {
	if jp.keeps == nil {
		return combine(row, jp.tables[t].alias, rec)
	}
	keep, q := jp.keeps[t], jp.qkeys[t]
	out := make(map[string]any, len(row)+2*len(keep))
	maps.Copy(out, row)
	for i, k := range keep {
		if v, ok := rec[k]; ok {
			out[q[i]] = v
			if _, ok := out[k]; !ok {
				out[k] = v
			}
		}
	}
	return out
}

// firstRow returns the row of a record of tables[0]. A record the caller
// owns that holds only keeps[0] (ScanAttrs') becomes the row itself, its
// qualified keys added beside the bare ones.
func (jp *joinPlan) firstRow(rec map[string]any, owned bool) map[string]any {
	if jp.keeps == nil || !owned {
		return jp.extend(nil, 0, rec)
	}
	for i, k := range jp.keeps[0] {
		if v, ok := rec[k]; ok {
			rec[jp.qkeys[0][i]] = v
		}
	}
	return rec
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

// joinRow is a record of one table seen as part of a joined row, without
// building that row: an ON condition is tested against the rows before
// (rowCtx.rec) with the new table's record as rowCtx.ext.
type joinRow struct {
	prefix string // qualifiedKey(alias, "")
	rec    map[string]any
}

// get returns what a row combined with the record would hold under key,
// had the rows before lacked it: a qualified key of this table, or a bare
// name.
func (r *joinRow) get(key string) any {
	if strings.HasPrefix(key, r.prefix) {
		return r.rec[key[len(r.prefix):]]
	}
	if key != "" && key[0] == 0 {
		return nil // another table's
	}
	return r.rec[key]
}

// finish records, once the whole statement is compiled, what each table
// must read: keeps[t] is the attributes the statement reads of tables[t]
// (named with its alias, or bare), and a step whose table nothing after
// its ON reads passes its rows on without merging the table's record in
// (skipMerge). Without it (SELECT * or alias.*) every attribute is read
// and merged.
func (jp *joinPlan) finish(refs *attrRefs) {
	reads := func(u attrUse, t int) bool { return u.table == t || u.table < 0 }
	jp.keeps = make([][]string, len(jp.tables))
	jp.qkeys = make([][]string, len(jp.tables))
	for t, tb := range jp.tables {
		keep := []string{}
		for _, name := range refs.names {
			read := false
			for _, u := range refs.uses {
				read = read || u.name == name && reads(u, t)
			}
			for _, st := range jp.steps {
				for _, u := range st.onUses {
					read = read || u.name == name && reads(u, t)
				}
			}
			if read {
				keep = append(keep, name)
				jp.qkeys[t] = append(jp.qkeys[t], qualifiedKey(tb.alias, name))
			}
		}
		jp.keeps[t] = keep
	}
	for s := range jp.steps {
		t := s + 1
		later := false
		for _, u := range refs.uses {
			later = later || reads(u, t)
		}
		for _, st := range jp.steps[s+1:] {
			for _, u := range st.onUses {
				later = later || reads(u, t)
			}
		}
		jp.steps[s].skipMerge = !later
	}
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
// partner; for modeLookup which equality names the primary key and the
// buffers one batch's keys are read with.
type builtStep struct {
	*joinStep
	jp      *joinPlan
	at      int // the table's index in jp.tables
	mode    stepMode
	keyAt   int              // modeLookup: the equality of left/right on the primary key
	rows    []map[string]any // the table's records (modeHash, modeLoop)
	hash    map[string]int32 // modeHash: 1 + the first row of each key
	next    []int32          // modeHash: 1 + the next row of the same key
	matched []bool
	ext     joinRow // the new table's record an ON condition is tested with

	// modeLookup.
	pk            string
	keyOnly       bool // nothing of the table but its key is read: no record is decoded
	kinds         bool // numbers and strs are known
	numbers, strs bool // the key kinds the table holds
	seen          map[string]int
	keys          []any            // the batch's distinct keys, in first-seen order
	forms         []int            // index in keys of each key form of the rows, row by row
	rowAt         []int            // where each row's forms start in forms
	recs          []map[string]any // by index in keys, the record found
	hit           []bool           // by index in keys, whether one was found
	keyRec        map[string]any   // keyOnly: {pk: key} for ON
	buf           []byte
	keyed         KeyedAttrSource // src, when it is one
	attrs         []string        // what a lookup reads of each record (nil: all)
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
		b := &builtStep{joinStep: &jp.steps[i], jp: jp, at: i + 1, mode: modeLoop}
		t := b.table
		b.ext.prefix = qualifiedKey(t.alias, "")
		pk, err := src.PrimaryKey(t.ref.DB, t.ref.Table)
		if err != nil {
			return nil, err
		}
		b.pk = pk
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

// keepOf is what the statement reads of tables[t]; nil: every attribute.
func (jp *joinPlan) keepOf(t int) []string {
	if jp.keeps == nil {
		return nil
	}
	return jp.keeps[t]
}

// load reads a hash or loop step's table into memory and hashes it.
func (b *builtStep) load(ctx context.Context, src Source) error {
	t := b.table
	keep := b.jp.keepOf(b.at)
	err := scanKeep(ctx, src, t.ref, keep, func(rec map[string]any, owned bool) error {
		if !owned {
			rec = trim(rec, keep)
		}
		b.rows = append(b.rows, rec)
		return nil
	})
	if err != nil {
		return err
	}
	if b.mode == modeHash {
		// Rows are chained last to first, so each key's chain runs in
		// the table's order.
		b.hash = make(map[string]int32, len(b.rows))
		b.next = make([]int32, len(b.rows))
		var buf []byte
		c := rowCtx{ext: &b.ext}
		vals := make([]any, len(b.right))
		for j := len(b.rows) - 1; j >= 0; j-- {
			b.ext.rec = b.rows[j]
			for k, op := range b.right {
				vals[k] = op.eval(&c)
			}
			var ok bool
			if buf, ok = joinKey(buf[:0], vals...); ok {
				b.next[j] = b.hash[string(buf)]
				b.hash[string(buf)] = int32(j + 1)
			}
		}
	}
	if b.kind == joinRight || b.kind == joinFull {
		b.matched = make([]bool, len(b.rows))
	}
	return nil
}

// scanKeep scans table t, reading only the attributes in keep when keep
// is non-nil and src is an AttrSource; owned says fn gets records that
// hold only keep and are its own to change.
func scanKeep(ctx context.Context, src Source, t TableRef, keep []string, fn func(rec map[string]any, owned bool) error) error {
	if as, ok := src.(AttrSource); ok && keep != nil {
		return as.ScanAttrs(ctx, t.DB, t.Table, keep, func(rec map[string]any) error { return fn(rec, true) })
	}
	return src.Scan(ctx, t.DB, t.Table, func(rec map[string]any) error { return fn(rec, false) })
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

// run reads the tables and calls fn with each joined row: the first table
// streams in batches of joinBatch rows through the steps in order.
func (jp *joinPlan) run(ctx context.Context, src Source, fn func(map[string]any) error) error {
	built, err := jp.plan(src)
	if err != nil {
		return err
	}
	for _, b := range built {
		if b.mode != modeLookup {
			if err := b.load(ctx, src); err != nil {
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
			err = built[i].lookup(ctx, src, rows, push)
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
	err = scanKeep(ctx, src, first.ref, jp.keepOf(0), func(rec map[string]any, owned bool) error {
		batch = append(batch, jp.firstRow(rec, owned))
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
			batch = append(batch, jp.extend(nil, b.at, b.rows[j]))
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

// join tests row with rec, the new table's record, against ON and, when
// they pass, pushes the joined row: row extended with rec, or row itself
// when nothing after the step reads the table (skipMerge).
func (b *builtStep) join(c *rowCtx, row, rec map[string]any, push func(map[string]any) error) (bool, error) {
	if b.on != nil {
		c.rec, c.ext, b.ext.rec = row, &b.ext, rec
		ok := b.on.test(c) == triTrue
		c.ext, b.ext.rec = nil, nil
		if !ok {
			return false, nil
		}
	}
	if b.skipMerge {
		return true, push(row)
	}
	return true, push(b.jp.extend(row, b.at, rec))
}

// probe joins each row with the matching rows of a hash or loop step's
// table, in the table's order; a LEFT or FULL join keeps a row that
// matched nothing.
func (b *builtStep) probe(ctx context.Context, rows []map[string]any, push func(map[string]any) error) error {
	var c rowCtx
	vals := make([]any, len(b.left))
	var key []byte
	try := func(row map[string]any, j int) (bool, error) {
		ok, err := b.join(&c, row, b.rows[j], push)
		if ok && b.matched != nil {
			b.matched[j] = true
		}
		return ok, err
	}
	for _, row := range rows {
		found := false
		if b.mode == modeHash {
			c.rec = row
			for k, op := range b.left {
				vals[k] = op.eval(&c)
			}
			var ok bool
			if key, ok = joinKey(key[:0], vals...); ok {
				for j := b.hash[string(key)]; j != 0; j = b.next[j-1] {
					m, err := try(row, int(j-1))
					if err != nil {
						return err
					}
					found = found || m
				}
			}
		} else {
			for j := range b.rows {
				if j%ctxCheckEvery == 0 {
					if err := ctx.Err(); err != nil {
						return err
					}
				}
				m, err := try(row, j)
				if err != nil {
					return err
				}
				found = found || m
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

// addKey appends to forms the index in keys of k, adding k to keys the
// first time the batch meets it.
func (b *builtStep) addKey(k any) {
	b.buf = appendKey(b.buf[:0], k)
	i, ok := b.seen[string(b.buf)]
	if !ok {
		i = len(b.keys)
		b.seen[string(b.buf)] = i
		b.keys = append(b.keys, k)
	}
	b.forms = append(b.forms, i)
}

// addForms adds the primary key a value v may equal, when the table holds
// keys of its kind: a number, or a string (= never makes a number equal a
// string, so ON would refuse a key of the other kind). NULL, booleans,
// objects and arrays equal no key.
func (b *builtStep) addForms(v any) {
	switch k, f := classify(v); k {
	case kindNumber:
		if !b.numbers {
			return
		}
		if _, isFloat := v.(float64); isFloat {
			b.addKey(v)
		} else {
			b.addKey(f)
		}
	case kindString:
		if b.strs {
			b.addKey(v)
		}
	}
}

// startLookup prepares a lookup step for its first batch: the key kinds
// of its table, and what each record read must hold.
func (b *builtStep) startLookup(src Source) error {
	b.kinds = true
	b.numbers, b.strs = true, true
	if kk, ok := src.(KeyKinder); ok {
		var err error
		if b.numbers, b.strs, err = kk.KeyKinds(b.table.ref.DB, b.table.ref.Table); err != nil {
			return err
		}
	}
	b.seen = make(map[string]int, joinBatch)
	keep := b.jp.keepOf(b.at)
	if keep != nil && !slices.Contains(keep, b.pk) {
		keep = append(slices.Clone(keep), b.pk)
	}
	b.attrs = keep
	if ks, ok := src.(KeyedAttrSource); ok && keep != nil {
		b.keyed = ks
		// Nothing after the step reads the table and its ON is the key
		// equality alone: whether the key exists is all a row needs.
		if b.skipMerge && b.single && keep != nil && len(keep) == 1 {
			b.keyOnly = true
			b.attrs = []string{}
			b.keyRec = map[string]any{}
		}
	}
	return nil
}

// lookup joins each row with the new table's records read by primary key:
// one read for the whole batch's keys, then each row, in order, with the
// records of its key that pass ON; a LEFT join keeps a row that matched
// nothing.
func (b *builtStep) lookup(ctx context.Context, src Source, rows []map[string]any, push func(map[string]any) error) error {
	if !b.kinds {
		if err := b.startLookup(src); err != nil {
			return err
		}
	}
	clear(b.seen)
	b.keys, b.forms, b.rowAt = b.keys[:0], b.forms[:0], b.rowAt[:0]
	var c rowCtx
	for _, row := range rows {
		b.rowAt = append(b.rowAt, len(b.forms))
		c.rec = row
		b.addForms(b.left[b.keyAt].eval(&c))
	}
	b.rowAt = append(b.rowAt, len(b.forms))
	b.recs = slices.Grow(b.recs[:0], len(b.keys))[:len(b.keys)]
	b.hit = slices.Grow(b.hit[:0], len(b.keys))[:len(b.keys)]
	clear(b.recs)
	clear(b.hit)
	if len(b.keys) > 0 {
		if err := b.read(ctx, src); err != nil {
			return err
		}
	}
	for i, row := range rows {
		matched := false
		for _, k := range b.forms[b.rowAt[i]:b.rowAt[i+1]] {
			if !b.hit[k] {
				continue
			}
			rec := b.recs[k]
			if b.keyOnly {
				b.keyRec[b.pk] = b.keys[k]
				rec = b.keyRec
			}
			m, err := b.join(&c, row, rec, push)
			if err != nil {
				return err
			}
			matched = matched || m
		}
		if !matched && b.kind == joinLeft {
			if err := push(row); err != nil {
				return err
			}
		}
	}
	return nil
}

// read reads the batch's keys into recs and hit: through GetAttrsAt when
// src is a KeyedAttrSource and the statement names what it reads, else through GetAttrs or Get, each record
// placed by its primary key.
func (b *builtStep) read(ctx context.Context, src Source) error {
	ref := b.table.ref
	if b.keyed != nil {
		return b.keyed.GetAttrsAt(ctx, ref.DB, ref.Table, b.keys, b.attrs, func(i int, rec map[string]any) error {
			b.recs[i], b.hit[i] = rec, true
			return nil
		})
	}
	record := func(rec map[string]any) error {
		b.buf = appendKey(b.buf[:0], rec[b.pk])
		if i, ok := b.seen[string(b.buf)]; ok {
			b.recs[i], b.hit[i] = rec, true
		}
		return nil
	}
	if as, ok := src.(AttrSource); ok && b.attrs != nil {
		return as.GetAttrs(ctx, ref.DB, ref.Table, b.keys, b.attrs, record)
	}
	return src.Get(ctx, ref.DB, ref.Table, b.keys, record)
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
