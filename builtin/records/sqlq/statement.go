package sqlq

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dolthub/vitess/go/vt/sqlparser"
)

// Kind says what a statement does; the family maps it to a permission
// (read, insert, update, delete) and an operation.
type Kind int

// The statement kinds Parse returns.
const (
	Select Kind = iota + 1
	Insert
	Update
	Delete
)

// String returns the SQL verb.
func (k Kind) String() string {
	switch k {
	case Select:
		return "SELECT"
	case Insert:
		return "INSERT"
	case Update:
		return "UPDATE"
	case Delete:
		return "DELETE"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// TableRef names a table in a database (HarperDB's schema).
type TableRef struct {
	// DB is the database (schema).
	DB string
	// Table is the table's name.
	Table string
}

// String returns "db.table", as HarperDB's messages write it.
func (t TableRef) String() string { return t.DB + "." + t.Table }

// Options tune Parse.
type Options struct {
	// DefaultDatabase is the database of a table named without one
	// ("FROM dogs"). Empty (the default) makes such a table a 400.
	DefaultDatabase string
}

// Assignment is one SET column = value of an UPDATE.
type Assignment struct {
	// Column is the attribute to set.
	Column string
	// Value is the constant to store: json.Number, string, bool or nil.
	// It is nil for an expression over the record (Statement.SetFor).
	Value any
	// expr, when not nil, computes the value from the record being
	// updated (SET n = n + 1, SET name = UPPER(name)).
	expr operand
}

// Statement is a parsed statement, ready to run. Kind says which fields
// apply; a Statement may be run any number of times, concurrently too.
type Statement struct {
	// Kind is what the statement does.
	Kind Kind
	// Table is the table it reads or writes.
	Table TableRef
	// InsertColumns lists an INSERT's columns, in the order written.
	InsertColumns []string
	// Rows holds an INSERT's records, one map per VALUES tuple; numbers
	// are json.Number so that they are stored exactly as written.
	Rows []map[string]any
	// Set holds an UPDATE's assignments, in the order written.
	Set []Assignment

	sel   *selectPlan // SELECT only; the first SELECT of a set operation
	set   *setPlan    // UNION, INTERSECT or EXCEPT; nil otherwise
	where *filter     // UPDATE and DELETE only
	refs  []string    // attributes read: select list, WHERE, GROUP BY, HAVING, ORDER BY
}

// errStop ends a read early once LIMIT rows were emitted; never returned.
var errStop = errors.New("sqlq: enough rows")

// Parse parses one statement with default Options.
func Parse(sql string) (*Statement, error) {
	return ParseWith(sql, Options{})
}

// ParseWith parses one SQL statement. Errors are *Error: a syntax error
// ("Invalid SQL at: ..."), a feature this package does not run ("SQL
// feature not supported: ..."), or a table without a database.
func ParseWith(sql string, opts Options) (*Statement, error) {
	tree, err := parseHarper(sql)
	if errors.Is(err, sqlparser.ErrEmpty) {
		return nil, badRequest(MsgInvalidSQL, MsgEmptySQL)
	}
	if err != nil {
		return nil, syntaxError(err)
	}
	switch x := tree.(type) {
	case *sqlparser.Select:
		return compileSelect(x, opts)
	case *sqlparser.Insert:
		return compileInsert(x, opts)
	case *sqlparser.Update:
		return compileUpdate(x, opts)
	case *sqlparser.Delete:
		return compileDelete(x, opts)
	case *sqlparser.SetOp:
		return compileSetOp(x, opts)
	case *sqlparser.ParenSelect:
		return nil, syntaxError(fmt.Errorf("syntax error at %s", sql))
	}
	name := strings.TrimPrefix(fmt.Sprintf("%T", tree), "*sqlparser.")
	return nil, notSupported(strings.ToUpper(name) + " statements (only SELECT, INSERT, UPDATE and DELETE are)")
}

// parseHarper parses sql as HarperDB reads it: first rewritten for the
// grammar (rewriteSQL), then with keywords used as names backquoted, then
// with names beside a '.' backquoted too (quoteQualified). When none of
// these parses, the error is the one for the text as the user wrote it, so
// positions in messages are the user's.
func parseHarper(sql string) (sqlparser.Statement, error) {
	attempts := []string{rewriteSQL(sql, false), rewriteSQL(sql, true)}
	if quoted, changed := quoteQualified(attempts[1]); changed {
		attempts = append(attempts, quoted)
	}
	for _, text := range attempts {
		if tree, err := parseTree(text); err == nil {
			return tree, nil
		}
	}
	return parseTree(sql)
}

// parseTree runs the parser (|| joins strings, as in alasql, not MySQL's
// OR: a || b is CONCAT(a, b)), turning a panic inside it into a syntax
// error: fuzzing found texts (SELECT and an empty string) that make this
// version of the parser index out of range, and bad input must never
// crash the family.
func parseTree(sql string) (tree sqlparser.Statement, err error) {
	defer func() {
		if r := recover(); r != nil {
			tree, err = nil, fmt.Errorf("syntax error at %s", MsgParserPanic)
		}
	}()
	return sqlparser.ParseWithOptions(context.Background(), sql, sqlparser.ParserOptions{PipesAsConcat: true})
}

// Tables returns the tables the statement touches, for permission checks.
func (st *Statement) Tables() []TableRef {
	if st.Table.Table == "" {
		return nil // SELECT without FROM
	}
	if st.sel != nil && st.sel.join != nil {
		var out []TableRef
		for _, t := range st.sel.join.tables {
			if !slices.Contains(out, t.ref) {
				out = append(out, t.ref)
			}
		}
		return out
	}
	return []TableRef{st.Table}
}

// ReadAttributes returns the attributes the statement reads (named in its
// select list, WHERE, GROUP BY, HAVING or ORDER BY; not output aliases),
// each once in the order first written. SELECT * reads every attribute
// besides these: see SelectedColumns. An INSERT reads none.
func (st *Statement) ReadAttributes() []string { return slices.Clone(st.refs) }

// WrittenAttributes returns the attributes an INSERT or UPDATE writes, in
// the order written; nil for SELECT and DELETE.
func (st *Statement) WrittenAttributes() []string {
	switch st.Kind {
	case Insert:
		return slices.Clone(st.InsertColumns)
	case Update:
		out := make([]string, 0, len(st.Set))
		for _, a := range st.Set {
			out = append(out, a.Column)
		}
		return out
	}
	return nil
}

// SelectedColumns returns a SELECT's output columns in order, or nil for
// SELECT * (whose columns depend on the table: see Columns).
func (st *Statement) SelectedColumns() []string {
	if st.sel == nil || st.sel.star {
		return nil
	}
	return slices.Clone(st.sel.names)
}

// ReadsWholeTable reports whether the statement is a SELECT * whose rows
// are exactly the table's records in key order, as they are: no WHERE,
// GROUP BY, aggregate, HAVING, ORDER BY, OFFSET or LIMIT. A reader may then
// scan the table itself instead of calling Run.
func (st *Statement) ReadsWholeTable() bool {
	p := st.sel
	if p == nil || !p.star || p.join != nil || len(p.outs) > 0 || p.distinct || p.grouped || p.having != nil || len(p.order) > 0 || p.offset != 0 || p.limit != noLimit {
		return false
	}
	return p.where == nil || (p.where.cond == nil && len(p.where.keys) == 0)
}

// Columns returns a SELECT's output column order: the select list's names
// (aliases where given), or for SELECT * the primary key first and then
// every other attribute of the table sorted by UTF-16 code unit, as
// HarperDB's exports order them. src is only read for SELECT *; its errors
// are returned unchanged.
func (st *Statement) Columns(src Source) ([]string, error) {
	if st.sel == nil {
		return nil, fmt.Errorf("sqlq: Columns of a %s statement", st.Kind)
	}
	if !st.sel.star {
		return slices.Clone(st.sel.names), nil
	}
	if st.sel.join != nil {
		return st.sel.joinColumns(src)
	}
	pk, err := src.PrimaryKey(st.Table.DB, st.Table.Table)
	if err != nil {
		return nil, err
	}
	attrs, err := src.Attributes(st.Table.DB, st.Table.Table)
	if err != nil {
		return nil, err
	}
	cols := make([]string, 0, len(attrs)+1)
	for _, a := range attrs {
		if a != pk && !slices.Contains(cols, a) {
			cols = append(cols, a)
		}
	}
	slices.SortFunc(cols, compareStrings)
	cols = append([]string{pk}, cols...)
	for _, n := range st.sel.names {
		if !slices.Contains(cols, n) {
			cols = append(cols, n)
		}
	}
	return cols, nil
}

// resolveTable turns a FROM/INTO table name into a TableRef.
func resolveTable(t sqlparser.TableName, opts Options) (TableRef, error) {
	ref := TableRef{DB: t.DbQualifier.String(), Table: t.Name.String()}
	if !t.SchemaQualifier.IsEmpty() {
		return TableRef{}, notSupported("three-part table names")
	}
	if ref.DB == "" {
		if opts.DefaultDatabase == "" {
			return TableRef{}, badRequest(MsgNoDatabase, ref.Table)
		}
		ref.DB = opts.DefaultDatabase
	}
	return ref, nil
}

// singleTable returns the one plain table of a FROM (or UPDATE/DELETE
// table list) and its alias, refusing joins, derived tables and lists.
func singleTable(exprs sqlparser.TableExprs, opts Options) (TableRef, string, error) {
	if len(exprs) == 0 {
		return TableRef{}, "", notSupported("SELECT without FROM")
	}
	if len(exprs) > 1 {
		return TableRef{}, "", notSupported("JOIN (more than one table in FROM)")
	}
	switch x := exprs[0].(type) {
	case *sqlparser.AliasedTableExpr:
		name, ok := x.Expr.(sqlparser.TableName)
		if !ok {
			return TableRef{}, "", badRequest(MsgDerivedTable)
		}
		if x.AsOf != nil {
			return TableRef{}, "", notSupported("AS OF")
		}
		ref, err := resolveTable(name, opts)
		return ref, x.As.String(), err
	case *sqlparser.JoinTableExpr:
		return TableRef{}, "", notSupported("JOIN")
	case *sqlparser.ParenTableExpr:
		return TableRef{}, "", notSupported("parenthesized table lists")
	}
	return TableRef{}, "", notSupported("table expression " + sqlparser.String(exprs[0]))
}

// joinColumns is Columns for * or alias.* over a join: each selected
// table's primary key and then its other attributes sorted, tables in FROM
// order, each name once, then the other output columns.
func (p *selectPlan) joinColumns(src Source) ([]string, error) {
	var cols []string
	for _, t := range p.join.tables {
		if p.starAlias != "" && t.alias != p.starAlias {
			continue
		}
		pk, err := src.PrimaryKey(t.ref.DB, t.ref.Table)
		if err != nil {
			return nil, err
		}
		attrs, err := src.Attributes(t.ref.DB, t.ref.Table)
		if err != nil {
			return nil, err
		}
		slices.SortFunc(attrs, compareStrings)
		for _, a := range append([]string{pk}, attrs...) {
			if !slices.Contains(cols, a) {
				cols = append(cols, a)
			}
		}
	}
	for _, n := range p.names {
		if !slices.Contains(cols, n) {
			cols = append(cols, n)
		}
	}
	return cols, nil
}
