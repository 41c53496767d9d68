package records

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/hops-dev/hops/builtin/internal/fastjson"
	"github.com/hops-dev/hops/sdk"
)

// projection says which attributes of a record an answer shows, in order.
// A requested attribute the record lacks is shown as null, as HarperDB
// does. With all set the record's attributes missing from cols (written
// after cols was read) follow, sorted.
type projection struct {
	cols []string
	all  bool
}

// streamRecords answers with a JSON array written record by record by
// read, which calls emit once per record (typically from inside a store
// callback). Nothing but the current record is buffered here; the SDK
// sends the body in chunks as it fills.
func streamRecords(p projection, read func(emit func(map[string]any) error) error) *sdk.Response {
	return sdk.Streamed(sdk.ContentTypeJSON, func(w io.Writer) error {
		rw := newRecordWriter(w, p)
		if _, err := io.WriteString(w, "["); err != nil {
			return err
		}
		if err := read(rw.write); err != nil {
			return err
		}
		_, err := io.WriteString(w, "]\n")
		return err
	})
}

// recordWriter encodes records as the elements of a JSON array. What is
// the same for every record (each column's `"name":`, the set of columns)
// is worked out once, in newRecordWriter.
type recordWriter struct {
	w      io.Writer
	p      projection
	names  [][]byte            // names[i] is `"cols[i]":`
	colSet map[string]struct{} // the columns, when p.all
	enc    jsonAppender
	buf    []byte
	n      int
	extra  []string
}

// newRecordWriter returns a recordWriter of projection p writing to w.
func newRecordWriter(w io.Writer, p projection) *recordWriter {
	rw := &recordWriter{w: w, p: p, names: make([][]byte, len(p.cols))}
	for i, c := range p.cols {
		rw.names[i] = append(appendString(nil, c), ':')
	}
	if p.all {
		rw.colSet = make(map[string]struct{}, len(p.cols))
		for _, c := range p.cols {
			rw.colSet[c] = struct{}{}
		}
	}
	return rw
}

// write encodes one record (with a leading comma after the first).
func (rw *recordWriter) write(rec map[string]any) error {
	b := rw.buf[:0]
	if rw.n > 0 {
		b = append(b, ',')
	}
	rw.n++
	b = append(b, '{')
	found := 0
	for i, col := range rw.p.cols {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, rw.names[i]...)
		v, ok := rec[col]
		if ok {
			found++
		}
		var err error
		if b, err = rw.enc.value(b, v); err != nil {
			return err
		}
	}
	if rw.p.all && found < len(rec) {
		var err error
		if b, err = rw.appendExtra(b, rec); err != nil {
			return err
		}
	}
	b = append(b, '}')
	rw.buf = b
	_, err := rw.w.Write(b)
	return err
}

// appendExtra appends the attributes of rec that are not in cols, sorted.
func (rw *recordWriter) appendExtra(b []byte, rec map[string]any) ([]byte, error) {
	rw.extra = rw.extra[:0]
	for k := range rec {
		if _, ok := rw.colSet[k]; !ok {
			rw.extra = append(rw.extra, k)
		}
	}
	slices.Sort(rw.extra)
	comma := len(rw.p.cols) > 0
	for _, k := range rw.extra {
		if comma {
			b = append(b, ',')
		}
		comma = true
		b = appendString(b, k)
		b = append(b, ':')
		var err error
		if b, err = rw.enc.value(b, rec[k]); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// maxDirectDepth is how many levels of nested objects and arrays
// jsonAppender writes itself. Records nest a few levels at most; a deeper
// value goes to encoding/json, which notices a cycle (a map holding
// itself) instead of recursing until the stack overflows.
const maxDirectDepth = 64

// jsonAppender writes values as encoding/json does with HTML escaping
// off, byte for byte, without its reflection: what a decoded record holds
// (nil, string, bool, json.Number, float64, int, int64, map[string]any,
// []any) directly, anything else through encoding/json. Its scratch (the
// keys of the objects being written) is reused from value to value.
type jsonAppender struct {
	members []member
}

// member is one key and value of an object being written.
type member struct {
	key string
	val any
}

// value appends v. A top-level json.Number is written as it is, unchecked
// (the store holds only numbers it parsed); nested ones are checked as
// encoding/json checks them.
func (a *jsonAppender) value(b []byte, v any) ([]byte, error) {
	if n, ok := v.(json.Number); ok {
		if n == "" {
			return append(b, '0'), nil
		}
		return append(b, n...), nil
	}
	return a.nested(b, v, 0)
}

// nested appends v, which sits depth objects or arrays deep, as
// encoding/json writes it.
func (a *jsonAppender) nested(b []byte, v any, depth int) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendString(b, x), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case json.Number:
		if x == "" {
			return append(b, '0'), nil // encoding/json's zero Number
		}
		if fastjson.ValidNumber(string(x)) {
			return append(b, x...), nil
		}
	case float64:
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			return appendFloat(b, x), nil
		}
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case map[string]any:
		if depth < maxDirectDepth {
			return a.object(b, x, depth)
		}
	case []any:
		if depth < maxDirectDepth {
			return a.array(b, x, depth)
		}
	}
	// Other types, NaN, ±Inf (refused), invalid numbers (refused), too deep.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encoding a %T value: %w", v, err)
	}
	return append(b, bytes.TrimRight(buf.Bytes(), "\n")...), nil
}

// object appends m with its keys sorted bytewise, as encoding/json does.
func (a *jsonAppender) object(b []byte, m map[string]any, depth int) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	start := len(a.members)
	for k, v := range m {
		a.members = append(a.members, member{k, v})
	}
	// Deeper objects append past these members (or to a new array), so
	// ms stays intact while they are written.
	ms := a.members[start:]
	slices.SortFunc(ms, func(x, y member) int { return cmp.Compare(x.key, y.key) })
	b = append(b, '{')
	var err error
	for i, kv := range ms {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, kv.key)
		b = append(b, ':')
		if b, err = a.nested(b, kv.val, depth+1); err != nil {
			break
		}
	}
	clear(ms) // drop the references to the record's values
	a.members = a.members[:start]
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// array appends s.
func (a *jsonAppender) array(b []byte, s []any, depth int) ([]byte, error) {
	if s == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	for i, v := range s {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = a.nested(b, v, depth+1); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

// Float formatting bounds of encoding/json (and ECMAScript): plain decimal
// notation for 1e-6 <= |f| < 1e21, exponent notation outside.
const (
	minPlainFloat = 1e-6
	maxPlainFloat = 1e21
)

// appendFloat appends a finite f as encoding/json writes a float64.
func appendFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < minPlainFloat || abs >= maxPlainFloat) {
		format = 'e'
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// Go writes e-07 where encoding/json (and JavaScript) write e-7.
		n := len(b)
		if n-start >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// hexDigits are the digits of a \u00XX escape.
const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaped as encoding/json does
// with HTML escaping off (HarperDB leaves <, > and & alone): quotes,
// backslashes and control characters escaped (\b, \f, \n, \r, \t short,
// as encoding/json and JSON.stringify write them), invalid UTF-8 replaced
// by U+FFFD, U+2028 and U+2029 escaped for JavaScript.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= ' ' && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
