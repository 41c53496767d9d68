// Package jobs keeps the host's job records and serves the two job
// operations, get_job and search_jobs_by_start_date.
//
// # Where to start
//
// [Open] takes the host's system database (<rootPath>/database/system.db,
// shared with the auth store) and returns a [Store]. The host's Host
// service calls [Store.Start], [Store.Progress] and [Store.Finish] when a
// family reports on a job; the supervisor calls [Store.FailOwner] when a
// family's process dies and [Store.FailInterrupted] once at boot. The host
// registers [Store.Operations] in its registry. A job's life:
//
//	Start -> IN_PROGRESS --Progress*--> Finish -> COMPLETE | ERROR
//	                     \--FailOwner / FailInterrupted--> ERROR
//
// A finished job never changes again: a late Progress or a second Finish is
// an error ([ErrFinished]), so a slow report cannot resurrect a job the
// host already failed.
//
// # Storage: BuntDB
//
// Records are JSON values under the key prefix "job:" in the shared BuntDB
// file, so jobs survive a restart with the users and roles. Two indexes
// cover every query without scanning other prefixes: one on
// start_datetime (the date search is a range scan in start order) and one
// on status (failing the running jobs of a dead family visits only running
// jobs). BuntDB write transactions are serialised, so each change is a
// read-modify-write in one transaction and concurrent reports on a job
// cannot lose an update.
//
// # Durability
//
// Open raises the database's sync policy to buntdb.Always (fsync on every
// commit). A client is told "Starting job with id X" as soon as the record
// is written; with EverySecond a crash in the next second would make that
// id unknown, or turn a COMPLETE job back into a running one that the next
// boot then marks ERROR although its work was done. Job state changes are
// few (start, occasional progress, finish; users and roles change rarely),
// so an fsync per change costs milliseconds against jobs that run for
// seconds or more. Families should report progress at a human pace (every
// second or so), not per record.
//
// # Differences from HarperDB
//
// As the issue asks: get_job of an unknown id answers null (HarperDB: []);
// bad input is a 400 (HarperDB: 500). An empty id answers "Invalid job ID
// specified." as HarperDB words it; a non-string id is "'id' must be a
// string". A missing from_date/to_date is "'from_date' is required"; a bad
// one is "Invalid 'from' date, must be in ISO-8601 format (YYYY-MM-DD)."
// (the 'to' message has the same final period, unlike HarperDB's). Dates:
// a date-only value is UTC midnight; a datetime without a zone is the
// server's local time (as moment.js reads it); RFC 3339 with Z or an offset
// is exact. Search rows carry the columns HarperDB's SELECT * returns (no
// result, job_body or progress) plus the *_converted ISO strings.
package jobs
