package records

import (
	"context"

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
	return handler(f)(ctx, search)
}

// exporting reports whether ctx is an export_search's.
func exporting(ctx context.Context) bool { return formatOf(ctx) != formatSearch }
