package records

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"

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

// write runs one record write request: the whole request is one
// writeRecords call, so one write transaction.
func (f *Family) write(req *sdk.Request, fn writeFunc, need ...right) (*sdk.Response, error) {
	st, fields, err := f.begin(req)
	if err != nil {
		return nil, err
	}
	t := readWriteTarget(fields)
	recs := records(fields)
	if err := fields.Err(); err != nil {
		return nil, err
	}
	res, err := f.writeRecords(st, req.Caller, t, recs, fn, need...)
	if err != nil {
		return nil, err
	}
	return sdk.OK(res), nil
}

// writeRecords is the write path of insert, update, upsert and the bulk
// loads: the system database is refused, the caller's table and
// attribute rights checked, then recs written in one store call (one
// transaction). An unknown database or table is HarperDB's 400.
func (f *Family) writeRecords(st *store.Store, caller sdk.Caller, t target, recs []map[string]any, fn writeFunc, need ...right) (store.WriteResult, error) {
	if isSystem(t.db) {
		return store.WriteResult{}, systemReadOnly()
	}
	if err := permsOf(caller).checkTable(t, need...); err != nil {
		return store.WriteResult{}, err
	}
	if err := permsOf(caller).checkWrite(st, t, recs, need...); err != nil {
		return store.WriteResult{}, err
	}
	res, err := fn(st, t.db, t.table, recs)
	if store.StatusOf(err) == http.StatusNotFound {
		// HarperDB's insert and update check the table as part of their
		// validation: an unknown database or table is a 400.
		return store.WriteResult{}, sdk.BadRequest("%s", err.Error())
	}
	return res, err
}

// readWriteTarget is readTarget for insert, update and upsert, whose
// validator takes a number as a database or table name: HarperDB uses its
// text (5 is table "5").
func readWriteTarget(fields *sdk.Fields) target {
	t := target{db: defaultDatabase}
	if name := fields.FirstOf(aliasDatabase...); fields.Present(name) {
		t.db = nameOrNumber(fields, name)
	}
	t.table = nameOrNumber(fields, fieldTable, sdk.Required)
	return t
}

// nameOrNumber reads a string field, or a number field as JavaScript
// writes the number (String(n)).
func nameOrNumber(fields *sdk.Fields, key string, opts ...sdk.FieldOption) string {
	if raw, ok := fields.Raw(key); ok && isNumber(raw) {
		if n, ok := fields.Number(key); ok {
			return jsNumber(n)
		}
	}
	return fields.String(key, opts...)
}

// isNumber reports whether raw is a JSON number.
func isNumber(raw json.RawMessage) bool {
	return len(raw) > 0 && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9')
}

// jsNumber formats n as JavaScript's String(n) does: plain decimals from
// 1e-6 up to 1e21, exponent form ("1e+21", "1e-7") outside.
func jsNumber(n float64) string {
	if a := math.Abs(n); a == 0 || a >= 1e-6 && a < 1e21 {
		return strconv.FormatFloat(n, 'f', -1, 64)
	}
	s := strconv.FormatFloat(n, 'e', -1, 64)
	mant, exp, _ := strings.Cut(s, "e")
	sign, digits := exp[:1], strings.TrimLeft(exp[1:], "0")
	return mant + "e" + sign + digits
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
	return sdk.OK(countMissingAsDeleted(res, keys)), nil
}

// countMissingAsDeleted answers a delete as HarperDB 4.7.29 does: a key
// no record has is counted as deleted ("2 of 2 records successfully
// deleted" for one stored key and one unknown), in the order given. Only
// a key that cannot be a primary key (not a string or number) stays
// skipped.
func countMissingAsDeleted(res store.WriteResult, keys []any) store.WriteResult {
	if len(res.Skipped) == 0 {
		return res
	}
	deleted := make([]any, 0, len(keys))
	var skipped []any
	for _, k := range keys {
		switch k.(type) {
		case string, json.Number, float64:
			deleted = append(deleted, k)
		default:
			skipped = append(skipped, k)
		}
	}
	res.Deleted, res.Skipped = deleted, skipped
	return res
}
