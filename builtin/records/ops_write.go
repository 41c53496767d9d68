package records

import (
	"context"

	"github.com/hops-dev/hops/builtin/records/store"
	"github.com/hops-dev/hops/sdk"
)

// writeFunc is one of the store's record writes.
type writeFunc func(st *store.Store, db, table string, recs []map[string]any) (store.WriteResult, error)

// insert: insert {database, table, records}; needs insert.
func (f *Family) insert(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	return f.write(req, (*store.Store).Insert, rightInsert)
}

// update: update {database, table, records}; needs update.
func (f *Family) update(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	return f.write(req, (*store.Store).Update, rightUpdate)
}

// upsert: upsert {database, table, records}; needs insert and update.
func (f *Family) upsert(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	return f.write(req, (*store.Store).Upsert, rightInsert, rightUpdate)
}

// write runs one record write: the whole request is one store call, so one
// write transaction.
func (f *Family) write(req *sdk.Request, fn writeFunc, need ...right) (*sdk.Response, error) {
	st, fields, err := f.begin(req)
	if err != nil {
		return nil, err
	}
	t := readTarget(fields)
	recs := records(fields)
	if err := fields.Err(); err != nil {
		return nil, err
	}
	if isSystem(t.db) {
		return nil, systemReadOnly()
	}
	if err := permsOf(req.Caller).checkTable(t, need...); err != nil {
		return nil, err
	}
	if err := permsOf(req.Caller).checkWrite(st, t, recs, need...); err != nil {
		return nil, err
	}
	res, err := fn(st, t.db, t.table, recs)
	if err != nil {
		return nil, err
	}
	return sdk.OK(res), nil
}

// deleteRecords: delete {database, table, hash_values | ids}; needs delete.
func (f *Family) deleteRecords(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	st, fields, err := f.begin(req)
	if err != nil {
		return nil, err
	}
	t := readTarget(fields)
	keys := values(fields, aliasHashValues)
	if err := fields.Err(); err != nil {
		return nil, err
	}
	if isSystem(t.db) {
		return nil, systemReadOnly()
	}
	if err := permsOf(req.Caller).checkTable(t, rightDelete); err != nil {
		return nil, err
	}
	res, err := st.Delete(t.db, t.table, keys)
	if err != nil {
		return nil, err
	}
	return sdk.OK(res), nil
}
