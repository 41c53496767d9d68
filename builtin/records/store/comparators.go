package store

// comparator is a normalized search_type.
type comparator int

// The search types.
const (
	cmpEquals comparator = iota
	cmpNotEqual
	cmpContains
	cmpStartsWith
	cmpEndsWith
	cmpGreater
	cmpGreaterEqual
	cmpLess
	cmpLessEqual
	cmpBetween
)

// comparators maps every accepted search_type to its comparator:
// HarperDB's names and the aliases of its query layer, matched exactly
// (case matters, as in HarperDB: "EQUALS" is an unknown comparator).
var comparators = map[string]comparator{
	"equals":             cmpEquals,
	"eq":                 cmpEquals,
	"equal":              cmpEquals,
	"not_equal":          cmpNotEqual,
	"notEqual":           cmpNotEqual,
	"ne":                 cmpNotEqual,
	"contains":           cmpContains,
	"ct":                 cmpContains,
	"starts_with":        cmpStartsWith,
	"startsWith":         cmpStartsWith,
	"sw":                 cmpStartsWith,
	"ends_with":          cmpEndsWith,
	"endsWith":           cmpEndsWith,
	"ew":                 cmpEndsWith,
	"greater_than":       cmpGreater,
	"greaterThan":        cmpGreater,
	"gt":                 cmpGreater,
	">":                  cmpGreater,
	"greater_than_equal": cmpGreaterEqual,
	"greaterThanEqual":   cmpGreaterEqual,
	"ge":                 cmpGreaterEqual,
	">=":                 cmpGreaterEqual,
	"less_than":          cmpLess,
	"lessThan":           cmpLess,
	"lt":                 cmpLess,
	"<":                  cmpLess,
	"less_than_equal":    cmpLessEqual,
	"lessThanEqual":      cmpLessEqual,
	"le":                 cmpLessEqual,
	"<=":                 cmpLessEqual,
	"between":            cmpBetween,
	"...":                cmpBetween,
}
