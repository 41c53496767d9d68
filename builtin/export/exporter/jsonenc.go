package exporter

import (
	"bufio"
	"fmt"
	"slices"

	"github.com/hops-dev/hops/builtin/internal/fastjson"
)

// jsonEncoder writes one JSON array of the records on a single line,
// compact, with no trailing newline (HarperDB's JSON export file): "[]"
// when there are no rows.
type jsonEncoder struct {
	w     *bufio.Writer
	v     *valueEncoder
	state encoderState
	rows  int

	// cols is the known column order; keys holds each column pre-encoded
	// as `"name":`, and colSet finds keys outside the columns.
	cols   []string
	keys   [][]byte
	colSet map[string]struct{}

	buf   []byte   // the row being encoded
	names []string // scratch for sorted keys
	// appendColumn appends a decoded value for Slots.AppendObject.
	appendColumn func(b []byte, column int, v any) ([]byte, error)
	textRows     // for RowText and RowPrefix
}

// newJSONEncoder returns a JSON Encoder writing to w.
func newJSONEncoder(w *bufio.Writer) *jsonEncoder {
	return &jsonEncoder{w: w, v: newValueEncoder()}
}

// Begin implements Encoder.
func (e *jsonEncoder) Begin(columns []string) error {
	if e.state != stateNew {
		return ErrEncoderState
	}
	e.state = stateOpen
	if len(columns) > 0 {
		e.cols = append([]string(nil), columns...)
		e.keys = make([][]byte, len(columns))
		e.colSet = make(map[string]struct{}, len(columns))
		for i, c := range columns {
			e.keys[i] = append(appendString(nil, c), ':')
			e.colSet[c] = struct{}{}
		}
		e.slots = fastjson.NewSlots(e.cols)
	}
	return e.write([]byte{'['})
}

// Row implements Encoder.
func (e *jsonEncoder) Row(record map[string]any) error {
	if e.state != stateOpen {
		return ErrEncoderState
	}
	b := e.buf[:0]
	if e.rows > 0 {
		b = append(b, ',')
	}
	b = append(b, '{')
	var err error
	if e.cols != nil {
		b, err = e.appendColumns(b, record)
	} else {
		e.names = sortedKeys(e.names, record)
		b, err = e.appendKeys(b, record, e.names, false)
	}
	if err != nil {
		return err
	}
	b = append(b, '}')
	e.rows++
	err = e.write(b)
	e.buf = trimScratch(b)
	return err
}

// appendColumns appends every column of record in order, then the keys of
// record that are no column, sorted.
func (e *jsonEncoder) appendColumns(b []byte, record map[string]any) ([]byte, error) {
	matched := 0
	for i, c := range e.cols {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, e.keys[i]...)
		val, ok := record[c]
		if ok {
			matched++
		}
		var err error
		if b, err = e.v.appendJSON(b, val); err != nil {
			return b, fmt.Errorf("column %q: %w", c, err)
		}
	}
	if matched == len(record) {
		return b, nil
	}
	names := e.names[:0]
	for k := range record {
		if _, ok := e.colSet[k]; !ok {
			names = append(names, k)
		}
	}
	slices.SortFunc(names, compareUTF16)
	e.names = names
	return e.appendKeys(b, record, e.names, true)
}

// appendKeys appends "name":value for each of names; comma says whether a
// member precedes the first one.
func (e *jsonEncoder) appendKeys(b []byte, record map[string]any, names []string, comma bool) ([]byte, error) {
	for _, k := range names {
		if comma {
			b = append(b, ',')
		}
		comma = true
		b = appendString(b, k)
		b = append(b, ':')
		var err error
		if b, err = e.v.appendJSON(b, record[k]); err != nil {
			return b, fmt.Errorf("key %q: %w", k, err)
		}
	}
	return b, nil
}

// End implements Encoder.
func (e *jsonEncoder) End() error {
	if e.state != stateOpen {
		return ErrEncoderState
	}
	e.state = stateEnded
	if err := e.write([]byte{']'}); err != nil {
		return err
	}
	if err := e.w.Flush(); err != nil {
		return fmt.Errorf("flush json export: %w", err)
	}
	return nil
}

// write writes b to the buffered writer.
func (e *jsonEncoder) write(b []byte) error {
	if _, err := e.w.Write(b); err != nil {
		return fmt.Errorf("write json export: %w", err)
	}
	return nil
}
