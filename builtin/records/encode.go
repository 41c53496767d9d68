package records

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"unicode/utf8"

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
		rw := &recordWriter{w: w, p: p}
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

// recordWriter encodes records as the elements of a JSON array.
type recordWriter struct {
	w     io.Writer
	p     projection
	buf   []byte
	n     int
	extra []string
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
		v, ok := rec[col]
		if ok {
			found++
		}
		var err error
		if b, err = appendMember(b, col, v); err != nil {
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

// appendExtra appends the attributes of rec that are not in cols.
func (rw *recordWriter) appendExtra(b []byte, rec map[string]any) ([]byte, error) {
	rw.extra = rw.extra[:0]
	for k := range rec {
		if !slices.Contains(rw.p.cols, k) {
			rw.extra = append(rw.extra, k)
		}
	}
	slices.Sort(rw.extra)
	for _, k := range rw.extra {
		if len(b) > 0 && b[len(b)-1] != '{' {
			b = append(b, ',')
		}
		var err error
		if b, err = appendMember(b, k, rec[k]); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// appendMember appends "name":value.
func appendMember(b []byte, name string, v any) ([]byte, error) {
	b = appendString(b, name)
	b = append(b, ':')
	return appendValue(b, v)
}

// appendValue appends v as JSON. The kinds a decoded record holds are
// written directly; anything else goes through encoding/json.
func appendValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendString(b, x), nil
	case json.Number:
		if x == "" {
			return append(b, '0'), nil
		}
		return append(b, x...), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encoding a %T value: %w", v, err)
	}
	return append(b, bytes.TrimRight(buf.Bytes(), "\n")...), nil
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
