// Package exporter is the streaming machinery of the export family
// (export_local, export_to_s3): request validation, row encoders, the
// atomic local file and the S3 multipart upload. It knows nothing of
// plugins, jobs or the records store: the family validates a body here,
// starts its job, runs the search, and hands the rows over as Rows: a
// TextRowSource (each record's JSON text, what jobs use) or a RowSource
// (decoded maps).
//
// Where to start:
//
//   - request.go, s3request.go: DecodeLocal and DecodeS3 check every
//     argument before a job starts, in HarperDB's order and words (the Msg
//     constants in errors.go; failures are *Error, HTTP 400). S3Request's
//     secret is a Secret (secret.go): every printed, marshalled or logged
//     form shows RedactedText; Redacted is the form for job records.
//   - export.go: ExportLocal and ExportS3 are the two jobs' bodies; Encode
//     runs one Rows through one Encoder.
//   - rowtext.go: Encoder.RowPrefix and RowText, the paths jobs take: a
//     record's members go into column slots (fastjson.Slots), canonical
//     values are copied (a JSON record already in the export's form is
//     copied whole), the rest decoded one value at a time, and a record
//     that cannot be followed is decoded whole (DecodeRecord) and written
//     by Row. RowPrefix does this on a read buffer where the record
//     begins, so one walk also finds where it ends. Output is byte for
//     byte Row's (TestRowTextMatchesRow).
//   - encoder.go, jsonenc.go, csvenc.go: the Encoder interface and its
//     two formats. Columns (columns.go) gives the column order of a "*"
//     export: primary key, then the rest sorted as JavaScript sorts.
//   - atomic.go: AtomicFile writes to a temp file beside the target and
//     renames it into place on Commit.
//   - s3upload.go: UploadS3 and its bounds (PartSize, UploadConcurrency).
//   - s3test/: a real S3 server on loopback for tests, other packages' too.
//
// Memory is flat in the number of rows: rows are encoded one at a time
// into a 64 KiB buffered writer with reused scratch buffers (JSON scalars
// allocate nothing; see BenchmarkEncodeJSON), the local file streams to
// disk, and the S3 path goes encoder -> io.Pipe -> transfer manager, which
// holds at most (UploadConcurrency+2) parts of PartSize (32 MiB).
// TestEncodeMillionRowsFlatMemory pins this with runtime.MemStats.
//
// Libraries and why:
//
//   - encoding/csv for CSV: RFC 4180 quoting without a dependency. It
//     quotes only when needed and ends every line with "\n", so the file
//     differs from HarperDB's json2csv output (which quotes every string
//     and has no final newline) while parsing to the same values. An
//     empty export with known columns is a header-only file; HarperDB
//     writes 0 bytes.
//   - JSON is written by hand (value.go) to match JSON.stringify (no HTML
//     escaping, ECMAScript number form) with no per-value allocation;
//     nested objects and arrays are written directly too, byte for byte
//     as encoding/json writes them with HTML escaping off (keys sorted),
//     by builtin/internal/fastjson's Encoder, which falls back to
//     encoding/json only past fastjson.MaxDirectDepth or for kinds a
//     decoded record never holds.
//   - aws-sdk-go-v2 service/s3 with feature/s3/transfermanager for the
//     upload: the SDK's own streaming multipart uploader, with bounded
//     part buffers and abort on failure. The client is built from the
//     request alone (static credentials, region, endpoint, path style);
//     the environment and shared AWS config files are not read.
//   - github.com/johannesboyne/gofakes3 (s3mem backend) in s3test: a real
//     S3 protocol server in-process, wrapped in a SigV4 check.
package exporter
