package exporter

import (
	"bufio"
	"errors"
	"io"
	"slices"
)

// Encoder streams the rows of one export to a writer, in one format, with
// memory that does not grow with the number of rows.
//
// Lifecycle: Begin once, Row for each record, End once. End flushes but
// never closes the writer. Calls out of order return ErrEncoderState.
// After an error the encoder's output is incomplete; abandon it.
type Encoder interface {
	// Begin starts the export. columns is the column order when known (a
	// select list, get_attributes, or Columns for "*"); nil or empty means
	// unknown: CSV then takes the first row's keys in sorted order, JSON
	// writes each record's keys sorted.
	Begin(columns []string) error
	// Row writes one record. With known columns, JSON writes every column
	// in order (null where the record lacks it) then any other keys of the
	// record sorted; CSV writes exactly the columns (missing or null cells
	// empty) and ignores other keys. The map is not retained.
	Row(record map[string]any) error
	// RowText writes the record whose JSON object text is text, exactly
	// as Row writes its decoding (DecodeRecord), copying what it can
	// (see rowtext.go). A text that does not decode is an error. text is
	// not retained.
	RowText(text []byte) error
	// RowPrefix is RowText for the record whose text begins b, which may
	// go on past it (a read buffer holding the next records): when that
	// record ends within b and can be written without cutting it out
	// first, RowPrefix writes it and returns its length; otherwise it
	// writes nothing and returns 0, and the caller cuts the record out and
	// calls RowText. b is not retained.
	RowPrefix(b []byte) (int, error)
	// End finishes the export and flushes it to the writer.
	End() error
}

// ErrEncoderState is returned by an Encoder's methods called out of the
// Begin, Row..., End order.
var ErrEncoderState = errors.New("exporter: encoder used out of order (Begin, Row..., End)")

// writeBufferSize is the size of the buffered writer in front of the
// destination: big enough that a file or pipe sees few large writes, small
// enough to be irrelevant next to S3's part buffers.
const writeBufferSize = 64 << 10

// maxRetainedScratch caps the per-encoder scratch buffer kept between rows:
// one huge record may grow it, but it is dropped afterwards so memory goes
// back to flat.
const maxRetainedScratch = 1 << 20

// NewEncoder returns the Encoder for format (FormatJSON or FormatCSV)
// writing to w through a bufio.Writer. Any other format is an *Error
// with MsgFormatInvalid.
func NewEncoder(format string, w io.Writer) (Encoder, error) {
	bw := bufio.NewWriterSize(w, writeBufferSize)
	switch format {
	case FormatJSON:
		return newJSONEncoder(bw), nil
	case FormatCSV:
		return newCSVEncoder(bw), nil
	}
	return nil, badRequest(MsgFormatInvalid)
}

// encoderState tracks the Begin, Row..., End order.
type encoderState int

// The states of an encoder, in order.
const (
	stateNew encoderState = iota
	stateOpen
	stateEnded
)

// sortedKeys appends the keys of record to dst[:0] in UTF-16 order (the
// order Columns uses), reusing dst's storage.
func sortedKeys(dst []string, record map[string]any) []string {
	dst = dst[:0]
	for k := range record {
		dst = append(dst, k)
	}
	slices.SortFunc(dst, compareUTF16)
	return dst
}

// trimScratch drops b when one large record has grown it past
// maxRetainedScratch, so a single wide row does not pin memory.
func trimScratch(b []byte) []byte {
	if cap(b) > maxRetainedScratch {
		return nil
	}
	return b[:0]
}
