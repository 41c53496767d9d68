package exporter

import (
	"fmt"

	"github.com/hops-dev/hops/builtin/internal/fastjson"
)

// Rows given as JSON text. A search answers records as JSON object texts,
// and most of each record's bytes are written out again as they are: a
// JSON export copies them, a CSV export copies them into cells. RowText
// walks a record's members (fastjson.Slots) into one slot per column,
// copies the values already in canonical form (fastjson.Canonical: the
// bytes the map path would write) and decodes only the others, one value
// at a time. A record the walk cannot follow (whitespace, an escaped or
// repeated key, a key outside the columns where the format would write
// it) is decoded whole (DecodeRecord) and goes through Row. Either way the
// output is byte for byte what Row writes for the record's decoding; the
// tests check that over random records.

// errRecordText prefixes the error of a record text that does not decode.
const errRecordText = "read search results"

// DecodeRecord decodes one record's JSON object text into the map Row
// takes (fastjson.Decode: numbers are json.Number, written digit for
// digit).
func DecodeRecord(text []byte) (map[string]any, error) {
	rec, err := fastjson.Decode(text)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errRecordText, err)
	}
	return rec, nil
}

// textRows is what RowText and RowPrefix share in both encoders, which
// embed it: the column slots, and the way out for a record the member
// walk cannot follow.
type textRows struct {
	// slots sorts a record's members into the columns; nil while the
	// columns are unknown, when every record is decoded whole.
	slots *fastjson.Slots
	// others: members outside the columns are skipped (CSV writes only
	// its columns) instead of sending the record to be decoded whole
	// (JSON writes them too).
	others bool
	// decodedWhole counts the records decoded whole, for the tests.
	decodedWhole int
}

// slotWriter is an encoder as textRows drives it.
type slotWriter interface {
	// Row writes a decoded record: the way out.
	Row(record map[string]any) error
	// filled writes the record text whose members are in the slots.
	filled(text []byte) error
}

// rowText is Encoder.RowText for w, in state.
func (t *textRows) rowText(w slotWriter, state encoderState, text []byte) error {
	if state != stateOpen {
		return ErrEncoderState
	}
	if t.slots == nil || !t.slots.Fill(text, t.others) {
		return t.decodeWhole(w, text)
	}
	return w.filled(text)
}

// rowPrefix is Encoder.RowPrefix for w, in state.
func (t *textRows) rowPrefix(w slotWriter, state encoderState, b []byte) (int, error) {
	if state != stateOpen {
		return 0, ErrEncoderState
	}
	if t.slots == nil {
		return 0, nil
	}
	n, ok := t.slots.FillPrefix(b, t.others)
	if !ok {
		return 0, nil
	}
	return n, w.filled(b[:n])
}

// decodeWhole is the way out: the record text decoded whole
// (DecodeRecord) and written by w.Row.
func (t *textRows) decodeWhole(w slotWriter, text []byte) error {
	t.decodedWhole++
	rec, err := DecodeRecord(text)
	if err != nil {
		return err
	}
	return w.Row(rec)
}

// RowText implements Encoder.
func (e *jsonEncoder) RowText(text []byte) error { return e.rowText(e, e.state, text) }

// RowPrefix implements Encoder.
func (e *jsonEncoder) RowPrefix(b []byte) (int, error) { return e.rowPrefix(e, e.state, b) }

// filled implements slotWriter.
func (e *jsonEncoder) filled(text []byte) error {
	b := e.buf[:0]
	if e.rows > 0 {
		b = append(b, ',')
	}
	if e.slots.Verbatim() { // the search wrote it as this export would
		b = append(b, text...)
	} else {
		if e.appendColumn == nil {
			e.appendColumn = func(b []byte, i int, v any) ([]byte, error) {
				b, err := e.v.appendJSON(b, v)
				if err != nil {
					return b, fmt.Errorf("column %q: %w", e.cols[i], err)
				}
				return b, nil
			}
		}
		var ok bool
		var err error
		b, ok, err = e.slots.AppendObject(b, e.keys, e.appendColumn)
		switch {
		case !ok:
			e.buf = b
			return e.decodeWhole(e, text)
		case err != nil:
			return err
		}
	}
	e.rows++
	err := e.write(b)
	e.buf = trimScratch(b)
	return err
}

// RowText implements Encoder. The row's cells are built in one buffer and
// made one string, which the cells slice, so a row costs one allocation
// however many columns it has.
func (e *csvEncoder) RowText(text []byte) error { return e.rowText(e, e.state, text) }

// RowPrefix implements Encoder.
func (e *csvEncoder) RowPrefix(b []byte) (int, error) { return e.rowPrefix(e, e.state, b) }

// filled implements slotWriter.
func (e *csvEncoder) filled(text []byte) error {
	b := e.cells[:0]
	ends := e.ends[:0]
	for i, c := range e.cols {
		switch v, canonical := e.slots.Value(i); {
		case v == nil:
		case canonical:
			switch v[0] { // a canonical value's first byte tells its kind
			case 'n': // null: an empty cell
			case '"':
				b = append(b, v[1:len(v)-1]...) // no escapes: the text is the value
			default:
				b = append(b, v...)
			}
		default:
			x, ok := fastjson.DecodeValue(v)
			if !ok {
				return e.decodeWhole(e, text)
			}
			cell, err := e.v.cell(x)
			if err != nil {
				return fmt.Errorf("column %q: %w", c, err)
			}
			b = append(b, cell...)
		}
		ends = append(ends, len(b))
	}
	row := string(b)
	start := 0
	for i, end := range ends {
		e.record[i] = row[start:end]
		start = end
	}
	e.cells, e.ends = trimScratch(b), ends
	err := e.writeRecord(e.record)
	e.v.scratch = trimScratch(e.v.scratch)
	return err
}
