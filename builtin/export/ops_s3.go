package export

import (
	"context"
	"io"
	"net/http"

	"github.com/hops-dev/hops/builtin/export/exporter"
	"github.com/hops-dev/hops/sdk"
)

// exportToS3: export_to_s3 {format, s3{aws_access_key_id,
// aws_secret_access_key, bucket, key, region, endpoint?,
// force_path_style?}, search_operation}. Arguments are checked before the
// job starts (exporter.DecodeS3; the endpoint defaults to the family's
// s3.endpoint setting), then the endpoint against who may name it
// (endpoints.go: a super user any, others only AWS, the configured
// default and s3.allowedEndpoints; 403 otherwise), then the search's own
// errors; the caller's read permission is the dispatched search's to
// enforce, since it runs as the caller. The job copies the records
// family's encoded answer into a multipart upload (exporter.ExportS3);
// its result names Bucket, Key, ETag and bytes_written, and an S3
// failure ends it ERROR with a fixed-form reason (exporter.S3Error), never
// the remote server's words. The secret key is in no job record (the
// record holds the redacted request), log line or error.
func (f *Family) exportToS3(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	s3req, err := exporter.DecodeS3(req.Body, f.s3Endpoint)
	if err != nil {
		return nil, err
	}
	if !req.Caller.SuperUser && !f.endpoints.Allows(s3req.Endpoint) {
		return nil, sdk.Errorf(http.StatusForbidden, MsgEndpointNotAllowed)
	}
	return f.launch(ctx, req, OpExportToS3, s3req.Redacted(), s3req.Format, s3req.Search,
		func(ctx context.Context, body io.Reader) (any, error) {
			return exporter.ExportS3(ctx, s3req, body)
		})
}
