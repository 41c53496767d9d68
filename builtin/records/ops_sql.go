package records

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/hops-dev/hops/builtin/records/sqlq"
	"github.com/hops-dev/hops/builtin/records/store"
	"github.com/hops-dev/hops/sdk"
)

// sqlRights is the table right each statement kind needs.
var sqlRights = map[sqlq.Kind]right{
	sqlq.Select: rightRead,
	sqlq.Insert: rightInsert,
	sqlq.Update: rightUpdate,
	sqlq.Delete: rightDelete,
}

// sql: sql {sql}: one statement. A SELECT streams its rows; INSERT,
// UPDATE and DELETE run as the insert, update and delete operations
// would (one write transaction) and answer as they do.
func (f *Family) sql(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	st, fields, err := f.begin(req)
	if err != nil {
		return nil, err
	}
	if !fields.Present(fieldSQL) {
		return nil, sdk.BadRequest(MsgSQLMissing)
	}
	text := fields.String(fieldSQL, sdk.AllowEmpty)
	if err := fields.Err(); err != nil {
		return nil, err
	}
	if text == "" {
		return nil, sdk.BadRequest(MsgSQLMissing) // HarperDB's answer to "" too
	}
	stmt, err := sqlq.ParseWith(text, sqlq.Options{DefaultDatabase: defaultDatabase})
	if err != nil {
		return nil, err
	}
	if exporting(ctx) && stmt.Kind != sqlq.Select {
		return nil, sdk.BadRequest(MsgExportNotSelect) // an export never writes
	}
	need, ok := sqlRights[stmt.Kind]
	if !ok {
		return nil, sdk.BadRequest(MsgUnsupportedStatement, stmt.Kind)
	}
	if stmt.Kind == sqlq.Select && len(stmt.Tables()) == 0 {
		return sqlSelect(ctx, st, stmt, permsOf(req.Caller)) // no FROM: reads no table
	}
	if isSystem(stmt.Table.DB) {
		return sqlSystem(ctx, req, stmt)
	}
	var tables []target
	for _, t := range stmt.Tables() {
		tables = append(tables, target{db: t.DB, table: t.Table})
	}
	p := permsOf(req.Caller)
	if err := p.check(tables, need); err != nil {
		return nil, err
	}
	if err := p.checkStatement(st, stmt); err != nil {
		return nil, err
	}
	t := target{db: stmt.Table.DB, table: stmt.Table.Table}
	if err := checkColumns(st, stmt); err != nil {
		return nil, err
	}
	switch stmt.Kind {
	case sqlq.Insert:
		res, err := st.Insert(t.db, t.table, stmt.Rows)
		if store.StatusOf(err) == http.StatusNotFound {
			// As the insert operation: HarperDB's validation, a 400.
			return nil, sdk.BadRequest("%s", err.Error())
		}
		return writeAnswer(res, err)
	case sqlq.Update:
		return sqlUpdate(ctx, st, t, stmt)
	case sqlq.Delete:
		return sqlDelete(ctx, st, t, stmt)
	}
	return sqlSelect(ctx, st, stmt, p)
}

// checkColumns refuses a SELECT, UPDATE or DELETE that reads a column its
// table does not have (a join: none of its tables has), as HarperDB
// 4.7.29 does before it runs one ("unknown column x", which it answers as
// a 500, hops as a 400). An unknown table is left to the run to answer.
func checkColumns(st *store.Store, stmt *sqlq.Statement) error {
	if stmt.Kind == sqlq.Insert {
		return nil
	}
	refs := stmt.ReadAttributes()
	if len(refs) == 0 {
		return nil
	}
	var attrs []string
	for _, t := range stmt.Tables() {
		a, err := st.Attributes(t.DB, t.Table)
		if err != nil {
			return nil
		}
		attrs = append(attrs, a...)
	}
	for _, r := range refs {
		if !slices.Contains(attrs, r) {
			return sdk.BadRequest(MsgUnknownColumn, r)
		}
	}
	return nil
}

// sqlSystem runs a statement on the system database: a SELECT by a super
// user over its tables, anything else refused as HarperDB refuses it.
func sqlSystem(ctx context.Context, req *sdk.Request, stmt *sqlq.Statement) (*sdk.Response, error) {
	if stmt.Kind != sqlq.Select {
		return nil, systemReadOnly()
	}
	if err := checkSystemRead(req.Caller, stmt.Table.Table, false); err != nil {
		return nil, err
	}
	mem, err := systemMemory(ctx, req, stmt.Table.Table)
	if err != nil {
		return nil, err
	}
	return sqlSelect(ctx, mem, stmt, permsOf(req.Caller))
}

