package export

import (
	"context"
	"encoding/json"

	"github.com/hops-dev/hops/builtin/export/exporter"
	"github.com/hops-dev/hops/sdk"
)

// exportLocal: export_local {format, path, filename?, search_operation}.
// Every argument is checked before the job starts (exporter.DecodeLocal:
// format, search_operation, path, filename, in HarperDB's order), then
// the search's own errors (unknown table 404, invalid SQL 400). The job
// writes <path>/<filename>.<format> through exporter.ExportLocal: a
// hidden temp file in the same folder, renamed into place at the end, so
// a failed or stopped job leaves no file. Result: {"message":
// "Successfully exported JSON|CSV locally.", "path": "<file>"}.
func (f *Family) exportLocal(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	local, err := exporter.DecodeLocal(req.Body)
	if err != nil {
		return nil, err
	}
	return f.launch(ctx, req, OpExportLocal, json.RawMessage(req.Body), local.Search,
		func(ctx context.Context, columns []string, rows exporter.Rows) (any, error) {
			return exporter.ExportLocal(ctx, local, columns, rows)
		})
}
