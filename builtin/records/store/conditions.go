package store

import (
	"cmp"
	"slices"
	"strings"
)

// Conditions is a search_by_conditions request as HarperDB's JSON spells
// it. Decode the request body into it (extra fields are ignored), call
// Validate or let SearchByConditions do it.
type Conditions struct {
	// Operator joins the top-level conditions: "and" (default) or "or".
	Operator string `json:"operator,omitempty"`
	// Conditions are leaves or nested groups. Required; an empty list
	// matches every record.
	Conditions []Condition `json:"conditions"`
	// Limit caps the number of records returned; 0 means no limit.
	Limit int `json:"limit,omitempty"`
	// Offset skips that many matching records first.
	Offset int `json:"offset,omitempty"`
	// Reverse turns the answer's order round.
	Reverse bool `json:"reverse,omitempty"`
	// Sort orders the results; without it they come in the order of the
	// first condition's attribute, then primary key (SearchByConditions).
	Sort *Sort `json:"sort,omitempty"`
}

// page is q's order and window.
func (q Conditions) page() Page {
	return Page{Limit: q.Limit, Offset: q.Offset, Reverse: q.Reverse, Sort: q.Sort}
}

// orderFn gives a record's place in a search's answer before the primary
// key breaks ties: the first branch of an or it matches, then the value of
// the attribute whose index HarperDB reads for that branch.
type orderFn func(rec map[string]any) (branch int, val any)

// order is the order of q's answer without a sort, as HarperDB's indexes
// give it: an and reads the index of its first condition (a group's: its
// own order); an or answers its first condition's matches, then the
// second's not yet answered, and so on. An equality every match passes
// reads one value, among which the index's order is the primary key's; a
// condition on the primary key reads in key order too. nil means primary
// key order (the answer can stream).
func (q Conditions) order(pk string) orderFn {
	return groupOrder(q.Operator, q.Conditions, pk)
}

// groupOrder is order for conditions joined by operator.
func groupOrder(operator string, conds []Condition, pk string) orderFn {
	if len(conds) == 0 {
		return nil
	}
	if len(conds) == 1 || !strings.EqualFold(operator, "or") {
		return conditionOrder(conds[0], pk)
	}
	preds := make([]predicate, len(conds))
	orders := make([]orderFn, len(conds))
	for i, c := range conds {
		p, err := c.compile(true)
		if err != nil { // compile validated the query before
			return nil
		}
		preds[i] = p
		orders[i] = conditionOrder(c, pk)
	}
	return func(rec map[string]any) (int, any) {
		for i, p := range preds {
			if p(rec) {
				if orders[i] == nil {
					return i, nil
				}
				_, v := orders[i](rec)
				return i, v
			}
		}
		return len(preds), nil
	}
}

// conditionOrder is order for one condition or group.
func conditionOrder(c Condition, pk string) orderFn {
	if c.Conditions != nil {
		return groupOrder(c.Operator, c.Conditions, pk)
	}
	if op, ok := comparators[c.SearchType]; c.SearchAttribute == pk || ok && op == cmpEquals {
		return nil
	}
	return attributeOrder(c.SearchAttribute)
}

// attributeOrder orders by the value of attr (its index's order).
func attributeOrder(attr string) orderFn {
	return func(rec map[string]any) (int, any) { return 0, rec[attr] }
}

// Attributes lists every attribute q's conditions test, nested groups
// included, each once, in the order they first appear.
func (q Conditions) Attributes() []string {
	var out []string
	var walk func([]Condition)
	walk = func(conds []Condition) {
		for _, c := range conds {
			if c.Conditions != nil {
				walk(c.Conditions)
			} else if !slices.Contains(out, c.SearchAttribute) {
				out = append(out, c.SearchAttribute)
			}
		}
	}
	walk(q.Conditions)
	return out
}

// Condition is either a leaf (SearchAttribute, SearchType, SearchValue) or,
// when Conditions is present, a nested group joined by Operator.
type Condition struct {
	// SearchAttribute is the attribute a leaf tests.
	SearchAttribute string `json:"search_attribute,omitempty"`
	// SearchType is the comparison: equals, not_equal, contains,
	// starts_with, ends_with, greater_than, greater_than_equal, less_than,
	// less_than_equal or between, or one of HarperDB's aliases (eq, ne,
	// gt, >=, lessThan, sw, ct, ...: comparators.go).
	SearchType string `json:"search_type,omitempty"`
	// SearchValue is the operand; for between, a two-element array [low, high].
	SearchValue any `json:"search_value,omitempty"`
	// Operator joins a group's conditions: "and" (default) or "or".
	Operator string `json:"operator,omitempty"`
	// Conditions makes this condition a group.
	Conditions []Condition `json:"conditions,omitempty"`
}

