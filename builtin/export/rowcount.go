package export

import (
	"bytes"
	"errors"

	"github.com/hops-dev/hops/builtin/export/exporter"
)

// errTruncated ends a job whose search answer stopped before its end.
var errTruncated = errors.New(MsgTruncated)

// rowCounter follows the bytes of an export file as they are copied, so
// the job can report rows written without parsing a record: for CSV it
// counts the line ends outside quoted fields (the first line is the
// header), for JSON the objects that close directly inside the array.
// Both formats are as the records family's export_search writes them, and
// complete reports whether the bytes ended where such a file ends, so an
// answer cut short is an error even if its stream ended cleanly.
type rowCounter struct {
	csv bool
	// rows is the number of records counted so far.
	rows int64
	// lines: CSV lines ended so far (the header included).
	lines int64
	// inString: inside a CSV quoted field or a JSON string; escaped: just
	// after a backslash in a JSON string.
	inString, escaped bool
	// depth is JSON's nesting depth ('[' of the array is 1).
	depth int
	// seen: bytes were written; last: the last byte that was not
	// JSON white space.
	seen bool
	last byte
	// closed: the JSON array's closing bracket was seen.
	closed bool
}

// newRowCounter returns a rowCounter for format (exporter.FormatCSV or
// exporter.FormatJSON).
func newRowCounter(format string) *rowCounter {
	return &rowCounter{csv: format == exporter.FormatCSV}
}

// Write counts the records in b; it never fails.
func (c *rowCounter) Write(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	c.seen = true
	if c.csv {
		c.countCSV(b)
	} else {
		c.countJSON(b)
	}
	return len(b), nil
}

// countCSV counts line ends outside quoted fields; a doubled quote inside
// a field toggles twice, so it needs no special case.
func (c *rowCounter) countCSV(b []byte) {
	c.last = b[len(b)-1]
	for len(b) > 0 {
		if c.inString {
			i := bytes.IndexByte(b, '"')
			if i < 0 {
				break
			}
			c.inString = false
			b = b[i+1:]
			continue
		}
		i := bytes.IndexAny(b, "\"\n")
		if i < 0 {
			break
		}
		if b[i] == '"' {
			c.inString = true
		} else {
			c.lines++
		}
		b = b[i+1:]
	}
	c.rows = max(c.lines-1, 0)
}

// countJSON counts objects closing at depth 1, outside strings.
func (c *rowCounter) countJSON(b []byte) {
	for i := 0; i < len(b); i++ {
		ch := b[i]
		if c.inString {
			if c.escaped { // the byte a backslash escapes
				c.escaped = false
				continue
			}
			// Skip to the next quote or backslash.
			j := bytes.IndexAny(b[i:], "\"\\")
			if j < 0 {
				return // the rest of b is inside the string
			}
			i += j
			if b[i] == '\\' {
				c.escaped = true
			} else {
				c.inString = false
			}
			continue
		}
		switch ch {
		case '"':
			c.inString = true
		case '{', '[':
			c.depth++
		case '}':
			if c.depth--; c.depth == 1 {
				c.rows++
			}
		case ']':
			if c.depth--; c.depth == 0 {
				c.closed = true
			}
		}
		if ch != ' ' && ch != '\n' && ch != '\r' && ch != '\t' {
			c.last = ch
		}
	}
}

// complete reports whether the bytes counted end as a whole export file
// ends: CSV empty or ending a line outside quotes, JSON with the array
// closed last.
func (c *rowCounter) complete() bool {
	if c.csv {
		return !c.seen || (!c.inString && c.last == '\n')
	}
	return c.closed && c.depth == 0 && !c.inString && c.last == ']'
}
