package records

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync/atomic"

	"github.com/hops-dev/hops/builtin/internal/fastjson"
	"github.com/hops-dev/hops/builtin/records/sqlq"
	"github.com/hops-dev/hops/builtin/records/store"
	"github.com/hops-dev/hops/sdk"
)

// projection says which attributes of a record an answer shows, in order.
// A requested attribute the record lacks is shown as null, as HarperDB
// does. With all set the record's attributes missing from cols (written
// after cols was read) follow, sorted as cols are (sqlq.CompareNames).
type projection struct {
	cols []string
	all  bool
}

// answerFormat is how an answer writes its records.
type answerFormat uint8

const (
	// formatSearch is a search's own answer: a JSON array, "]\n" at its
	// end, strings escaped as encoding/json escapes them.
	formatSearch answerFormat = iota
	// formatExportJSON is export_search's JSON: the array on one line with
	// no final newline, each top-level string (and attribute name) written
	// as JSON.stringify writes it (fastjson.AppendStringJS), as HarperDB's
	// export files are; nested values as in formatSearch.
	formatExportJSON
	// formatExportCSV is export_search's CSV (csv.go): a header line of the
	// columns, then one line per record with exactly the columns.
	formatExportCSV
)

// formatKey is the context key of an answer's format.
type formatKey struct{}

// withFormat returns ctx under which the searches answer in format
// (export_search sets it; a search's own answer is formatSearch).
func withFormat(ctx context.Context, format answerFormat) context.Context {
	return context.WithValue(ctx, formatKey{}, format)
}

// formatOf is the answer format ctx asks for.
func formatOf(ctx context.Context) answerFormat {
	f, _ := ctx.Value(formatKey{}).(answerFormat)
	return f
}

// streamRecords answers with the records read writes, one at a time, in
// the format ctx asks for (formatOf): read calls emit once per record
// (typically from inside a store callback). Nothing but the current
// record is buffered here; the SDK sends the body in chunks as it fills.
func streamRecords(ctx context.Context, p projection, read func(emit func(map[string]any) error) error) *sdk.Response {
	return streamWith(formatOf(ctx), p, func(rw *recordWriter) error { return read(rw.write) })
}

// streamRaw is streamRecords for a read that yields each record's stored
// JSON text (store.ScanRaw): what is already in the answer's form is
// copied, not decoded and encoded again (recordWriter.writeRaw).
func streamRaw(ctx context.Context, p projection, read func(emit func(raw []byte) error) error) *sdk.Response {
	rawAnswers.Add(1)
	return streamWith(formatOf(ctx), p, func(rw *recordWriter) error { return read(rw.writeRaw) })
}

// rawAnswers counts the answers streamRaw was chosen for. Both paths give
// the same bytes, so this is how the tests tell which one a search took.
var rawAnswers atomic.Int64

// streamWith writes what read writes through rw between the format's
// opening and end.
func streamWith(format answerFormat, p projection, read func(rw *recordWriter) error) *sdk.Response {
	contentType := sdk.ContentTypeJSON
	if format == formatExportCSV {
		contentType = contentTypeCSV
	}
	return sdk.Streamed(contentType, func(w io.Writer) error {
		rw := newRecordWriter(w, format, p)
		if err := rw.begin(); err != nil {
			return err
		}
		if err := read(rw); err != nil {
			return err
		}
		return rw.end()
	})
}

// contentTypeCSV is the content type of a CSV export_search answer.
const contentTypeCSV = "text/csv; charset=utf-8"

// recordWriter encodes records as the elements of a JSON array, or as
// CSV lines. What is the same for every record (each column's `"name":`,
// the set of columns) is worked out once, in newRecordWriter.
type recordWriter struct {
	w      io.Writer
	format answerFormat
	p      projection
	names  [][]byte            // names[i] is `"cols[i]":`
	colSet map[string]struct{} // the columns, when p.all
	enc    jsonAppender
	buf    []byte
	n      int
	extra  []string

	// slots sorts a record's members into the columns, for writeRaw, and
	// appendColumn appends a value it had to decode.
	slots        *fastjson.Slots
	appendColumn func(b []byte, column int, v any) ([]byte, error)
	// decodedWhole counts the records writeRaw decoded whole.
	decodedWhole int
	// cell is the CSV cell being built (csv.go).
	cell []byte
}

// newRecordWriter returns a recordWriter of projection p writing to w in
// format.
func newRecordWriter(w io.Writer, format answerFormat, p projection) *recordWriter {
	rw := &recordWriter{w: w, format: format, p: p, names: make([][]byte, len(p.cols))}
	for i, c := range p.cols {
		rw.names[i] = append(rw.appendName(nil, c), ':')
	}
	if p.all {
		rw.colSet = make(map[string]struct{}, len(p.cols))
		for _, c := range p.cols {
			rw.colSet[c] = struct{}{}
		}
	}
	return rw
}

// begin writes what comes before the first record: the array's opening
// bracket, or the CSV header line (nothing when there are no columns).
func (rw *recordWriter) begin() error {
	var b []byte
	switch {
	case rw.format != formatExportCSV:
		b = []byte{'['}
	case len(rw.p.cols) > 0:
		b = rw.appendCSVHeader(nil)
	}
	_, err := rw.w.Write(b)
	return err
}

