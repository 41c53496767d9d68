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

// comparators maps every accepted search_type (lower case) to its
// comparator: HarperDB's long names and its short aliases.
var comparators = map[string]comparator{
	"equals":             cmpEquals,
	"eq":                 cmpEquals,
	"not_equal":          cmpNotEqual,
	"ne":                 cmpNotEqual,
	"contains":           cmpContains,
	"starts_with":        cmpStartsWith,
	"ends_with":          cmpEndsWith,
	"greater_than":       cmpGreater,
	"gt":                 cmpGreater,
	"greater_than_equal": cmpGreaterEqual,
	"ge":                 cmpGreaterEqual,
	"gte":                cmpGreaterEqual,
	"less_than":          cmpLess,
	"lt":                 cmpLess,
	"less_than_equal":    cmpLessEqual,
	"le":                 cmpLessEqual,
	"lte":                cmpLessEqual,
	"between":            cmpBetween,
}