// Sort orders search results by Attribute, then by Next for ties, then by
// primary key. Records lacking the attribute sort first (last when
// descending); across kinds the order is null, booleans, numbers, strings,
// arrays and objects.
type Sort struct {
	// Attribute is the attribute to sort by. Required.
	Attribute string `json:"attribute"`
	// Descending reverses the order.
	Descending bool `json:"descending,omitempty"`
	// Next breaks ties.
	Next *Sort `json:"next,omitempty"`
}

// Validation messages of search_by_conditions (400s).
const (
	// ErrMsgUnknownComparator is HarperDB's message for an unknown search_type.
	ErrMsgUnknownComparator = "Unknown query comparator \"%s\""
	// ErrMsgOperator: an operator other than and/or.
	ErrMsgOperator = "'operator' must be one of [and, or]"
	// ErrMsgBetween: a between search whose value is not a two-element array.
	ErrMsgBetween = "'search_value' must be an array of two values when 'search_type' is 'between'"
	// ErrMsgScalarValue: a comparison that needs a string or a number got something else, arg the search_type.
	ErrMsgScalarValue = "'search_value' must be a string or a number when 'search_type' is '%s'"
	// ErrMsgSortAttribute: a sort (or a next of one) without an attribute
	// (HarperDB's words).
	ErrMsgSortAttribute = "Sort requires an attribute"
	// ErrMsgNegative: a negative limit or offset, arg the parameter.
	ErrMsgNegative = "'%s' must be greater than or equal to 0"
)

// Parameter names used in search validation messages.
const (
	paramConditions      = "conditions"
	paramSearchAttribute = "search_attribute"
	paramSearchType      = "search_type"
	paramLimit           = "limit"
	paramOffset          = "offset"
)

// Validate checks q and returns a 400 *Error naming the bad parameter.
func (q Conditions) Validate() error {
	_, err := q.compile()
	return err
}

// predicate tests a decoded record.
type predicate func(rec map[string]any) bool

// compile validates q and builds its predicate.
func (q Conditions) compile() (predicate, error) {
	if q.Conditions == nil {
		return nil, badRequest(ErrMsgRequired, paramConditions)
	}
	if err := q.page().validate(); err != nil {
		return nil, err
	}
	return compileGroup(q.Operator, q.Conditions, true)
}

// compileGroup builds the predicate of conditions joined by operator.
// indexed says whether the group is read through an index in HarperDB:
// then an "or" reads every condition through its attribute's index and an
// "and" its first one, the others filtering the records read (see
// Condition.compile for how the two differ).
func compileGroup(operator string, conds []Condition, indexed bool) (predicate, error) {
	var or bool
	switch strings.ToLower(operator) {
	case "", "and":
	case "or":
		or = true
	default:
		return nil, badRequest(ErrMsgOperator)
	}
	preds := make([]predicate, 0, len(conds))
	for i, c := range conds {
		p, err := c.compile(indexed && (or || i == 0))
		if err != nil {
			return nil, err
		}
		preds = append(preds, p)
	}
	if len(preds) == 0 {
		return func(map[string]any) bool { return true }, nil
	}
	return func(rec map[string]any) bool {
		for _, p := range preds {
			if p(rec) == or {
				return or
			}
		}
		return !or
	}, nil
}

// compile builds the predicate of one condition or group. HarperDB
// answers a condition in one of two ways, and so does this: read through
// the attribute's index (indexed: the first condition of an "and", every
// condition of an "or", search_by_value's only one), where a record
// without the attribute is never found, each element of an array value is
// a value of its own, and a range below a value or not_equal starts at
// true (null and false are never found); or as a filter on records read
// another way, where a missing attribute is null.
func (c Condition) compile(indexed bool) (predicate, error) {
	if c.Conditions != nil {
		return compileGroup(c.Operator, c.Conditions, indexed)
	}
	if c.SearchAttribute == "" {
		return nil, badRequest(ErrMsgRequired, paramSearchAttribute)
	}
	if c.SearchType == "" {
		return nil, badRequest(ErrMsgRequired, paramSearchType)
	}
	test, err := comparison(c.SearchType, c.SearchValue, indexed)
	if err != nil {
		return nil, err
	}
	attr := c.SearchAttribute
	return func(rec map[string]any) bool {
		v, ok := rec[attr]
		return test(v, ok)
	}, nil
}