// sqlSelect streams a SELECT's rows. The table's existence is checked
// first so an unknown table is a clean 404.
func sqlSelect(ctx context.Context, st tableReader, stmt *sqlq.Statement, caller perms) (*sdk.Response, error) {
	cols, err := stmt.Columns(st)
	if err != nil {
		return nil, err
	}
	p := projection{cols: cols, all: stmt.SelectedColumns() == nil}
	if db, ok := st.(*store.Store); ok && p.all {
		rules, err := caller.rulesOn(db, target{db: stmt.Table.DB, table: stmt.Table.Table})
		if err != nil {
			return nil, err
		}
		p = rules.restrict(p)
	}
	if db, ok := st.(*store.Store); ok && stmt.ReadsWholeTable() {
		setRowTotal(ctx, db, stmt.Table.DB, stmt.Table.Table)
		return streamRaw(ctx, p, func(emit func([]byte) error) error {
			return db.ScanRaw(ctx, stmt.Table.DB, stmt.Table.Table, emit)
		}), nil
	}
	return streamRecords(ctx, p, func(emit func(map[string]any) error) error {
		if db, ok := st.(*store.Store); ok && stmt.Joins() {
			// A join may read one table by key while it scans another:
			// both through one read transaction per database (see
			// store.Snapshot).
			snap := db.Snapshot()
			defer snap.Close()
			return stmt.Run(ctx, snap, emit)
		}
		return stmt.Run(ctx, st, emit)
	}), nil
}

// sqlUpdate applies an UPDATE: the records its WHERE matches are
// collected first (a write must not run inside the read; only their keys
// when every SET value is a constant), then updated in one transaction
// with the SET values, computed from each record where they read it.
func sqlUpdate(ctx context.Context, st *store.Store, t target, stmt *sqlq.Statement) (*sdk.Response, error) {
	pk, err := st.PrimaryKey(t.db, t.table)
	var recs []map[string]any
	if err == nil {
		perRecord := stmt.SetReadsRecord()
		err = stmt.Matching(ctx, st, func(rec map[string]any) error {
			var set map[string]any
			var serr error
			if perRecord {
				set, serr = stmt.SetFor(rec)
			} else {
				set, serr = stmt.SetFor(nil)
			}
			if serr != nil {
				return serr
			}
			set[pk] = rec[pk]
			recs = append(recs, set)
			return nil
		})
	}
	if err != nil {
		return nil, sqlWriteError(err, t)
	}
	return writeAnswer(st.Update(t.db, t.table, recs))
}

// sqlDelete applies a DELETE to the keys its WHERE matches.
func sqlDelete(ctx context.Context, st *store.Store, t target, stmt *sqlq.Statement) (*sdk.Response, error) {
	_, keys, err := matchingKeys(ctx, st, t, stmt)
	if err != nil {
		return nil, sqlWriteError(err, t)
	}
	return writeAnswer(st.Delete(t.db, t.table, keys))
}

// sqlWriteError is the answer to an UPDATE or DELETE that failed with err:
// an unknown database or table is HarperDB's text ("schema x does not
// exist", "table x.t does not exist"), which it answers as a 500 and hops
// as a 400; any other error as it is.
func sqlWriteError(err error, t target) error {
	var se *store.Error
	if !errors.As(err, &se) || se.Status != http.StatusNotFound {
		return err
	}
	if se.Msg == fmt.Sprintf(store.ErrMsgDatabaseNotFound, t.db) {
		return sdk.BadRequest(MsgSQLWriteNoDatabase, t.db)
	}
	return sdk.BadRequest(MsgSQLUpdateNoTable, t.db, t.table)
}

// matchingKeys returns the table's primary key and the keys of the
// records an UPDATE or DELETE applies to.
func matchingKeys(ctx context.Context, st *store.Store, t target, stmt *sqlq.Statement) (string, []any, error) {
	pk, err := st.PrimaryKey(t.db, t.table)
	if err != nil {
		return "", nil, err
	}
	var keys []any
	err = stmt.Matching(ctx, st, func(rec map[string]any) error {
		keys = append(keys, rec[pk])
		return nil
	})
	return pk, keys, err
}

// writeAnswer answers a store write's result or error.
func writeAnswer(res store.WriteResult, err error) (*sdk.Response, error) {
	if err != nil {
		return nil, err
	}
	return sdk.OK(res), nil
}
