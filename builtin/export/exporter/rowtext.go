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

// RowText implements Encoder.
func (e *jsonEncoder) RowText(text []byte) error {
	if e.state != stateOpen {
		return ErrEncoderState
	}
	if e.cols == nil || !e.slots.Fill(text, false) {
		return decodeWhole(text, e.Row, &e.decodedWhole)
	}
	return e.filled(text)
}

// RowPrefix implements Encoder.
func (e *jsonEncoder) RowPrefix(b []byte) (int, error) {
	if e.state != stateOpen {
		return 0, ErrEncoderState
	}
	if e.cols == nil {
		return 0, nil
	}
	n, ok := e.slots.FillPrefix(b, false)
	if !ok {
		return 0, nil
	}
	return n, e.filled(b[:n])
}

// filled writes the record text whose members Fill put in e.slots.
func (e *jsonEncoder) filled(text []byte) error {
	b := e.buf[:0]
	if e.rows > 0 {
		b = append(b, ',')
	}
	if e.slots.Verbatim() { // the search wrote it as this export would
		e.rows++
		b = append(b, text...)
		err := e.write(b)
		e.buf = trimScratch(b)
		return err
	}
	if e.appendColumn == nil {
		e.appendColumn = func(b []byte, i int, v any) ([]byte, error) {
			b, err := e.v.appendJSON(b, v)
			if err != nil {
				return b, fmt.Errorf("column %q: %w", e.cols[i], err)
			}
			return b, nil
		}
	}
	b, ok, err := e.slots.AppendObject(b, e.keys, e.appendColumn)
	switch {
	case !ok:
		e.buf = b
		return decodeWhole(text, e.Row, &e.decodedWhole)
	case err != nil:
		return err
	}
	e.rows++
	err = e.write(b)
	e.buf = trimScratch(b)
	return err
}

// RowText implements Encoder. The row's cells are built in one buffer and
// made one string, which the cells slice, so a row costs one allocation
// however many columns it has.
func (e *csvEncoder) RowText(text []byte) error {
	if e.state != stateOpen {
		return ErrEncoderState
	}
	if e.cols == nil || !e.slots.Fill(text, true) {
		return decodeWhole(text, e.Row, &e.decodedWhole)
	}
	return e.filled(text)
}

// RowPrefix implements Encoder.
func (e *csvEncoder) RowPrefix(b []byte) (int, error) {
	if e.state != stateOpen {
		return 0, ErrEncoderState
	}
	if e.cols == nil {
		return 0, nil
	}
	n, ok := e.slots.FillPrefix(b, true)
	if !ok {
		return 0, nil
	}
	return n, e.filled(b[:n])
}

// filled writes the record text whose members Fill put in e.slots.
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
				return decodeWhole(text, e.Row, &e.decodedWhole)
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

// decodeWhole is RowText's way out: the record text decoded whole
// (DecodeRecord) and written by row, the encoder's Row; count counts such
// records, for the tests.
func decodeWhole(text []byte, row func(map[string]any) error, count *int) error {
	*count++
	rec, err := DecodeRecord(text)
	if err != nil {
		return err
	}
	return row(rec)
}
