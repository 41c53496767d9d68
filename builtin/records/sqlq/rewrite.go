package sqlq

import "strings"

// HarperDB's SQL (alasql) reads some things the MySQL grammar does not:
// [bracketed] names, functions whose names MySQL gives a grammar of its own
// (EXTRACT(date, 'year'), DATE_ADD(date, 1, 'days'), TRIM, SUBSTRING,
// GROUP_CONCAT...) and keywords used as column names (now, count). Before
// parsing, rewriteSQL turns these into what the grammar reads as the same
// thing: a bracketed name becomes a backquoted one, a call to a function
// this package runs becomes a call of a plain name (fnPrefix + the name as
// written, which compileFunc strips again), and with quoteWords a keyword
// that is not called as a function is backquoted. Text inside quotes and
// comments is left as it is.

// fnPrefix marks a call rewritten by rewriteSQL; output names drop it.
const fnPrefix = "hdbfn__"

// keywordColumns are words HarperDB takes as column names where they are
// not called as functions; with quoteWords rewriteSQL backquotes them.
var keywordColumns = map[string]bool{
	"now": true, "count": true, "sum": true, "avg": true, "min": true, "max": true,
	"system": true, "user": true, "key": true, "date": true, "time": true,
	"timestamp": true, "year": true, "month": true, "day": true, "hour": true,
	"minute": true, "second": true, "value": true, "status": true, "first": true,
	"last": true, "array": true, "search_json": true, "select": false,
}

// tableWords are the words after which a name is a table's (INSERT INTO
// log (id) ...), never a function call to rewrite.
var tableWords = map[string]bool{"into": true, "from": true, "join": true, "update": true, "table": true}

// bareCalls are functions HarperDB calls without parentheses.
var bareCalls = map[string]bool{
	"current_timestamp": true, "current_date": true, "current_time": true,
}

// rewriteSQL returns sql rewritten as the comment above says.
func rewriteSQL(sql string, quoteWords bool) string {
	var b strings.Builder
	i := 0
	prev := "" // the last word, lower-cased; "" after any other token
	for i < len(sql) {
		c := sql[i]
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' && !isNameStart(c) {
			prev = ""
		}
		switch {
		case skipInert(sql, i) > i:
			j := skipInert(sql, i)
			b.WriteString(sql[i:j])
			i = j
		case c == '[':
			j := strings.IndexByte(sql[i+1:], ']')
			if j < 0 || strings.ContainsAny(sql[i+1:i+1+j], "`'\"[") {
				b.WriteByte(c)
				i++
				continue
			}
			b.WriteString("`" + sql[i+1:i+1+j] + "`")
			i += j + 2
		case isNameStart(c):
			j := i + 1
			for j < len(sql) && isNamePart(sql[j]) {
				j++
			}
			word := sql[i:j]
			lower := strings.ToLower(word)
			qualified := (i > 0 && sql[i-1] == '.') || (j < len(sql) && sql[j] == '.')
			k := j
			for k < len(sql) && (sql[k] == ' ' || sql[k] == '\t' || sql[k] == '\n' || sql[k] == '\r') {
				k++
			}
			called := k < len(sql) && sql[k] == '('
			switch {
			case qualified || tableWords[prev]:
				b.WriteString(word)
			case called && lower == "cast":
				if out, next, ok := castCall(sql, k, quoteWords); ok {
					b.WriteString(out)
					prev = ""
					i = next
					continue
				}
				b.WriteString(word)
			case called && rewrittenCall(lower):
				b.WriteString(fnPrefix + word)
			case !called && bareCalls[lower]:
				b.WriteString(fnPrefix + word + "()")
			case !called && quoteWords && keywordColumns[lower]:
				b.WriteString("`" + word + "`")
			default:
				b.WriteString(word)
			}
			prev = lower
			i = j
		case c >= '0' && c <= '9':
			j := i + 1
			for j < len(sql) && (isNamePart(sql[j]) || sql[j] == '.') {
				j++
			}
			b.WriteString(sql[i:j])
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// castCall rewrites CAST(expr AS type[(size[, precision])]), whose '('
// is at sql[open], into a call of the cast function this package runs,
// fnPrefix+CAST(expr, 'type'[, size[, precision]]), as alasql reads any
// type name (CAST(x AS INT), CAST(x AS STRING)); next is the index after
// its ')'. ok is false when the text is not that shape.
func castCall(sql string, open int, quoteWords bool) (out string, next int, ok bool) {
	depth, asAt := 0, -1
	for i := open; i < len(sql); {
		if j := skipInert(sql, i); j > i {
			i = j
			continue
		}
		switch c := sql[i]; {
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth > 0 {
				break
			}
			if asAt < 0 {
				return "", 0, false
			}
			typ := strings.TrimSpace(sql[asAt+2 : i])
			name, args := typ, ""
			if p := strings.IndexByte(typ, '('); p >= 0 && strings.HasSuffix(typ, ")") {
				name, args = strings.TrimSpace(typ[:p]), typ[p+1:len(typ)-1]
			}
			if name == "" || strings.IndexFunc(name, func(r rune) bool {
				return !(r == ' ' || r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
			}) >= 0 {
				return "", 0, false
			}
			out = fnPrefix + "CAST(" + rewriteSQL(sql[open+1:asAt], quoteWords) + ", '" + name + "'"
			if args != "" {
				out += ", " + args
			}
			return out + ")", i + 1, true
		case depth == 1 && (c == 'a' || c == 'A') && i > 0 && i+2 < len(sql) &&
			(sql[i+1] == 's' || sql[i+1] == 'S') && isBlank(sql[i-1]) && isBlank(sql[i+2]):
			asAt = i
		}
		i++
	}
	return "", 0, false
}

// isBlank reports whether c is white space between SQL words.
func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// rewrittenCall reports whether a call of name is rewritten: every scalar
// function this package runs and the aggregates MySQL has no plain call
// for.
func rewrittenCall(lower string) bool {
	if _, ok := scalarFuncs[lower]; ok {
		return true
	}
	switch lower {
	case "array", "distinct_array", "group_concat":
		return true
	}
	return false
}

// unprefix removes fnPrefix from an output name written by the user.
func unprefix(s string) string {
	if !strings.Contains(s, fnPrefix) {
		return s
	}
	return strings.ReplaceAll(s, fnPrefix, "")
}
