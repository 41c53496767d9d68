package records

import (
	"context"
	"mime"
	"strconv"

	"github.com/hops-dev/hops/builtin/records/store"
	"github.com/hops-dev/hops/sdk"
)

// opExportSearch is the export family's operation here: a search's answer
// already encoded as an export file's bytes.
const opExportSearch = "export_search"

// Formats of export_search, as its format field names them.
const (
	exportJSON = "json"
	exportCSV  = "csv"
)

// exportSearchOps are the searches export_search runs, by name.
var exportSearchOps = map[string]func(f *Family) sdk.Handler{
	"search_by_value":      func(f *Family) sdk.Handler { return f.searchByValue },
	"search_by_hash":       func(f *Family) sdk.Handler { return f.searchByHash },
	"search_by_conditions": func(f *Family) sdk.Handler { return f.searchByConditions },
	"sql":                  func(f *Family) sdk.Handler { return f.sql },
}

// exportSearch: export_search {format: "json" | "csv", search_operation}:
// the answer of search_operation (search_by_value, search_by_hash,
// search_by_conditions or a sql SELECT) run as the caller, by the same
// handler as when the caller sends it, encoded as an export file: CSV
// (a header line of the columns, even with no rows) or JSON (the array
// as JSON.stringify writes it, no final newline); see encode.go and
// csv.go. The columns are the search's own (projection), so their order
// is decided here only. Permissions are the search's: the caller needs
// read on the table, and a sql statement that is not a SELECT is refused
// (400) before it runs. The export family calls it through Dispatch as
// its caller and copies the bytes into its file or upload.
func (f *Family) exportSearch(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	fields := req.Fields()
	if err := fields.Err(); err != nil {
		return nil, err
	}
	switch fields.String("format", sdk.AllowEmpty) { // anything else is MsgExportFormat
	case exportJSON:
		ctx = withFormat(ctx, formatExportJSON)
	case exportCSV:
		ctx = withFormat(ctx, formatExportCSV)
	default:
		return nil, sdk.BadRequest(MsgExportFormat)
	}
	body, _ := fields.Raw("search_operation")
	search := &sdk.Request{Body: body, Caller: req.Caller, ID: req.ID, Host: req.Host}
	sf := search.Fields()
	if sf.Err() != nil {
		return nil, sdk.BadRequest(MsgExportSearch)
	}
	search.Operation = sf.String("operation", sdk.AllowEmpty)
	handler, ok := exportSearchOps[search.Operation]
	if !ok {
		return nil, sdk.BadRequest(MsgExportSearch)
	}
	total := &rowTotal{n: -1}
	resp, err := handler(f)(context.WithValue(ctx, rowTotalKey{}, total), search)
	if err != nil || resp == nil || total.n < 0 {
		return resp, err
	}
	// The search knew its row count before streaming: the export family
	// reports progress against it (sdk.Progress.Total).
	ct := resp.ContentType
	if ct == "" {
		ct = sdk.ContentTypeJSON
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return resp, nil // no row count rather than a broken type
	}
	params[ExportRowsParam] = strconv.FormatInt(total.n, 10)
	resp.ContentType = mime.FormatMediaType(mt, params)
	return resp, nil
}

// ExportRowsParam is the content-type parameter of an export_search answer
// that gives the number of rows it will hold, when the search knows it
// before it streams (a whole-table read: the table's record count).
const ExportRowsParam = "rows"

// rowTotal is where a search under export_search puts its row count.
type rowTotal struct{ n int64 }

// rowTotalKey is the context key of an export_search's rowTotal.
type rowTotalKey struct{}

// setRowTotal records the row count a whole-table read will stream, for
// export_search; outside one it does nothing.
func setRowTotal(ctx context.Context, st *store.Store, db, table string) {
	slot, ok := ctx.Value(rowTotalKey{}).(*rowTotal)
	if !ok {
		return
	}
	if info, err := st.DescribeTable(db, table); err == nil {
		slot.n = int64(info.RecordCount)
	}
}

// exporting reports whether ctx is an export_search's.
func exporting(ctx context.Context) bool { return formatOf(ctx) != formatSearch }