// end writes what comes after the last record.
func (rw *recordWriter) end() error {
	var err error
	switch rw.format {
	case formatSearch:
		_, err = io.WriteString(rw.w, "]\n")
	case formatExportJSON:
		_, err = io.WriteString(rw.w, "]")
	}
	return err
}

// appendName appends an attribute name as a JSON string.
func (rw *recordWriter) appendName(b []byte, name string) []byte {
	if rw.format == formatExportJSON {
		return fastjson.AppendStringJS(b, name)
	}
	return fastjson.AppendString(b, name)
}

// value appends a top-level value in the answer's JSON form.
func (rw *recordWriter) value(b []byte, v any) ([]byte, error) {
	if s, ok := v.(string); ok && rw.format == formatExportJSON {
		return fastjson.AppendStringJS(b, s), nil
	}
	return rw.enc.value(b, v)
}

// write encodes one record (with a leading comma after the first).
func (rw *recordWriter) write(rec map[string]any) error {
	if rw.format == formatExportCSV {
		return rw.writeCSV(rec)
	}
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
		if b, err = rw.value(b, v); err != nil {
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

// writeRaw writes one record given as JSON object text (store.ScanRaw),
// producing exactly what write produces for its decoding. Each member's
// value goes in its column's slot (fastjson.Slots); the answer then copies the values that
// are canonical (fastjson.Canonical: their text is what the encoder would
// write) and decodes and encodes only the others. A record the walk
// cannot follow (whitespace, an escaped key, a repeated key, an attribute
// outside the columns when the projection shows them all) is decoded
// whole and written by write, so the answer never depends on which path
// a record took.
func (rw *recordWriter) writeRaw(raw []byte) error {
	if rw.slots == nil {
		rw.slots = fastjson.NewSlots(rw.p.cols)
	}
	// CSV writes only the columns, so it may skip other attributes.
	csv := rw.format == formatExportCSV
	if !rw.slots.Fill(raw, !rw.p.all || csv) {
		return rw.writeDecoded(raw)
	}
	if csv {
		return rw.writeCSVSlots(raw)
	}
	b := rw.buf[:0]
	if rw.n > 0 {
		b = append(b, ',')
	}
	if rw.appendColumn == nil {
		rw.appendColumn = func(b []byte, _ int, v any) ([]byte, error) { return rw.value(b, v) }
	}
	if rw.slots.Whole() {
		// The text is the answer's object: a record stored with its
		// members in column order (store.appendJSONObject), all of them.
		rw.buf = append(b, raw...)
		rw.n++
		_, err := rw.w.Write(rw.buf)
		return err
	}
	b, ok, err := rw.slots.AppendObject(b, rw.names, rw.appendColumn)
	rw.buf = b
	switch {
	case !ok:
		return rw.writeDecoded(raw)
	case err != nil:
		return err
	}
	rw.n++
	_, err = rw.w.Write(b)
	return err
}

// writeDecoded is writeRaw's way out: decode the record whole, as a
// store read would, and write that.
func (rw *recordWriter) writeDecoded(raw []byte) error {
	rw.decodedWhole++
	rec, err := store.DecodeRaw(raw)
	if err != nil {
		return err
	}
	return rw.write(rec)
}

// appendExtra appends the attributes of rec that are not in cols, sorted.
func (rw *recordWriter) appendExtra(b []byte, rec map[string]any) ([]byte, error) {
	rw.extra = rw.extra[:0]
	for k := range rec {
		if _, ok := rw.colSet[k]; !ok {
			rw.extra = append(rw.extra, k)
		}
	}
	slices.SortFunc(rw.extra, sqlq.CompareNames)
	comma := len(rw.p.cols) > 0
	for _, k := range rw.extra {
		if comma {
			b = append(b, ',')
		}
		comma = true
		b = rw.appendName(b, k)
		b = append(b, ':')
		var err error
		if b, err = rw.value(b, rec[k]); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// jsonAppender writes record values as encoding/json does with HTML
// escaping off, byte for byte (fastjson.Encoder), except for the one thing
// it does differently on purpose: a top-level json.Number is written as
// it is, unchecked, because the store holds only numbers it parsed
// (nested ones are checked as encoding/json checks them).
type jsonAppender struct {
	enc fastjson.Encoder
}

// value appends v.
func (a *jsonAppender) value(b []byte, v any) ([]byte, error) {
	if n, ok := v.(json.Number); ok {
		// Deliberately unchecked; see jsonAppender.
		if n == "" {
			return append(b, '0'), nil // encoding/json's zero Number
		}
		return append(b, n...), nil
	}
	b, err := a.enc.AppendValue(b, v)
	if err != nil {
		return nil, wrapEncodeError(err)
	}
	return b, nil
}

// wrapEncodeError gives err (fastjson's *EncodeError) the text this family
// has always given, naming the refused type. It is apart from the hot path
// because errors.As makes its target escape, an allocation per value.
func wrapEncodeError(err error) error {
	var ee *fastjson.EncodeError
	if errors.As(err, &ee) {
		return fmt.Errorf("encoding a %T value: %w", ee.Value, ee.Err)
	}
	return err
}
