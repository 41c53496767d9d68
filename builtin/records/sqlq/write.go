package sqlq

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/dolthub/vitess/go/vt/sqlparser"
)

// compileInsert turns INSERT INTO db.t (cols) VALUES (...), (...) into
// records. Only constant values are accepted.
func compileInsert(x *sqlparser.Insert, opts Options) (*Statement, error) {
	switch {
	case x.Action == sqlparser.ReplaceStr:
		return nil, notSupported("REPLACE")
	case len(x.OnDup) > 0:
		return nil, notSupported("ON DUPLICATE KEY UPDATE")
	case x.With != nil:
		return nil, notSupported("WITH (common table expressions)")
	case len(x.Returning) > 0:
		return nil, notSupported("RETURNING")
	case len(x.Partitions) > 0:
		return nil, notSupported("PARTITION")
	case len(x.Columns) == 0:
		return nil, notSupported("INSERT without a column list")
	}
	table, err := resolveTable(x.Table, opts)
	if err != nil {
		return nil, err
	}
	values, ok := x.Rows.(*sqlparser.AliasedValues)
	if !ok {
		return nil, notSupported("INSERT ... SELECT")
	}
	st := &Statement{Kind: Insert, Table: table}
	for _, c := range x.Columns {
		st.InsertColumns = append(st.InsertColumns, c.String())
	}
	for i, tuple := range values.Values {
		if len(tuple) != len(st.InsertColumns) {
			return nil, badRequest(MsgInsertCount, i+1)
		}
		rec := make(map[string]any, len(tuple))
		for j, e := range tuple {
			v, err := storedValue(e)
			if err != nil {
				return nil, err
			}
			rec[st.InsertColumns[j]] = v
		}
		st.Rows = append(st.Rows, rec)
	}
	return st, nil
}

// compileUpdate turns UPDATE db.t SET col = value, ... [WHERE ...]; a
// value is a constant or an expression over the record (SET n = n + 1).
func compileUpdate(x *sqlparser.Update, opts Options) (*Statement, error) {
	switch {
	case x.With != nil:
		return nil, notSupported("WITH (common table expressions)")
	case len(x.OrderBy) > 0 || x.Limit != nil:
		return nil, notSupported("ORDER BY or LIMIT in UPDATE")
	case len(x.Returning) > 0:
		return nil, notSupported("RETURNING")
	}
	table, alias, err := singleTable(x.TableExprs, opts)
	if err != nil {
		return nil, err
	}
	refs := &attrRefs{}
	sc := &scope{table: table, alias: alias, refs: refs}
	st := &Statement{Kind: Update, Table: table}
	for _, a := range x.Exprs {
		col := a.Name.Name.String()
		if err := sc.checkQualifier(a.Name.Qualifier, col); err != nil {
			return nil, err
		}
		v, err := storedValue(a.Expr)
		if err == nil {
			st.Set = append(st.Set, Assignment{Column: col, Value: v})
			continue
		}
		// An expression over the record, computed for each one updated.
		op, cerr := compileOperand(a.Expr, sc)
		if cerr != nil {
			return nil, cerr
		}
		st.Set = append(st.Set, Assignment{Column: col, expr: op})
	}
	if st.where, err = compileWhere(x.Where, sc); err != nil {
		return nil, err
	}
	st.refs = refs.names
	return st, nil
}

// compileDelete turns DELETE FROM db.t [WHERE ...].
func compileDelete(x *sqlparser.Delete, opts Options) (*Statement, error) {
	switch {
	case x.With != nil:
		return nil, notSupported("WITH (common table expressions)")
	case len(x.Targets) > 0:
		return nil, notSupported("multi-table DELETE")
	case len(x.OrderBy) > 0 || x.Limit != nil:
		return nil, notSupported("ORDER BY or LIMIT in DELETE")
	case len(x.Returning) > 0:
		return nil, notSupported("RETURNING")
	case len(x.Partitions) > 0:
		return nil, notSupported("PARTITION")
	}
	table, alias, err := singleTable(x.TableExprs, opts)
	if err != nil {
		return nil, err
	}
	st := &Statement{Kind: Delete, Table: table}
	refs := &attrRefs{}
	if st.where, err = compileWhere(x.Where, &scope{table: table, alias: alias, refs: refs}); err != nil {
		return nil, err
	}
	st.refs = refs.names
	return st, nil
}