// valueTest tests an attribute's value; present is false when the record
// lacks the attribute.
type valueTest func(v any, present bool) bool

// comparison builds the test of one search_type against an attribute's
// value, as HarperDB compares: equality is exact (1 is not "1"; null
// only an explicit null), contains and ends_with read numbers and
// booleans as JavaScript's text, starts_with tests strings, and the
// ranges and not_equal order every kind (null < false < true < numbers <
// strings < arrays and objects, compareAny) as HarperDB's index keys do.
func comparison(searchType string, value any, indexed bool) (valueTest, error) {
	op, ok := comparators[searchType]
	if !ok {
		return nil, badRequest(ErrMsgUnknownComparator, searchType)
	}
	var test func(v any) bool
	switch op {
	case cmpEquals:
		test = func(v any) bool { return equalValues(v, value) }
	case cmpNotEqual:
		if !indexed {
			return func(v any, _ bool) bool { return compareAny(v, value) != 0 }, nil
		}
		test = func(v any) bool { return compareAny(v, value) != 0 && (value == nil || compareAny(v, true) >= 0) }
	case cmpBetween:
		bounds, ok := value.([]any)
		if !ok || len(bounds) != 2 {
			return nil, badRequest(ErrMsgBetween)
		}
		lo, hi := bounds[0], bounds[1]
		if !rangeOperand(lo) || !rangeOperand(hi) {
			return nil, badRequest(ErrMsgBetween)
		}
		test = func(v any) bool { return compareAny(v, lo) >= 0 && compareAny(v, hi) <= 0 }
	case cmpContains, cmpStartsWith, cmpEndsWith:
		if !rangeOperand(value) {
			return nil, badRequest(ErrMsgScalarValue, searchType)
		}
		test = stringTest(op, value)
	default:
		if !rangeOperand(value) {
			return nil, badRequest(ErrMsgScalarValue, searchType)
		}
		below := op == cmpLess || op == cmpLessEqual
		vf, vNum := number(value)
		test = func(v any) bool {
			if f, ok := number(v); ok && vNum { // the usual case, parsed once
				return rangeHolds(op, cmp.Compare(f, vf))
			}
			if _, isObj := v.(map[string]any); isObj {
				return false
			}
			return rangeHolds(op, compareAny(v, value)) && !(indexed && below && compareAny(v, true) < 0)
		}
	}
	return func(v any, present bool) bool {
		if arr, ok := v.([]any); ok {
			for _, e := range arr {
				if test(e) {
					return true
				}
			}
			return false
		}
		if !present && (indexed || op == cmpEquals) {
			return false
		}
		return test(v)
	}, nil
}

// rangeOperand reports whether v may be compared in order: a scalar (a
// string, number, boolean or null), not an array or object.
func rangeOperand(v any) bool { return rank(v) != rankOther }

// stringTest builds contains/starts_with/ends_with. starts_with tests
// strings only; contains and ends_with read a number or boolean as
// JavaScript writes it (30 contains "3"). A number operand is matched by
// its text.
func stringTest(op comparator, value any) func(v any) bool {
	needle, ok := jsText(value)
	if !ok {
		needle = "null"
	}
	if op == cmpStartsWith {
		return func(v any) bool {
			s, ok := v.(string)
			return ok && strings.HasPrefix(s, needle)
		}
	}
	return func(v any) bool {
		s, ok := jsText(v)
		if !ok {
			return false
		}
		if op == cmpContains {
			return strings.Contains(s, needle)
		}
		return strings.HasSuffix(s, needle)
	}
}

// rangeHolds says whether a comparison result satisfies a range comparator.
func rangeHolds(op comparator, c int) bool {
	switch op {
	case cmpGreater:
		return c > 0
	case cmpGreaterEqual:
		return c >= 0
	case cmpLess:
		return c < 0
	}
	return c <= 0 // cmpLessEqual
}
