// Package records is the builtin `records` family: databases, tables and
// their records, served over the SDK like any third-party family. It wires
// two libraries together and adds only the operations API on top:
// builtin/records/store (the bbolt table store: why bbolt is explained
// there) and builtin/records/sqlq (the SQL layer, on the vitess parser).
//
// # Where to start
//
// records.go holds the operation table (name, who may call it, summary)
// and the lifecycle: New builds the family without touching disk,
// Configure opens the store under RootPath/database/records, Shutdown
// stops running jobs (cancel, then wait) and closes the store. Handlers
// live beside it, one file per group: ops_schema.go (databases, tables,
// describe_*, create_attribute, drop_attribute, table_sizes),
// ops_write.go (insert, update, upsert, delete), ops_search.go
// (search_by_*), ops_sql.go, ops_export.go (export_search), ops_jobs.go
// (delete_records_before, delete_files_before). params.go reads request
// fields and their aliases, perms.go checks a caller's table rights,
// encode.go streams answers.
//
// # Decisions
//
//   - Aliases: database/schema, primary_key/hash_attribute,
//     hash_values/ids and search_by_hash/search_by_id are accepted
//     everywhere. A request that names no database uses "data", as
//     HarperDB does, except drop_database, where the database is
//     required.
//   - Numbers in records and keys are decoded as json.Number, so 1 is
//     stored and answered as 1 and 12.50 as 12.50, never via float64.
//   - Every search answer streams: streamRecords writes the JSON array
//     record by record from inside the store's read callback, and the SDK
//     sends it in chunks; nothing proportional to the table is buffered.
//     The exceptions are orders: a search with a sort or ordered by an
//     attribute other than the key (HarperDB's index order, see
//     store.SearchByConditions), and SQL ORDER BY or GROUP BY, buffer
//     matches as store and sqlq document.
//     Errors found before the first chunk (an unknown table, a bad
//     condition) are still clean 4xx answers. stream_test.go checks the
//     live heap in the middle of a 20 MB answer.
//   - Whole-table reads (search_by_value "*" on the primary key, a bare
//     SELECT *) are answered from the records' stored text (streamRaw,
//     store.ScanRaw): values already in the answer's form
//     (fastjson.Canonical) are copied, the rest decoded one value at a
//     time, and a record the walk cannot follow is decoded whole. The
//     answer is byte for byte what decoding every record gives
//     (TestWriteRawMatchesWrite); BenchmarkWholeTableRecord measures it
//     against decoding (figures in docs/benchmarks.md). The store keeps
//     nested objects sorted so that they are copied too, and writes a
//     record's members primary key first, the others sorted
//     (fastjson.Encoder.FirstKey): the answer's own order, so a record
//     holding every column is copied whole (fastjson.Slots.Whole).
//     search_by_hash and search_by_id read the same way (store.GetRaw).
//   - Projection: get_attributes ["*"] shows the primary key first, then
//     every attribute of the table sorted as JavaScript sorts
//     (sqlq.CompareNames, as SELECT * does); a requested attribute a
//     record lacks is shown as null, as HarperDB does. This is the one
//     place an export's column order is decided too.
//   - export_search (ops_export.go) is the export family's: a search's
//     answer encoded as the export file, CSV (csv.go: a header line of the
//     columns, even for no rows) or JSON (the array with top-level strings
//     as JSON.stringify writes them, no final newline), by the same search
//     handlers, run as the caller (so read permission holds), never a
//     write (a sql that is not a SELECT is refused). The export family
//     copies its bytes; testdata/export holds the files byte for byte.
//   - Permissions (perms.go): super users may do anything. Other roles
//     are checked per table and right from the role's permission JSON:
//     read for searches and describe_*, insert/update/delete for writes,
//     insert and update for upsert, and per statement kind for sql. A
//     table the role has no right on at all is reported as not existing
//     (HarperDB hides it). A table's attribute_permissions, when the role
//     lists any, narrow every operation to attributes (perms.go resolves
//     them as HarperDB 4.7 does, attrperms.go applies them): searches and
//     SELECTs read only readable attributes (get_attributes ["*"] and
//     SELECT * expand to them), writes need the right on each attribute
//     they write, and describe_* list only attributes the role can see.
//     describe_all and describe_database show only readable tables.
//   - delete_records_before checks its fields and the table before any
//     job exists, then runs in a goroutine under the family's context
//     (not the request's), reporting progress at most once a second.
//   - Bulk loads (ops_load.go; csvread.go parses CSV, csvtype.go types
//     its cells as HarperDB does, loadcheck.go checks requests with
//     HarperDB's words, loadsrc.go and loadfetch.go read and fetch the
//     sources): jobs that parse the whole source first, then write it in
//     batches through writeRecords, the write path of insert, update and
//     upsert.
//   - Config section (families.records): noSync and deleteBatch, passed
//     to store.Options, and load.allowedURLs, the servers a user who is
//     not a super user may have a load fetch from whatever their address;
//     all optional.
//   - Replication (ops_repl.go): the records source of clustering. The
//     clustering family calls repl_records_enable, _disable, _outbox,
//     _outbox_ack, _apply, _checksum and _status (sdk.AccessInternal:
//     no HTTP client reaches them); table_checksum is the checksum for
//     super users. The store keeps the outbox in each write's
//     transaction and applies other nodes' entries (store/repl*.go,
//     docs/clustering.md "Records").
//
// # Performance
//
// BenchmarkInsertThroughFamily (10 000-record insert requests over gRPC)
// runs beside its baseline BenchmarkInsertStoreDirect (the same records
// straight into the store). On the 2-core development machine: about
// 58 000 vs 103 000 records/s, fsync on; most of the gap is encoding/json
// decoding the request body.
package records
