// Package store is the records family's table store: databases, tables and
// their records, kept in go.etcd.io/bbolt files. It is a plain Go library
// (no SDK, no gRPC); the records family and its SQL layer call it.
//
// # Where to start
//
// [Open] a directory, then use the [Store] methods: [Store.CreateTable],
// [Store.Insert], [Store.Get], [Store.Scan], [Store.SearchByConditions],
// [Store.DeleteBefore]. Failures the caller caused are [*Error] values with
// HarperDB's status (400/404) and exact message; success messages are the
// Msg* constants and [WriteResult.Message]. store.go holds the Store and
// its file handling, layout.go the on-disk format, write.go the writes,
// read.go and search.go the reads, conditions.go the search_by_conditions
// language, jsonencode.go (fastjson.Encoder) and builtin/internal/fastjson's
// DecodeObject a fast codec for the stored JSON (checked against
// encoding/json by fuzz tests).
//
// # Why bbolt
//
// bbolt is an mmap'd copy-on-write B+tree in the line of LMDB, which
// HarperDB itself stores tables in: reads are zero-copy and never block
// writers, data may be larger than memory, and a read transaction is a
// consistent snapshot, so Scan can stream a million records with flat
// memory while writes go on. One writer at a time per file is the price;
// the store makes each call one transaction, so a 10 000-record insert is
// one commit. The bbolt options chosen are explained on [Options]. A scan
// of a whole big table first has the kernel read the file into the page
// cache in the background (prefetch.go), since a cold scan through the
// mmap would otherwise read it a scattered page at a time.
//
// # Layout
//
// One file per database, <dir>/<db>.bolt; dropping a database closes and
// deletes it. Each table is a bucket holding its records keyed by the
// encoded primary key, an index keyed __createdtime__|key (so DeleteBefore
// is a range scan), the set of attribute names ever written and a meta
// record (primary key, record count, size, last write) updated in the same
// transaction as every write. A key is a type byte then an
// order-preserving encoding: the number 1 and the string "1" are different
// records, numbers sort numerically before all strings. Records are stored
// as JSON and read back with json.Number for numbers, so a client gets 1
// back as 1 and 12.5 as 12.5. Every record carries __createdtime__ and
// __updatedtime__ (whole epoch ms, set by the store; updates keep the
// first; HarperDB's are fractional ms, clients only see a number either way).
//
// # Callbacks
//
// Get, Scan, SearchByValue and SearchByConditions call fn inside a read
// transaction, one decoded record at a time (an ordered search first
// collects its matches, then calls fn in the same transaction); fn may
// keep the map, and an error from fn stops the read and is returned
// unchanged. fn may call
// other read methods, but must not write to the same database nor drop it:
// a write that grows the file, or a DropDatabase, waits for the read to
// end, so it would wait forever. Collect keys and write afterwards.
//
// # Replication
//
// Off by default. [Store.ReplEnable] makes every committed change to a
// replicated database also write an outbox entry in the same transaction
// ([Store.ReplOutbox], [Store.ReplAck]); [Store.ReplApply] applies other
// nodes' entries under the conflict rule (later ts, then node name, per
// key; tombstones for deletes); [Store.ReplChecksum] compares nodes.
// repl.go explains the layout; DeleteBefore is never logged.
//
// # Processes
//
// bbolt locks each file to one process. A second process opening the same
// directory waits up to Options.LockTimeout for the first to Close.
package store
