package exporter

import (
	"bufio"
	"encoding/csv"
	"fmt"

	"github.com/hops-dev/hops/builtin/internal/fastjson"
)

// csvEncoder writes a header row of the columns, then one row per record,
// through encoding/csv: RFC 4180 quoting (a field is quoted when it holds
// a comma, quote, CR or LF, or starts with a space), "\n" line ends, every
// line terminated (so the file ends with a newline, unlike HarperDB's).
// With known columns and no rows the file is the header alone; with
// unknown columns and no rows it is empty.
type csvEncoder struct {
	bw     *bufio.Writer
	cw     *csv.Writer
	v      *valueEncoder
	state  encoderState
	cols   []string
	record []string
	// For RowText: the record's value texts by column (textRows), and
	// its cells' bytes with where each cell ends.
	textRows
	cells []byte
	ends  []int
}

// emptySingleField is the line for a one-column row whose cell is empty.
// encoding/csv would write a blank line, which CSV readers skip; a quoted
// empty field keeps the row.
const emptySingleField = "\"\"\n"

// newCSVEncoder returns a CSV Encoder writing to w. csv.NewWriter reuses
// w as its buffer (it is a *bufio.Writer big enough), so bytes are
// buffered once.
func newCSVEncoder(w *bufio.Writer) *csvEncoder {
	return &csvEncoder{bw: w, cw: csv.NewWriter(w), v: newValueEncoder(), textRows: textRows{others: true}}
}

// Begin implements Encoder.
func (e *csvEncoder) Begin(columns []string) error {
	if e.state != stateNew {
		return ErrEncoderState
	}
	e.state = stateOpen
	if len(columns) == 0 {
		return nil
	}
	return e.setColumns(append([]string(nil), columns...))
}

// setColumns fixes the columns and writes the header row.
func (e *csvEncoder) setColumns(cols []string) error {
	e.cols = cols
	e.record = make([]string, len(cols))
	e.slots = fastjson.NewSlots(cols)
	return e.writeRecord(cols)
}

// Row implements Encoder.
func (e *csvEncoder) Row(record map[string]any) error {
	if e.state != stateOpen {
		return ErrEncoderState
	}
	if e.cols == nil {
		// Unknown columns: the first row's keys, as json2csv does.
		keys := make([]string, 0, len(record))
		for k := range record {
			keys = append(keys, k)
		}
		if err := e.setColumns(Columns("", keys)); err != nil {
			return err
		}
	}
	for i, c := range e.cols {
		cell, err := e.v.cell(record[c])
		if err != nil {
			return fmt.Errorf("column %q: %w", c, err)
		}
		e.record[i] = cell
	}
	err := e.writeRecord(e.record)
	e.v.scratch = trimScratch(e.v.scratch)
	return err
}

// writeRecord writes one CSV line.
func (e *csvEncoder) writeRecord(fields []string) error {
	if len(fields) == 1 && fields[0] == "" {
		if _, err := e.bw.WriteString(emptySingleField); err != nil {
			return fmt.Errorf("write csv export: %w", err)
		}
		return nil
	}
	if err := e.cw.Write(fields); err != nil {
		return fmt.Errorf("write csv export: %w", err)
	}
	return nil
}

// End implements Encoder.
func (e *csvEncoder) End() error {
	if e.state != stateOpen {
		return ErrEncoderState
	}
	e.state = stateEnded
	e.cw.Flush()
	if err := e.cw.Error(); err != nil {
		return fmt.Errorf("flush csv export: %w", err)
	}
	return nil
}
