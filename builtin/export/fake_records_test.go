package export

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/hops-dev/hops/builtin/export/exporter"
	"github.com/hops-dev/hops/sdk"
	"github.com/hops-dev/hops/sdk/sdktest"
)

// Names of the fake table.
const (
	testDB    = "dev"
	testTable = "dogs"
	testPK    = "id"
)

// Errors the fake answers, worded as the records family words them.
const (
	fakeUnknownTable = "Table '%s.%s' does not exist"
	fakeInvalidSQL   = "Invalid SQL at: SELEC * FROM dev.dogs. Please ensure your SQL is valid."
)

// errFakeBroken is how the fake breaks a stream mid-way.
var errFakeBroken = errors.New("records family died mid-stream")

// fakeRecords stands in for the records family behind FakeHost.Dispatch:
// it answers export_search for the four search kinds over one table of
// generated rows (streamed as the export file, written row by row, never
// held whole: JSON, or CSV with a header line), unknown tables with 404,
// malformed SQL with 400 and callers other than the super user with 403.
// Its rows are written as the records family writes them: the
// projection's columns in order, null (an empty cell) where the record
// lacks one.
type fakeRecords struct {
	// n is the number of rows; row(i) is row i.
	n   int
	row func(i int) map[string]any
	// attrs are the table's attributes besides the primary key.
	attrs []string
	// breakAfter > 0 fails the stream after that many rows.
	breakAfter int
	// written, when set, is called after each row is written (i rows so
	// far); it may block to hold the stream mid-way.
	written func(ctx context.Context, i int)

	mu  sync.Mutex
	ops []string
}

// dispatch implements FakeHost.DispatchFunc.
func (f *fakeRecords) dispatch(ctx context.Context, caller sdk.Caller, body []byte) (*sdk.Reply, error) {
	token := caller.Token
	var outer struct {
		Operation string          `json:"operation"`
		Format    string          `json:"format"`
		Search    json.RawMessage `json:"search_operation"`
	}
	if err := json.Unmarshal(body, &outer); err != nil {
		return errorReply(http.StatusBadRequest, err.Error()), nil
	}
	if outer.Operation != opExportSearch || (outer.Format != exporter.FormatJSON && outer.Format != exporter.FormatCSV) {
		return errorReply(http.StatusBadRequest, "Operation '"+outer.Operation+"' not found"), nil
	}
	var op struct {
		Operation     string   `json:"operation"`
		Database      string   `json:"database"`
		Schema        string   `json:"schema"`
		Table         string   `json:"table"`
		SQL           string   `json:"sql"`
		GetAttributes []string `json:"get_attributes"`
	}
	if err := json.Unmarshal(outer.Search, &op); err != nil {
		return errorReply(http.StatusBadRequest, err.Error()), nil
	}
	if op.Database == "" {
		op.Database = op.Schema
	}
	f.mu.Lock()
	f.ops = append(f.ops, strings.TrimSpace(op.Operation+" "+op.SQL))
	f.mu.Unlock()
	if token != sdktest.SuperUser.Token {
		return errorReply(http.StatusForbidden, sdk.UnauthorizedMessage), nil
	}
	var cols []string
	limit := f.n
	switch op.Operation {
	case "sql":
		var ok bool
		if op.Database, op.Table, cols, limit, ok = f.parseSQL(op.SQL); !ok {
			return errorReply(http.StatusBadRequest, fakeInvalidSQL), nil
		}
	case exporter.SearchByValue, exporter.SearchByHash, exporter.SearchByConditions:
		cols = op.GetAttributes
		if slices.Contains(cols, "*") {
			cols = f.allColumns()
		}
		seen := map[string]bool{}
		cols = slices.DeleteFunc(cols, func(c string) bool { dup := seen[c]; seen[c] = true; return dup })
	default:
		return errorReply(http.StatusBadRequest, "Operation '"+op.Operation+"' not found"), nil
	}
	if op.Database != testDB || op.Table != testTable {
		return errorReply(http.StatusNotFound, fmt.Sprintf(fakeUnknownTable, op.Database, op.Table)), nil
	}
	pr, pw := io.Pipe()
	go f.stream(ctx, pw, outer.Format, cols, limit)
	contentType := sdk.ContentTypeJSON
	if op.Operation == "sql" && limit == f.n {
		// A whole-table read: the records family gives its row count.
		contentType += "; " + exportRowsParam + "=" + strconv.Itoa(f.n)
	}
	return &sdk.Reply{Status: http.StatusOK, ContentType: contentType, Body: pr}, nil
}

