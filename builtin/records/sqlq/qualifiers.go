package sqlq

import "strings"

// HarperDB's SQL (alasql) takes a keyword as a database, table or column
// name where a '.' says it is one: "FROM system.hdb_user", "t.count". The
// MySQL grammar refuses a reserved word there unless it is backquoted, so
// when a statement does not parse, ParseWith tries it once more with every
// bare name beside a '.' backquoted (quoteQualified); backquoting a name
// never changes what it means. The first error is the one reported, so
// positions in messages are the user's.

// quoteQualified returns sql with each bare name written next to a '.'
// (before or after it) backquoted, leaving string literals, quoted names,
// comments and numbers as they are, and whether it changed anything.
func quoteQualified(sql string) (string, bool) {
	var b strings.Builder
	changed := false
	i := 0
	for i < len(sql) {
		c := sql[i]
		switch {
		case skipInert(sql, i) > i:
			j := skipInert(sql, i)
			b.WriteString(sql[i:j])
			i = j
		case isNameStart(c):
			j := i + 1
			for j < len(sql) && isNamePart(sql[j]) {
				j++
			}
			word := sql[i:j]
			if (j < len(sql) && sql[j] == '.') || (i > 0 && sql[i-1] == '.') {
				b.WriteString("`" + word + "`")
				changed = true
			} else {
				b.WriteString(word)
			}
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
	return b.String(), changed
}

// skipInert returns the end of the quoted text or comment that starts at
// sql[i] (text a rewrite leaves as it is), or i when none starts there.
func skipInert(sql string, i int) int {
	c := sql[i]
	switch {
	case c == '\'' || c == '"' || c == '`':
		return skipQuoted(sql, i)
	case c == '-' && strings.HasPrefix(sql[i:], "-- "), c == '#':
		if j := strings.IndexByte(sql[i:], '\n'); j >= 0 {
			return i + j
		}
		return len(sql)
	case c == '/' && strings.HasPrefix(sql[i:], "/*"):
		if j := strings.Index(sql[i+2:], "*/"); j >= 0 {
			return i + 2 + j + 2
		}
		return len(sql)
	}
	return i
}

// skipQuoted returns the index just past the quoted text starting at
// sql[i] (a doubled quote or a backslash escape stays inside), or the end.
func skipQuoted(sql string, i int) int {
	q := sql[i]
	j := i + 1
	for j < len(sql) {
		switch {
		case sql[j] == '\\' && q != '`':
			j += 2
		case sql[j] == q && j+1 < len(sql) && sql[j+1] == q:
			j += 2
		case sql[j] == q:
			return j + 1
		default:
			j++
		}
	}
	return len(sql)
}

func isNameStart(c byte) bool {
	return c == '_' || c == '$' || c >= 0x80 || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

func isNamePart(c byte) bool { return isNameStart(c) || (c >= '0' && c <= '9') }
