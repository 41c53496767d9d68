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

// countCSV counts line ends outside quoted fields, a quoted run at a time
// (bytes.IndexByte and bytes.Count); a doubled quote inside a field
// closes and reopens it, so it needs no special case.
func (c *rowCounter) countCSV(b []byte) {
	c.last = b[len(b)-1]
	for len(b) > 0 {
		q := bytes.IndexByte(b, '"')
		if c.inString {
			if q < 0 {
				return
			}
			c.inString = false
			b = b[q+1:]
			continue
		}
		plain := b
		if q >= 0 {
			plain = b[:q]
		}
		c.lines += int64(bytes.Count(plain, newline))
		c.rows = max(c.lines-1, 0)
		if q < 0 {
			return
		}
		c.inString = true
		b = b[q+1:]
	}
}

// newline is what ends a CSV line.
var newline = []byte{'\n'}

// countJSON counts objects closing at depth 1, outside strings. Inside a
// string it jumps to the next backslash or closing quote (bytes.IndexByte;
// nextQuote is remembered, so a string full of escapes costs no rescans).
func (c *rowCounter) countJSON(b []byte) {
	nextQuote := -1 // the index of the next '"' at or after i, when >= i
	for i := 0; i < len(b); i++ {
		if c.inString {
			if c.escaped { // the byte a backslash escapes
				c.escaped = false
				continue
			}
			if nextQuote < i {
				if nextQuote = bytes.IndexByte(b[i:], '"'); nextQuote >= 0 {
					nextQuote += i
				} else {
					nextQuote = len(b)
				}
			}
			if bs := bytes.IndexByte(b[i:nextQuote], '\\'); bs >= 0 {
				i += bs
				c.escaped = true
				continue
			}
			if nextQuote == len(b) {
				return // the rest of b is inside the string
			}
			i = nextQuote
			c.inString = false
			continue
		}
		switch ch := b[i]; ch {
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
		if ch := b[i]; ch != ' ' && ch != '\n' && ch != '\r' && ch != '\t' && ch != '"' {
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