// parseSQL understands "SELECT <* | a, b> FROM db.table [LIMIT 0]".
func (f *fakeRecords) parseSQL(sql string) (db, table string, cols []string, limit int, ok bool) {
	rest, found := strings.CutPrefix(sql, "SELECT ")
	if !found {
		return "", "", nil, 0, false
	}
	list, from, found := strings.Cut(rest, " FROM ")
	if !found {
		return "", "", nil, 0, false
	}
	limit = f.n
	if name, found := strings.CutSuffix(from, " LIMIT 0"); found {
		from, limit = name, 0
	}
	db, table, _ = strings.Cut(from, ".")
	if list == "*" {
		return db, table, f.allColumns(), limit, true
	}
	for _, c := range strings.Split(list, ",") {
		cols = append(cols, strings.TrimSpace(c))
	}
	return db, table, cols, limit, true
}

// allColumns is the primary key, then the other attributes sorted.
func (f *fakeRecords) allColumns() []string {
	rest := slices.Clone(f.attrs)
	slices.Sort(rest)
	return append([]string{testPK}, rest...)
}

// stream writes rows 0..limit-1 projected on cols, one at a time, as an
// export file in format.
func (f *fakeRecords) stream(ctx context.Context, pw *io.PipeWriter, format string, cols []string, limit int) {
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	write := func(b []byte) bool {
		_, err := pw.Write(b)
		return err == nil
	}
	if format == exporter.FormatCSV {
		_ = cw.Write(cols)
		cw.Flush()
	} else {
		buf.WriteByte('[')
	}
	if !write(buf.Bytes()) {
		return
	}
	for i := range limit {
		if f.breakAfter > 0 && i == f.breakAfter {
			_ = pw.CloseWithError(errFakeBroken)
			return
		}
		if ctx.Err() != nil {
			_ = pw.CloseWithError(ctx.Err())
			return
		}
		buf.Reset()
		if format == exporter.FormatCSV {
			rec := f.row(i)
			line := make([]string, len(cols))
			for k, c := range cols {
				line[k] = csvCell(rec[c])
				if s, ok := rec[c].(string); ok {
					line[k] = s
				}
			}
			_ = cw.Write(line)
			cw.Flush()
		} else {
			buf.Write(appendRecord(nil, i > 0, cols, f.row(i)))
		}
		if !write(buf.Bytes()) {
			return
		}
		if f.written != nil {
			f.written(ctx, i+1)
		}
	}
	if format == exporter.FormatCSV || write([]byte("]")) {
		_ = pw.Close()
	}
}

// appendRecord appends rec as a JSON object of cols in order (null for a
// missing one), with a leading comma unless it is the first.
func appendRecord(b []byte, comma bool, cols []string, rec map[string]any) []byte {
	if comma {
		b = append(b, ',')
	}
	b = append(b, '{')
	for i, c := range cols {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSON(b, c)
		b = append(b, ':')
		b = appendJSON(b, rec[c])
	}
	return append(b, '}')
}

// appendJSON appends v as JSON, without HTML escaping (as the records
// family and JSON.stringify write it).
func appendJSON(b []byte, v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

// errorReply is an operation's error answer.
func errorReply(status int, msg string) *sdk.Reply {
	body, _ := json.Marshal(map[string]string{"error": msg})
	return &sdk.Reply{Status: status, ContentType: sdk.ContentTypeJSON, Body: io.NopCloser(bytes.NewReader(body))}
}

// dispatched returns the operations dispatched so far (with their SQL).
func (f *fakeRecords) dispatched() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.ops)
}
