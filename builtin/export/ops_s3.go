package export

import (
	"context"

	"github.com/hops-dev/hops/builtin/export/exporter"
	"github.com/hops-dev/hops/sdk"
)

// exportToS3: export_to_s3 {format, s3{aws_access_key_id,
// aws_secret_access_key, bucket, key, region, endpoint?,
// force_path_style?}, search_operation}. Arguments are checked before the
// job starts (exporter.DecodeS3; the endpoint defaults to the family's
// s3.endpoint setting), then the search's own errors; the caller's read
// permission is the dispatched search's to enforce, since it runs as the
// caller. The job streams encoder -> io.Pipe -> multipart upload
// (exporter.ExportS3); its result names Bucket, Key, ETag and
// bytes_written, and an S3 failure ends it ERROR with S3's code and
// message. The secret key is in no job record (the record holds the
// redacted request), log line or error.
func (f *Family) exportToS3(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	s3req, err := exporter.DecodeS3(req.Body, f.s3Endpoint)
	if err != nil {
		return nil, err
	}
	return f.launch(ctx, req, OpExportToS3, s3req.Redacted(), s3req.Search,
		func(ctx context.Context, columns []string, rows exporter.Rows) (any, error) {
			return exporter.ExportS3(ctx, s3req, columns, rows)
		})
}
