package records

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/hops-dev/hops/builtin/records/sqlq"
	"github.com/hops-dev/hops/builtin/records/store"
	"github.com/hops-dev/hops/sdk"
)

// tableReader is what the searches and SELECT read: the store, or the system
// database's tables (store.Memory).
type tableReader interface {
	sqlq.Source
	SearchByValue(ctx context.Context, db, table, attr string, value any, page store.Page, fn func(map[string]any) error) error
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
// more, the search's own fields, then get_attributes: HarperDB's order;
// without get_attributes, when orAll, each record whole) and checks them in
// order: every invalid field (one 400 naming them all), the caller's read
// right, then the table's existence (a 404 before any byte of the answer
// is written).
func (f *Family) beginSearch(ctx context.Context, req *sdk.Request, orAll bool, more func(fields *sdk.Fields)) (*search, error) {
	db, err := f.store()
	if err != nil {
		return nil, err
	}
	fields := req.Fields()
	t := readTarget(fields)
	more(fields)
	names, all, whole := attributes(fields, orAll)
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
	switch {
	case whole && !rules.limited && !exporting(ctx):
		// Each record as stored, its primary key first, without the
		// nulls of attributes it lacks (HarperDB answers the record). An
		// export keeps every column, the one header of its CSV.
		s.p.cols = []string{pk}
	case all:
		if s.p.cols, err = allColumns(st, t, pk); err != nil {
			return nil, err
		}
		s.p = rules.restrict(s.p)
	default:
		if err := rules.check(names, rightRead); err != nil {
			return nil, err
		}
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
	s, err := f.beginSearch(ctx, req, false, func(fields *sdk.Fields) {
		keys = values(fields, aliases)
		for _, k := range keys {
			switch k.(type) {
			case string, json.Number:
			default:
				fields.Fail(MsgHashValuesScalar, fields.Name(fields.FirstOf(aliases...)))
				return
			}
		}
	})
	if err != nil {
		return nil, err
	}
	if err := s.checkAttributes(nil, nil); err != nil {
		return nil, err
	}
	if db, ok := s.st.(*store.Store); ok {
		// The records' stored text, copied where it is already in the
		// answer's form (the same bytes as decoding and encoding them).
		return streamRaw(ctx, s.p, func(emit func([]byte) error) error {
			return db.GetRaw(ctx, s.t.db, s.t.table, keys, emit)
		}), nil
	}
	return streamRecords(ctx, s.p, func(emit func(map[string]any) error) error {
		return s.st.Get(ctx, s.t.db, s.t.table, keys, emit)
	}), nil
}

// searchByValue: search_by_value {database, table, search_attribute (or
// attribute), search_value (or value), get_attributes, limit, offset,
// reverse, sort}: the records whose attribute equals the value, or
// matches it with a leading or trailing "*" wildcard, in HarperDB's order
// (the attribute's value, then primary key; see store.SearchByConditions)
// or sort's, then cut by offset and limit. A value of "*" alone is every
// record, in primary key order whatever the attribute, as HarperDB runs
// it (a search without conditions).
func (f *Family) searchByValue(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	var attr string
	var value any
	var page store.Page
	s, err := f.beginSearch(ctx, req, true, func(fields *sdk.Fields) {
		attr = fields.String(fields.FirstOf(fieldSearchAttr, fieldAttribute), sdk.Required, sdk.Label(fieldAttribute))
		value = anyValue(fields, fields.FirstOf(fieldSearchValue, fieldValue), sdk.Label(fieldValue))
		page = readPage(fields)
	})
	if err != nil {
		return nil, err
	}
	if err := s.rules.check(append([]string{attr}, sortAttributes(page.Sort)...), rightRead); err != nil {
		return nil, err
	}
	if err := s.checkAttributes([]string{attr}, page.Sort); err != nil {
		return nil, err
	}
	if value == wildcardAll {
		attr = s.pk
	}
	if attr == s.pk && value == wildcardAll && page.Sort == nil {
		// Every record has a primary key: this is the whole table (or a
		// window of it) in key order, the usual way to ask for it, and
		// the raw scan answers it.
		if db, ok := s.st.(*store.Store); ok {
			setRowTotal(ctx, db, s.t.db, s.t.table)
			return streamRaw(ctx, s.p, func(emit func([]byte) error) error {
				return db.ScanRawPage(ctx, s.t.db, s.t.table, page, emit)
			}), nil
		}
	}
	return streamRecords(ctx, s.p, func(emit func(map[string]any) error) error {
		return s.st.SearchByValue(ctx, s.t.db, s.t.table, attr, value, page, emit)
	}), nil
}

// wildcardAll is search_by_value's value matching every record.
const wildcardAll = "*"

// searchByConditions: search_by_conditions {database, table, operator,
// conditions, limit, offset, reverse, sort, get_attributes}: the records
// matching the conditions (nested groups joined by their operator), in
// HarperDB's order (the first condition's attribute, then primary key;
// see store.SearchByConditions) or sort's, then cut by offset and limit.
// An unknown table in a known database is HarperDB's 400 "Table t not
// found" here.
func (f *Family) searchByConditions(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	var q store.Conditions
	s, err := f.beginSearch(ctx, req, true, func(fields *sdk.Fields) { q = readConditions(fields) })
	if err != nil {
		var se *store.Error
		if errors.As(err, &se) && se.Status == http.StatusNotFound && strings.HasPrefix(se.Msg, "Table ") {
			return nil, sdk.BadRequest(MsgTableNotFound, req.Fields().String(fieldTable))
		}
		return nil, err
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	if err := s.rules.check(conditionAttributes(q), rightRead); err != nil {
		return nil, err
	}
	if err := s.checkAttributes(q.Attributes(), q.Sort); err != nil {
		return nil, err
	}
	return streamRecords(ctx, s.p, func(emit func(map[string]any) error) error {
		return s.st.SearchByConditions(ctx, s.t.db, s.t.table, q, emit)
	}), nil
}

// checkAttributes refuses a search naming an attribute the table does not
// have, as HarperDB does before it reads: get_attributes (outside the
// system database, which HarperDB does not check) then the searched
// attributes, all named in one 400 MsgUnknownAttribute ("a, b and c"); a
// sort attribute with the 404 MsgNotDefined.
func (s *search) checkAttributes(searched []string, sort *store.Sort) error {
	attrs, err := s.st.Attributes(s.t.db, s.t.table)
	if err != nil {
		return err
	}
	var unknown []string
	if !s.p.all && !isSystem(s.t.db) {
		for _, a := range s.p.cols {
			if !slices.Contains(attrs, a) && !strings.HasPrefix(a, "$") {
				unknown = append(unknown, a)
			}
		}
	}
	for _, a := range searched {
		if !slices.Contains(attrs, a) {
			unknown = append(unknown, a)
		}
	}
	if len(unknown) > 0 {
		return sdk.BadRequest(MsgUnknownAttribute, joinAnd(unknown))
	}
	for _, a := range sortAttributes(sort) {
		if !slices.Contains(attrs, a) {
			return notDefined(a)
		}
	}
	return nil
}

// joinAnd lists names as HarperDB's messages do: "a", "a and b", "a, b
// and c".
func joinAnd(names []string) string {
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// notDefined is HarperDB's 404 for a search or sort on an attribute the
// table lacks.
func notDefined(attr string) error { return sdk.NotFound(MsgNotDefined, attr) }

// sortAttributes lists the attributes of a sort chain.
func sortAttributes(s *store.Sort) []string {
	var out []string
	for ; s != nil; s = s.Next {
		out = append(out, s.Attribute)
	}
	return out
}

// readConditions reads a search_by_conditions query: its operator,
// conditions (each read with the same exact-key rules), limit, offset,
// reverse and sort, with HarperDB's checks of the conditions' count: at
// least one, and a group needs one condition joined by "and" or two by
// "or". The store validates the rest of the query's meaning (q.Validate).
func readConditions(fields *sdk.Fields) store.Conditions {
	var q store.Conditions
	q.Operator = fields.String(fieldOperator)
	q.Conditions = readConditionList(fields, fieldConditions, sdk.Required)
	if q.Conditions == nil {
		q.Conditions = []store.Condition{}
	}
	if fields.Present(fieldConditions) && fields.Err() == nil {
		if len(q.Conditions) == 0 {
			fields.Fail(MsgConditionsEmpty)
		} else if msg := groupCount(q.Operator, q.Conditions); msg != "" {
			fields.Fail("%s", msg)
		}
	}
	page := readPage(fields)
	q.Limit, q.Offset, q.Reverse, q.Sort = page.Limit, page.Offset, page.Reverse, page.Sort
	return q
}

// groupCount is HarperDB's refusal of a group with too few conditions for
// its operator (an "or" of one, an "and" of none), nested groups
// included, or "" when every group has enough.
func groupCount(operator string, conds []store.Condition) string {
	switch strings.ToLower(operator) {
	case "or":
		if len(conds) < 2 {
			return MsgOrTooFew
		}
	case "", "and":
		if len(conds) < 1 {
			return MsgAndTooFew
		}
	}
	for _, c := range conds {
		if c.Conditions != nil {
			if msg := groupCount(c.Operator, c.Conditions); msg != "" {
				return msg
			}
		}
	}
	return ""
}

// readPage reads what orders and cuts a search's answer: limit (at least
// 1), offset (at least 0), reverse and sort, worded as HarperDB's
// validator words them. As in HarperDB, limit and offset may be numbers
// written as strings ("2"), and reverse is on only when it is true (any
// other value is accepted and leaves it off).
func readPage(fields *sdk.Fields) store.Page {
	var p store.Page
	if n, ok := pageInt(fields, fieldLimit); ok {
		if n < 1 {
			fields.Fail(MsgAtLeast, fields.Name(fieldLimit), 1)
		}
		p.Limit = n
	}
	if n, ok := pageInt(fields, fieldOffset); ok {
		if n < 0 {
			fields.Fail(MsgAtLeast, fields.Name(fieldOffset), 0)
		}
		p.Offset = n
	}
	if raw, ok := fields.Raw(fieldReverse); ok {
		p.Reverse = string(raw) == "true"
	}
	if sort, ok := fields.Object(fieldSort); ok {
		p.Sort = readSort(sort)
	}
	return p
}

// pageInt reads limit or offset: a whole number, or a string holding one
// (Joi's number() converts " 2 ", "2.0" and "1e1"; "" and "x" are not
// numbers).
func pageInt(fields *sdk.Fields, key string) (int, bool) {
	raw, ok := fields.Raw(key)
	if !ok || len(raw) == 0 || raw[0] != '"' {
		return fields.Int(key)
	}
	var text string
	if json.Unmarshal(raw, &text) != nil {
		return fields.Int(key)
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
	switch {
	case err != nil || strings.TrimSpace(text) == "" || math.IsInf(f, 0) || math.IsNaN(f):
		fields.Fail(sdk.MsgFieldNumber, fields.Name(key))
		return 0, false
	case f != math.Trunc(f) || math.Abs(f) > 1<<53-1: // as sdk.Fields.Int
		fields.Fail(sdk.MsgFieldInteger, fields.Name(key))
		return 0, false
	}
	return int(f), true
}

// readConditionList reads an array of conditions; a condition holding
// conditions is a group, read the same way. A leaf is read as HarperDB
// maps it: attribute (else search_attribute), comparator (else
// search_type; neither is equals) and value (else search_value; neither
// is "Search condition for x must have a value").
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
		cond := store.Condition{Operator: c.String(fieldOperator, sdk.AllowEmpty)}
		if c.Present(fieldConditions) {
			cond.Conditions = readConditionList(c, fieldConditions)
			if err := c.Err(); err != nil {
				fields.Fail("%s", err.Error())
			}
			out = append(out, cond)
			continue
		}
		cond.SearchAttribute = c.String(c.FirstOf(fieldAttribute, fieldSearchAttr), sdk.AllowEmpty, sdk.Label(fieldSearchAttr))
		cond.SearchType = c.String(c.FirstOf(fieldComparator, fieldSearchType), sdk.AllowEmpty, sdk.Label(fieldSearchType))
		if cond.SearchType == "" && !c.Present(fieldComparator) && !c.Present(fieldSearchType) {
			cond.SearchType = defaultComparator
		}
		valueKey := fieldSearchValue
		if c.Present(fieldValue) {
			valueKey = fieldValue
		}
		if raw, ok := c.Raw(valueKey); ok {
			if err := decodeNumbers(raw, &cond.SearchValue); err != nil {
				fields.Fail(MsgFieldInvalid, valueKey, err)
			}
		} else if cond.SearchAttribute != "" {
			fields.Fail(MsgConditionNoValue, cond.SearchAttribute)
		}
		if err := c.Err(); err != nil {
			fields.Fail("%s", err.Error())
		}
		out = append(out, cond)
	}
	return out
}

// defaultComparator is a condition's comparator when it names none.
const defaultComparator = "equals"

// readSort reads a sort object and its next, with the store's names.
func readSort(fields *sdk.Fields) *store.Sort {
	s := &store.Sort{Attribute: fields.String("attribute", sdk.AllowEmpty)}
	s.Descending, _ = fields.Bool("descending")
	if next, ok := fields.Object("next"); ok {
		s.Next = readSort(next)
	}
	return s
}
