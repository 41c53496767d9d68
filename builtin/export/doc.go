// Package export is the builtin `export` family: export_local writes the
// rows of a search to a JSON or CSV file on the server, export_to_s3
// uploads them to an S3 object. Both answer at once with "Starting job
// with id <uuid>" and run as jobs in the family's process.
//
// Where to start: export.go has the operation table, the config section
// (families.export.s3.endpoint, the default endpoint of export_to_s3) and
// the lifecycle; ops_local.go and ops_s3.go are the two handlers, thin
// over job.go's launch, which every export goes through:
//
//  1. the body is validated by the exporter (DecodeLocal / DecodeS3);
//  2. search.go dispatches the search_operation through the host client
//     AS THE CALLER (so table permissions hold; this is the whole read
//     check of export_to_s3) and checks the answer's status: an unknown
//     table (404), invalid SQL (400) or a refused table (403) is answered
//     at once and no job exists;
//  3. the job record is created (export_to_s3's holds the redacted
//     request: the secret key is never stored, logged or in an error);
//  4. a goroutine under the family's job context (not the request's,
//     which ends at once; Shutdown cancels it and waits) reads the still
//     open search stream record by record straight into the exporter's
//     encoder as text, and on to the file or the S3 multipart upload
//     (rows.go: each record is offered to the encoder where it begins in
//     the read buffer, Encoder.RowPrefix, whose one walk both finds where
//     it ends and sorts it into columns; a record split by a refill or
//     too odd for that walk is cut out by a byte scanner and given to
//     Encoder.RowText). Memory does not grow with the
//     table (TestExportMemoryIsFlat); the process runs under a 64 MiB soft
//     memory limit (memory.go).
//
// Columns. CSV has a header and JSON writes keys in column order, so the
// order is fixed before the first row:
//   - search_by_value / search_by_hash / search_by_conditions with an
//     explicit get_attributes: that list, in order;
//   - with "*": the primary key, then every other attribute of the table
//     sorted as JavaScript sorts (__createdtime__/__updatedtime__
//     included), from describe_table dispatched as the caller;
//   - sql: the first record's keys, in the order the search wrote them.
//     The records family writes every row of a SELECT with exactly the
//     select list's columns, in order (null where a record lacks one), and
//     for SELECT * the primary key then the sorted attributes, so the
//     first row carries the statement's column order; this package does
//     not parse SQL (and must not import builtin/records). An empty SQL
//     result has no columns: its CSV is an empty file, as HarperDB's is.
//
// A sql search must be a SELECT (MsgSQLNotSelect): the sql operation would
// run an INSERT, UPDATE or DELETE, and an export must not change data.
//
// Failures inside the job end it ERROR with the reason: an S3 error with
// S3's code and message; a search stream that breaks mid-way (the records
// family failed, its process died) with MsgTruncated or the read error,
// and no file is left (exporter.CreateAtomic writes an unnamed O_TMPFILE
// file in the destination folder, linked and renamed into place only on
// success). A job stopped by Shutdown ends with MsgJobStopped. If the
// family's process is killed outright, the host marks the job ERROR and
// the kernel frees the unnamed file: nothing is left in the folder. (On
// a file system without O_TMPFILE, or off Linux, the file is a hidden
// ".<name>.<format>.tmp-<random>" instead, which a killed process leaves
// behind; the name cannot be mistaken for an export.)
//
// Progress: rows handed to the encoder, as {"rows_written": n}, at most
// once per second (progressInterval).
package export
