package records

import (
	"context"
	"encoding/json"
	"fmt"
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
	st    tableReader
	t     target
	p     projection
	pk    string
	rules attrRules // the caller's attribute rights on the table
}

// beginSearch reads what every search shares (the table, then, through
// more, the search's own fields, then get_attributes: HarperDB's order)
// and checks them in order: every invalid field (one 400 naming them
// all), the caller's read right, then the table's existence (a 404 before
// any byte of the answer is written).
func (f *Family) beginSearch(ctx context.Context, req *sdk.Request, more func(fields *sdk.Fields)) (*search, error) {
	db, err := f.store()
	if err != nil {
		return nil, err
	}
	fields := req.Fields()
	t := readTarget(fields)
	more(fields)
	names, all := attributes(fields)
	if err := fields.Err(); err != nil {
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
	pk, err := st.PrimaryKey(t.db, t.table)
	if err != nil {
		return nil, err
	}
	rules := permsOf(req.Caller).attrRulesFor(t, pk)
	s := &search{st: st, t: t, p: projection{cols: names, all: all}, pk: pk, rules: rules}
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
	aliases := aliasHashValues
	if req.Operation == "search_by_id" {
		aliases = aliasIDs
	}
	var keys []any
	s, err := f.beginSearch(ctx, req, func(fields *sdk.Fields) { keys = values(fields, aliases) })
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
	var attr string
	var value any
	s, err := f.beginSearch(ctx, req, func(fields *sdk.Fields) {
		attr = fields.String(fieldSearchAttr, sdk.Required)
		value = anyValue(fields, fieldSearchValue)
	})
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
			setRowTotal(ctx, db, s.t.db, s.t.table)
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
	var q store.Conditions
	s, err := f.beginSearch(ctx, req, func(fields *sdk.Fields) { q = readConditions(fields) })
	if err != nil {
		return nil, err
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	if err := s.rules.check(conditionAttributes(q), rightRead); err != nil {
		return nil, err
	}
	return streamRecords(ctx, s.p, func(emit func(map[string]any) error) error {
		return s.st.SearchByConditions(ctx, s.t.db, s.t.table, q, emit)
	}), nil
}

// readConditions reads a search_by_conditions query: its operator,
// conditions (each read with the same exact-key rules), limit, offset and
// sort. The store validates the query's meaning (q.Validate).
func readConditions(fields *sdk.Fields) store.Conditions {
	var q store.Conditions
	q.Operator = fields.String(fieldOperator)
	q.Conditions = readConditionList(fields, fieldConditions, sdk.Required)
	if q.Conditions == nil {
		q.Conditions = []store.Condition{}
	}
	q.Limit = count(fields, fieldLimit)
	q.Offset = count(fields, fieldOffset)
	if sort, ok := fields.Object(fieldSort); ok {
		q.Sort = readSort(sort)
	}
	return q
}

// readConditionList reads an array of conditions; a condition holding
// conditions is a group, read the same way.
func readConditionList(fields *sdk.Fields, name string, opts ...sdk.FieldOption) []store.Condition {
	raw, ok := fields.Raw(name, opts...)
	if !ok {
		return nil
	}
	var items []json.RawMessage
	if !isArray(raw) || json.Unmarshal(raw, &items) != nil {
		fields.Fail(sdk.MsgFieldArray, fields.Name(name))
		return nil
	}
	out := make([]store.Condition, 0, len(items))
	for i, item := range items {
		c := sdk.ReadFields(item)
		if c.Err() != nil {
			fields.Fail(sdk.MsgFieldObject, fmt.Sprintf("%s[%d]", fields.Name(name), i))
			continue
		}
		cond := store.Condition{
			SearchAttribute: c.String("search_attribute", sdk.AllowEmpty),
			SearchType:      c.String("search_type", sdk.AllowEmpty),
			Operator:        c.String(fieldOperator, sdk.AllowEmpty),
		}
		if raw, ok := c.Raw("search_value"); ok {
			if err := decodeNumbers(raw, &cond.SearchValue); err != nil {
				fields.Fail(MsgFieldInvalid, "search_value", err)
			}
		}
		if c.Present(fieldConditions) {
			cond.Conditions = readConditionList(c, fieldConditions)
		}
		if err := c.Err(); err != nil {
			fields.Fail("%s", err.Error())
		}
		out = append(out, cond)
	}
	return out
}

// readSort reads a sort object and its next, with the store's names.
func readSort(fields *sdk.Fields) *store.Sort {
	s := &store.Sort{Attribute: fields.String("attribute", sdk.AllowEmpty)}
	s.Descending, _ = fields.Bool("descending")
	if next, ok := fields.Object("next"); ok {
		s.Next = readSort(next)
	}
	return s
}
