// Package exporter is the destination side of the export family
// (export_local, export_to_s3): request validation, the atomic local file
// and the S3 multipart upload. It knows nothing of plugins, jobs or the
// records store, and parses no record: the family validates a body here,
// starts its job, and hands over the export file's bytes as the records
// family encoded them (an io.Reader), which this package copies.
//
// Where to start:
//
//   - request.go, s3request.go: DecodeLocal and DecodeS3 check every
//     argument before a job starts, in HarperDB's order and words (the Msg
//     constants in errors.go; failures are *Error, HTTP 400). S3Request's
//     secret is a Secret (secret.go): every printed, marshalled or logged
//     form shows RedactedText; Redacted is the form for job records.
//   - export.go: ExportLocal and ExportS3 are the two jobs' bodies: they
//     copy the bytes, stop when the job's context ends, and report a
//     failing source as itself.
//   - atomic.go: AtomicFile writes an unnamed file in the target folder
//     and links it into place on Commit.
//   - s3upload.go: UploadS3 and its bounds (PartSize, UploadConcurrency);
//     S3Error, whose text is fixed-form (never the remote server's words).
//   - s3test/: a real S3 server on loopback for tests, other packages' too.
//
// Memory is flat in the size of the export: the local file is written
// through one 256 KiB copy buffer, and the S3 upload holds at most
// (UploadConcurrency+2) parts of PartSize (32 MiB).
//
// Libraries and why:
//
//   - aws-sdk-go-v2 service/s3 with feature/s3/transfermanager for the
//     upload: the SDK's own streaming multipart uploader, with bounded
//     part buffers and abort on failure. The client is built from the
//     request alone (static credentials, region, endpoint, path style);
//     the environment and shared AWS config files are not read.
//   - github.com/johannesboyne/gofakes3 (s3mem backend) in s3test: a real
//     S3 protocol server in-process, wrapped in a SigV4 check.
package exporter
