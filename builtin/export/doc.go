// Package export is the builtin `export` family: export_local writes the
// rows of a search to a JSON or CSV file on the server, export_to_s3
// uploads them to an S3 object. Both answer at once with "Starting job
// with id <uuid>" and run as jobs in the family's process.
//
// Where to start: export.go has the operation table, the config section
// (families.export.s3.endpoint, the default endpoint of export_to_s3, and
// s3.allowedEndpoints) and the lifecycle; ops_local.go and ops_s3.go are
// the two handlers, thin over job.go's launch, which every export goes
// through:
//
//  1. the body is validated by the exporter (DecodeLocal / DecodeS3);
//     export_to_s3's endpoint is checked against who may name it
//     (endpoints.go);
//  2. search.go dispatches the records family's export_search through
//     the host client AS THE CALLER (so table permissions hold; this is
//     the whole read check of export_to_s3), asking for the search's
//     answer already encoded as the export file (CSV or JSON), and checks
//     the answer's status: an unknown table (404), invalid SQL (400) or a
//     refused table (403) is answered at once and no job exists;
//  3. the job record is created (export_to_s3's holds the redacted
//     request: the secret key is never stored, logged or in an error);
//  4. a goroutine under the family's job context (not the request's,
//     which ends at once; Shutdown cancels it and waits) copies the still
//     open answer's bytes into the file (exporter.ExportLocal) or the S3
//     multipart upload (exporter.ExportS3). Nothing here parses a record:
//     the bytes pass through rowcount.go's counter, which counts rows for
//     progress and checks the answer ended where a file ends. Memory does
//     not grow with the table; the process runs under a 64 MiB soft memory
//     limit (memory.go) for the S3 part buffers.
//
// Columns and encoding are the records family's (export_search, in
// builtin/records: one place decides the column order): get_attributes
// in order, or for "*" the primary key then every other attribute sorted
// as JavaScript sorts; for sql the select list, or the same "*" order.
// A CSV export has a header line of those columns even with no rows.
//
// A sql search must be a SELECT (MsgSQLNotSelect): the sql operation would
// run an INSERT, UPDATE or DELETE, and an export must not change data.
// checkSelect refuses it before dispatch, and export_search refuses any
// statement that is not a SELECT once parsed.
//
// Failures inside the job end it ERROR with the reason: an S3 error with
// a fixed-form reason (S3's code and HTTP status, never the server's own
// text; the whole error goes to the family's log); a search stream that
// breaks mid-way (the records family failed, its process died) with the
// read error or MsgTruncated, and no file is left
// (exporter.CreateAtomic writes an unnamed O_TMPFILE file in the
// destination folder, linked and renamed into place only on success). A
// job stopped by Shutdown ends with MsgJobStopped. If the family's
// process is killed outright, the host marks the job ERROR and the
// kernel frees the unnamed file: nothing is left in the folder. (On a
// file system without O_TMPFILE, or off Linux, the file is a hidden
// ".<name>.<format>.tmp-<random>" instead, which a killed process leaves
// behind; the name cannot be mistaken for an export.)
//
// Progress: rows copied so far as sdk.Progress ({"done": n, "total": m,
// "unit": "rows"}), at most once per second (progressInterval), and once
// more at the end with the final count. The total is the row count the
// records family gives in export_search's content type when it knows it
// before streaming (a whole-table read); otherwise there is none.
package export
