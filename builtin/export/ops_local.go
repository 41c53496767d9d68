package export

import (
	"context"
	"encoding/json"
	"io"

	"github.com/hops-dev/hops/builtin/export/exporter"
	"github.com/hops-dev/hops/sdk"
)

// exportLocal: export_local {format, path, filename?, search_operation}.
// Every argument is checked before the job starts (exporter.DecodeLocal:
// format, search_operation, path, filename, in HarperDB's order), then
// the search's own errors (unknown table 404, invalid SQL 400). The job
// copies the records family's encoded answer to <path>/<filename>.<format>
// through exporter.ExportLocal (an exporter.AtomicFile: the file appears
// whole at the end, and a failed or stopped job leaves none). Result: {"message":
// "Successfully exported JSON|CSV locally.", "path": "<file>"}.
func (f *Family) exportLocal(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	local, err := exporter.DecodeLocal(req.Body)
	if err != nil {
		return nil, err
	}
	return f.launch(ctx, req, OpExportLocal, json.RawMessage(req.Body), local.Format, local.Search,
		func(ctx context.Context, body io.Reader) (any, error) {
			return exporter.ExportLocal(ctx, local, body)
		})
}
