package sqlq

import (
	"strconv"
	"strings"

	"github.com/dolthub/vitess/go/vt/sqlparser"
)

// HarperDB 4.7 names the unaliased select-list expressions of a SELECT
// with a FROM itself (SQLSearch._setAliasesForColumns), before alasql
// runs it:
//   - a function call by alasql's text of it (FuncValue.toString), with
//     every ' turned into ": UPPER(name), CONCAT(name,"-",city),
//     ROUND(age / 7,2). The arguments are joined by "," without spaces;
//     a function alasql knows (CONCAT, UPPER, ROUND...) is named in upper
//     case, one HarperDB adds (date_format, geoArea...) as written;
//   - an aggregate by its name in upper case and the column it reads:
//     COUNT(name), SUM(p.age), COUNT(*); DISTINCT is not named
//     (COUNT(DISTINCT city) is COUNT(city)); over anything but a column it
//     is AGG(undefined); GROUP_CONCAT is REDUCE(...);
//   - anything else that is not a column (arithmetic, a literal, CASE, a
//     comparison, CAST) "undefined", every such column the same key, the
//     last one's value kept.
//
// Without a FROM, alasql names the columns itself, by the same text with
// its quotes as written: UPPER('a'), CONCAT('a','b'), 2 * 3, 'x', 5.

// harperFns are the functions HarperDB registers with alasql under its
// own names (lower, upper and, for geo functions, camel case): alasql
// names them as they are written. Every other function is named in upper
// case.
var harperFns = map[string]bool{
	"distinct_array": true, "search_json": true, "current_date": true, "current_time": true,
	"extract": true, "date": true, "date_format": true, "date_add": true, "date_sub": true,
	"date_diff": true, "datediff": true, "now": true, "offset_utc": true, "get_server_time": true,
	"getdate": true, "current_timestamp": true, "geoarea": true, "geocircle": true,
	"geocontains": true, "geoconvert": true, "geocrosses": true, "geodifference": true,
	"geodistance": true, "geoequal": true, "geolength": true, "geonear": true,
}

// alasqlAggregates are the aggregates alasql names as AGG(column).
var alasqlAggregates = map[string]bool{
	"count": true, "sum": true, "avg": true, "min": true, "max": true, "array": true,
}

// undefinedName is HarperDB's name for an unaliased expression that is
// neither a column, a function nor an aggregate.
const undefinedName = "undefined"

// harperColumnName is the name HarperDB gives the unaliased expression e
// in a SELECT with a FROM (see above); e is not a plain column.
func harperColumnName(e sqlparser.Expr) string {
	switch x := e.(type) {
	case *sqlparser.FuncExpr:
		if isPipes(x) {
			return undefinedName
		}
		name := unprefix(x.Name.String())
		switch lower := strings.ToLower(name); {
		case lower == "cast": // alasql's Convert, not a function call
			return undefinedName
		case alasqlAggregates[lower]:
			return aggregateName(strings.ToUpper(name), x.Exprs)
		case lower == "group_concat":
			return aggregateName("REDUCE", x.Exprs)
		}
		return strings.ReplaceAll(alasqlText(x), "'", `"`)
	case *sqlparser.GroupConcatExpr:
		return aggregateName("REDUCE", x.Exprs)
	}
	return undefinedName
}

// aggregateName is an aggregate's column name: AGG(*), AGG(column),
// AGG(table.column) or AGG(undefined).
func aggregateName(agg string, args sqlparser.SelectExprs) string {
	if len(args) == 1 {
		switch a := args[0].(type) {
		case *sqlparser.StarExpr:
			return agg + "(*)"
		case *sqlparser.AliasedExpr:
			if col, ok := a.Expr.(*sqlparser.ColName); ok {
				return agg + "(" + columnText(col) + ")"
			}
		}
	}
	return agg + "(" + undefinedName + ")"
}

// columnText is a column as alasql writes it: [table.]column.
func columnText(col *sqlparser.ColName) string {
	if col.Qualifier.IsEmpty() {
		return col.Name.String()
	}
	return col.Qualifier.Name.String() + "." + col.Name.String()
}

// alasqlText writes e as alasql's toString writes its own tree of it.
func alasqlText(e sqlparser.Expr) string {
	switch x := e.(type) {
	case *sqlparser.ColName:
		return columnText(x)
	case *sqlparser.SQLVal:
		switch x.Type {
		case sqlparser.StrVal:
			return "'" + string(x.Val) + "'"
		case sqlparser.IntVal, sqlparser.FloatVal:
			if f, err := strconv.ParseFloat(string(x.Val), 64); err == nil {
				return jsNumber(f)
			}
		}
		return string(x.Val)
	case *sqlparser.NullVal:
		return "NULL"
	case sqlparser.BoolVal:
		if x {
			return "TRUE"
		}
		return "FALSE"
	case *sqlparser.ParenExpr:
		return alasqlText(x.Expr)
	case *sqlparser.UnaryExpr:
		return x.Operator + alasqlText(x.Expr)
	case *sqlparser.BinaryExpr:
		return alasqlText(x.Left) + " " + x.Operator + " " + alasqlText(x.Right)
	case *sqlparser.ComparisonExpr:
		return alasqlText(x.Left) + " " + strings.ToUpper(x.Operator) + " " + alasqlText(x.Right)
	case *sqlparser.CaseExpr:
		s := "CASE "
		if x.Expr != nil {
			s += alasqlText(x.Expr)
		}
		whens := make([]string, len(x.Whens))
		for i, w := range x.Whens {
			whens[i] = " WHEN " + alasqlText(w.Cond) + " THEN " + alasqlText(w.Val)
		}
		return s + strings.Join(whens, ",") + " END"
	case *sqlparser.FuncExpr:
		if isPipes(x) {
			return argsText(x.Exprs[:1]) + " || " + argsText(x.Exprs[1:])
		}
		name := unprefix(x.Name.String())
		lower := strings.ToLower(name)
		if alasqlAggregates[lower] {
			distinct := ""
			if x.Distinct {
				distinct = "DISTINCT "
			}
			return strings.ToUpper(name) + "(" + distinct + argsText(x.Exprs) + ")"
		}
		if !harperFns[lower] {
			name = strings.ToUpper(name)
		}
		if name == "CURRENT_TIMESTAMP" {
			return name
		}
		return name + "(" + argsText(x.Exprs) + ")"
	}
	return sqlparser.String(e)
}

// argsText joins a call's arguments as alasql does: "," and no spaces.
func argsText(args sqlparser.SelectExprs) string {
	parts := make([]string, len(args))
	for i, a := range args {
		switch x := a.(type) {
		case *sqlparser.AliasedExpr:
			parts[i] = alasqlText(x.Expr)
		case *sqlparser.StarExpr:
			parts[i] = "*"
		default:
			parts[i] = sqlparser.String(a)
		}
	}
	return strings.Join(parts, ",")
}

// isPipes reports whether f is a || b: the parser makes it CONCAT(a, b),
// and a CONCAT the user wrote carries fnPrefix (rewriteSQL), so an
// unprefixed CONCAT of two can only be ||.
func isPipes(f *sqlparser.FuncExpr) bool {
	return f.Name.String() == "CONCAT" && len(f.Exprs) == 2
}
