package records

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/hops-dev/hops/builtin/internal/fastjson"
)

// CSV lines of export_search (formatExportCSV), byte for byte what
// encoding/csv's Writer writes with its defaults (TestCSVFieldMatchesEncodingCSV):
// a field is quoted when it holds a comma, a quote, CR or LF, begins with
// a space (unicode.IsSpace), or is exactly `\.`; quotes inside are
// doubled; every line ends with "\n". A one-column line whose cell is
// empty is written `""` so that CSV readers do not skip it as blank.
//
// A cell is the value's text: nothing for null or a missing attribute,
// a string as it is (invalid UTF-8 bytes as U+FFFD, as a JSON round trip
// gives them), numbers and booleans as in JSON, objects and arrays as
// their JSON text (recordWriter's encoding).

// emptySingleField is the line of a one-column row whose cell is empty.
const emptySingleField = "\"\"\n"

// appendCSVHeader appends the header line: the column names.
func (rw *recordWriter) appendCSVHeader(b []byte) []byte {
	for i, c := range rw.p.cols {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendCSVField(b, []byte(c))
	}
	return endCSVLine(b, len(rw.p.cols) == 1 && rw.p.cols[0] == "")
}

// writeCSV writes a decoded record's line.
func (rw *recordWriter) writeCSV(rec map[string]any) error {
	b := rw.buf[:0]
	empty := true
	for i, col := range rw.p.cols {
		if i > 0 {
			b = append(b, ',')
		}
		cell, err := rw.appendCell(rw.cell[:0], rec[col])
		rw.cell = cell
		if err != nil {
			return fmt.Errorf("column %q: %w", col, err)
		}
		empty = len(cell) == 0
		b = appendCSVField(b, cell)
	}
	return rw.writeCSVLine(endCSVLine(b, len(rw.p.cols) == 1 && empty))
}

// writeCSVSlots writes the line of the record whose members
// writeRaw put in the slots: canonical values are the cell's text (a
// string's without its quotes), others are decoded; a value that does
// not decode sends the whole record to writeDecoded.
func (rw *recordWriter) writeCSVSlots(raw []byte) error {
	b := rw.buf[:0]
	empty := true
	for i, col := range rw.p.cols {
		if i > 0 {
			b = append(b, ',')
		}
		cell := rw.cell[:0]
		switch v, canonical := rw.slots.Value(i); {
		case v == nil:
		case canonical:
			switch v[0] { // a canonical value's first byte tells its kind
			case 'n': // null: an empty cell
			case '"':
				cell = append(cell, v[1:len(v)-1]...) // no escapes: the text is the value
			default:
				cell = append(cell, v...)
			}
		default:
			x, ok := fastjson.DecodeValue(v)
			if !ok {
				rw.buf = b
				return rw.writeDecoded(raw)
			}
			var err error
			if cell, err = rw.appendCell(cell, x); err != nil {
				rw.cell = cell
				return fmt.Errorf("column %q: %w", col, err)
			}
		}
		rw.cell = cell
		empty = len(cell) == 0
		b = appendCSVField(b, cell)
	}
	return rw.writeCSVLine(endCSVLine(b, len(rw.p.cols) == 1 && empty))
}

// writeCSVLine writes one finished line.
func (rw *recordWriter) writeCSVLine(b []byte) error {
	rw.buf = b
	rw.n++
	_, err := rw.w.Write(b)
	return err
}

// endCSVLine ends a line; emptySingle says it is one empty cell.
func endCSVLine(b []byte, emptySingle bool) []byte {
	if emptySingle {
		return append(b[:0], emptySingleField...)
	}
	return append(b, '\n')
}

// appendCell appends the CSV cell text of v (see the top of this file).
func (rw *recordWriter) appendCell(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return b, nil
	case string:
		return appendValidUTF8(b, x), nil
	case bool:
		if x {
			return append(b, "true"...), nil
		}
		return append(b, "false"...), nil
	case json.Number:
		return append(b, x...), nil
	}
	start := len(b)
	b, err := rw.enc.value(b, v)
	if err != nil {
		return b[:start], err
	}
	text := b[start:]
	switch {
	case string(text) == "null":
		return b[:start], nil
	case len(text) > 0 && text[0] == '"':
		// A type that marshals to a JSON string (time.Time): its text.
		var s string
		if err := json.Unmarshal(text, &s); err != nil {
			return b[:start], fmt.Errorf("decode %T text: %w", v, err)
		}
		return appendValidUTF8(b[:start], s), nil
	}
	return b, nil
}

// appendValidUTF8 appends s with each byte that is not part of valid
// UTF-8 replaced by U+FFFD.
func appendValidUTF8(b []byte, s string) []byte {
	if utf8.ValidString(s) {
		return append(b, s...)
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\uFFFD"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
}

// appendCSVField appends one field, quoted when encoding/csv would quote
// it.
func appendCSVField(b, field []byte) []byte {
	if !csvNeedsQuotes(field) {
		return append(b, field...)
	}
	b = append(b, '"')
	for {
		i := bytes.IndexByte(field, '"')
		if i < 0 {
			break
		}
		b = append(b, field[:i+1]...)
		b = append(b, '"')
		field = field[i+1:]
	}
	b = append(b, field...)
	return append(b, '"')
}

// csvNeedsQuotes is encoding/csv's fieldNeedsQuotes for the comma.
func csvNeedsQuotes(field []byte) bool {
	if len(field) == 0 {
		return false
	}
	if string(field) == `\.` {
		return true
	}
	for _, c := range field {
		if c == '\n' || c == '\r' || c == '"' || c == ',' {
			return true
		}
	}
	r, _ := utf8.DecodeRune(field)
	return unicode.IsSpace(r)
}