// storedValue returns the value an INSERT or UPDATE stores for a constant:
// numbers as json.Number holding the text as written (so no precision is
// lost), strings, booleans and NULL as themselves.
func storedValue(e sqlparser.Expr) (any, error) {
	switch x := e.(type) {
	case *sqlparser.NullVal:
		return nil, nil
	case sqlparser.BoolVal:
		return bool(x), nil
	case *sqlparser.ParenExpr:
		return storedValue(x.Expr)
	case *sqlparser.SQLVal:
		if x.Type == sqlparser.IntVal || x.Type == sqlparser.FloatVal {
			return numberValue(string(x.Val))
		}
		return literalValue(x)
	case *sqlparser.UnaryExpr:
		if v, ok := x.Expr.(*sqlparser.SQLVal); ok && x.Operator == sqlparser.UMinusStr &&
			(v.Type == sqlparser.IntVal || v.Type == sqlparser.FloatVal) {
			return numberValue("-" + string(v.Val))
		}
	}
	// A constant expression (1 + 1, UPPER('a'), NOW()) is evaluated once.
	if op, err := compileOperand(e, &scope{}); err == nil {
		if lit, ok := op.(literal); ok {
			return storedConstant(lit.v)
		}
		if call, ok := op.(funcCall); ok && call.fn.volatile && allLiterals(call.args) {
			return storedConstant(call.eval(&rowCtx{}))
		}
	}
	return nil, notSupported("values that are not constants (" + unprefix(sqlparser.String(e)) + ")")
}

// storedConstant returns a computed constant as storedValue does: numbers
// as json.Number.
func storedConstant(v any) (any, error) {
	if k, f := classify(v); k == kindNumber {
		return numberValue(jsNumber(f))
	}
	return v, nil
}

func allLiterals(ops []operand) bool {
	for _, o := range ops {
		if _, ok := o.(literal); !ok {
			return false
		}
	}
	return true
}

// numberValue returns text as a json.Number when it is valid JSON, else
// (".5", "1.") the float64 it means.
func numberValue(text string) (any, error) {
	if json.Valid([]byte(text)) {
		return json.Number(text), nil
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return nil, badRequest(MsgInvalidSQL, "number "+text)
	}
	return f, nil
}

// Matching calls fn with each record an UPDATE or DELETE applies to: the
// records its WHERE accepts (every record without WHERE), read by primary
// key when the WHERE pins the key, else by scan. The family then writes
// them through its own update or delete operation; fn must not write to
// the table while the read is open (collect keys, write after).
func (st *Statement) Matching(ctx context.Context, src Source, fn func(rec map[string]any) error) error {
	if st.where == nil {
		return fmt.Errorf("sqlq: Matching of a %s statement", st.Kind)
	}
	return st.where.read(ctx, src, st.Table, fn)
}

// SetReadsRecord reports whether some SET value is computed from the
// record it updates, so that SetFor needs each matched record whole.
func (st *Statement) SetReadsRecord() bool {
	for _, a := range st.Set {
		if a.expr != nil {
			return true
		}
	}
	return false
}

// SetFor returns the attributes an UPDATE writes into rec (which it does
// not change): each constant as it is, each expression evaluated over rec
// and stored as storedValue stores a constant (numbers as json.Number).
func (st *Statement) SetFor(rec map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(st.Set)+1)
	c := &rowCtx{rec: rec}
	for _, a := range st.Set {
		if a.expr == nil {
			out[a.Column] = a.Value
			continue
		}
		v, err := storedConstant(a.expr.eval(c))
		if err != nil {
			return nil, err
		}
		out[a.Column] = v
	}
	return out, nil
}
