package records

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/hops-dev/hops/builtin/records/sqlq"
	"github.com/hops-dev/hops/builtin/records/store"
	"github.com/hops-dev/hops/sdk"
)

// tableReader is what the searches and SELECT read: the store, or the system
// database's tables (store.Memory).
type tableReader interface {
	sqlq.Source
	SearchByValue(ctx context.Context, db, table, attr string, value any, fn func(map[string]any) error) error
	SearchByConditions(ctx context.Context, db, table string, q store.Conditions, fn func(map[string]any) error) error
}

// search is what every search reads before it runs: the store, the
// table (checked for read permission and existence) and the projection.
type search struct {
	st     tableReader
	fields map[string]json.RawMessage
	t      target
	p      projection
	pk     string
	rules  attrRules // the caller's attribute rights on the table
}

// beginSearch reads and checks what every search shares, in order: the
// table, the caller's read right, get_attributes, then the table's
// existence (a 404 before any byte of the answer is written).
func (f *Family) beginSearch(ctx context.Context, req *sdk.Request) (*search, error) {
	db, fields, err := f.begin(req)
	if err != nil {
		return nil, err
	}
	t, err := readTarget(fields)
	if err != nil {
		return nil, err
	}
	var st tableReader = db
	if isSystem(t.db) {
		if err := checkSystemRead(req.Caller, t.table, false); err != nil {
			return nil, err
		}
		if st, err = systemMemory(ctx, req, t.table); err != nil {
			return nil, err
		}
	} else if err := permsOf(req.Caller).checkTable(t, rightRead); err != nil {
		return nil, err
	}
	names, all, err := attributes(fields)
	if err != nil {
		return nil, err
	}
	pk, err := st.PrimaryKey(t.db, t.table)
	if err != nil {
		return nil, err
	}
	rules := permsOf(req.Caller).attrRulesFor(t, pk)
	s := &search{st: st, fields: fields, t: t, p: projection{cols: names, all: all}, pk: pk, rules: rules}
	if all {
		if s.p.cols, err = allColumns(st, t, pk); err != nil {
			return nil, err
		}
		s.p = rules.restrict(s.p)
	} else if err := rules.check(names, rightRead); err != nil {
		return nil, err
	}
	return s, nil
}

// allColumns is the column order of get_attributes ["*"]: the primary key,
// then every other attribute of the table sorted as JavaScript sorts
// (sqlq.CompareNames), the order of a SELECT * too.
func allColumns(st tableReader, t target, pk string) ([]string, error) {
	attrs, err := st.Attributes(t.db, t.table)
	if err != nil {
		return nil, err
	}
	cols := make([]string, 0, len(attrs))
	for _, a := range attrs {
		if a != pk {
			cols = append(cols, a)
		}
	}
	slices.SortFunc(cols, sqlq.CompareNames)
	return slices.Insert(cols, 0, pk), nil
}

// searchByHash: search_by_hash / search_by_id {database, table,
// hash_values | ids, get_attributes}: the records of the given keys, in
// the order given; unknown keys are skipped.
func (f *Family) searchByHash(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	s, err := f.beginSearch(ctx, req)
	if err != nil {
		return nil, err
	}
	aliases := aliasHashValues
	if req.Operation == "search_by_id" {
		aliases = aliasIDs
	}
	keys, err := values(s.fields, aliases)
	if err != nil {
		return nil, err
	}
	return streamRecords(ctx, s.p, func(emit func(map[string]any) error) error {
		return s.st.Get(ctx, s.t.db, s.t.table, keys, emit)
	}), nil
}

// searchByValue: search_by_value {database, table, search_attribute,
// search_value, get_attributes}: the records whose attribute equals the
// value, or matches it with a leading or trailing "*" wildcard.
func (f *Family) searchByValue(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	s, err := f.beginSearch(ctx, req)
	if err != nil {
		return nil, err
	}
	attr, _, err := sdk.String(s.fields, fieldSearchAttr, true, false)
	if err != nil {
		return nil, err
	}
	value, err := anyValue(s.fields, fieldSearchValue)
	if err != nil {
		return nil, err
	}
	if err := s.rules.check([]string{attr}, rightRead); err != nil {
		return nil, err
	}
	if attr == s.pk && value == wildcardAll {
		// Every record has a primary key: this is the whole table, the
		// usual way to ask for it, and the raw scan answers it.
		if db, ok := s.st.(*store.Store); ok {
			return streamRaw(ctx, s.p, func(emit func([]byte) error) error {
				return db.ScanRaw(ctx, s.t.db, s.t.table, emit)
			}), nil
		}
	}
	return streamRecords(ctx, s.p, func(emit func(map[string]any) error) error {
		return s.st.SearchByValue(ctx, s.t.db, s.t.table, attr, value, emit)
	}), nil
}

// wildcardAll is search_by_value's value matching any non-null value.
const wildcardAll = "*"

// searchByConditions: search_by_conditions {database, table, operator,
// conditions, limit, offset, sort, get_attributes}.
func (f *Family) searchByConditions(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	s, err := f.beginSearch(ctx, req)
	if err != nil {
		return nil, err
	}
	q, err := readConditions(s.fields)
	if err != nil {
		return nil, err
	}
	if err := s.rules.check(conditionAttributes(q), rightRead); err != nil {
		return nil, err
	}
	return streamRecords(ctx, s.p, func(emit func(map[string]any) error) error {
		return s.st.SearchByConditions(ctx, s.t.db, s.t.table, q, emit)
	}), nil
}

// readConditions reads and validates a search_by_conditions query, naming
// the parameter at fault.
func readConditions(fields map[string]json.RawMessage) (store.Conditions, error) {
	var q store.Conditions
	op, _, err := sdk.String(fields, fieldOperator, false, false)
	if err != nil {
		return q, err
	}
	q.Operator = op
	if !sdk.Present(fields, fieldConditions) {
		return q, sdk.BadRequest("'%s' is required", fieldConditions)
	}
	raw := fields[fieldConditions]
	if !isArray(raw) {
		return q, sdk.BadRequest("'%s' must be an array", fieldConditions)
	}
	if err := decodeNumbers(raw, &q.Conditions); err != nil {
		return q, sdk.BadRequest(MsgFieldInvalid, fieldConditions, err)
	}
	if q.Conditions == nil {
		q.Conditions = []store.Condition{}
	}
	if q.Limit, err = count(fields, fieldLimit); err != nil {
		return q, err
	}
	if q.Offset, err = count(fields, fieldOffset); err != nil {
		return q, err
	}
	var sort store.Sort
	if ok, err := sdk.Object(fields, fieldSort, false, &sort); err != nil {
		return q, err
	} else if ok {
		q.Sort = &sort
	}
	return q, q.Validate()
}
