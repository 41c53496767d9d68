package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hops-dev/hops/builtin/internal/fastjson"
)

// Replication outbox (repl.go), apply (replapply.go), outbox reads, acks
// and checksums (replread.go).
//
// While replication is enabled, every committed change to a replicated
// database is written, in the same bbolt transaction as the change, as an
// outbox entry: a JSON object {"seq", "ts", "node", "op", ...} (the
// contract in docs/clustering.md). seq is the store's outbox sequence,
// strictly increasing across all database files; ts is the transaction's
// time on this node in ms (microsecond precision), strictly increasing per
// transaction and kept later than every ts this node has applied (a hybrid
// clock), so a local write made after a remote one wins over it everywhere.
//
// Layout. Each database file may hold a top-level bucket "/repl" (a name no
// table can have: table names cannot contain '/') with
//
//	chunks (bucket) 8-byte big-endian last seq -> a chunk: a header and
//	                the entries' JSON joined by commas (replchunk.go)
//	outbox (bucket) 8-byte big-endian seq -> entry JSON (one entry per
//	                key: what earlier versions wrote; read and acked still)
//	last   (key)    16 bytes: the last seq and ts (µs) written in this file
//
// Key versions. Every logged write and every applied put or delete sets
// the key's version (replVersion: ts, node, tombstone flag), which the
// conflict rule of ReplApply compares. A put keeps it in the stored
// record itself (format valueVersionRepl, layout.go: ts and node between
// the created time and the JSON), so a replicated write is one B-tree
// value, as an unreplicated one; all the keys of one local transaction
// share its version (its ts and this node). A delete, which leaves no
// record, keeps a tombstone version in the table's sub-bucket "repl":
// encoded primary key -> replVersion.encode(). A key's version is its
// record's when the record carries one, else the "repl" bucket's entry
// (what builds before format valueVersionRepl wrote for every key, still
// read as they left it). A record that loses its version while replication
// is off (rewritten plain, or deleted unlogged) first moves it to the
// bucket, so the key keeps the last version set on it.
//
// The control file <dir>/outbox.repl (not a database: its name does not
// end in .bolt) keeps the configuration (enabled, node name, replicated
// databases, which databases were copied whole into the outbox) and the
// outbox entries of database-level operations (create_database,
// drop_database), which have no database file to live in.
//
// When replication is off (the default) the store does none of this: the
// write paths test one atomic pointer.

// replCtlFile is the control file's name in the store directory.
const replCtlFile = "outbox.repl"

var (
	replBucket    = []byte("/repl")
	outboxBucket  = []byte("outbox")
	replLastKey   = []byte("last")
	replConfigKey = []byte("config")
	keyVerBucket  = []byte("repl")
)

// Outbox operations (an entry's "op").
const (
	ReplPut            = "put"
	ReplDelete         = "delete"
	ReplCreateDatabase = "create_database"
	ReplDropDatabase   = "drop_database"
	ReplCreateTable    = "create_table"
	ReplDropTable      = "drop_table"
	ReplCreateAttr     = "create_attribute"
	ReplDropAttr       = "drop_attribute"
)

// seedBatch is how many records one transaction of the first enable's copy
// puts into the outbox: other writers get the database in between.
var seedBatch = 10_000

// ReplConfig is what repl_enable sets.
type ReplConfig struct {
	// Node is this node's name, the "node" of every entry it writes.
	Node string `json:"node"`
	// All replicates every database but system; otherwise Databases lists
	// them.
	All       bool     `json:"all"`
	Databases []string `json:"databases"`
}

// replicates reports whether database db is replicated under c. The
// system database never is: the host owns it and replicates it itself.
func (c ReplConfig) replicates(db string) bool {
	if db == "system" {
		return false
	}
	return c.All || slices.Contains(c.Databases, db)
}

// replCtlState is the control file's config record.
type replCtlState struct {
	ReplConfig
	Enabled bool `json:"enabled"`
	// Seeded lists the databases whose rows are all in the outbox (or
	// were, before an ack): copied by an enable, or created while
	// replication was on.
	Seeded []string `json:"seeded"`
}

// replication is the Store's replication state; its zero value is off.
type replication struct {
	// mu serializes enable and disable.
	mu sync.Mutex
	// ctlMu guards ctl: held for reading while the file is used, for
	// writing to open or close it.
	ctlMu sync.RWMutex
	// ctl is the control file, open once it exists.
	ctl *bolt.DB
	// on is the live state while enabled, nil otherwise.
	on atomic.Pointer[replState]
}

// replState is the live state of enabled replication.
type replState struct {
	cfg ReplConfig
	now func() time.Time
	mu  sync.Mutex
	// next is the next outbox seq; lastTs the last ts handed out (µs).
	next   uint64
	lastTs int64
	// open maps each running write transaction to the smallest seq it may
	// write: entries below the smallest of them are all committed (or
	// rolled back), which is what ReplOutbox may read up to.
	open map[*bolt.Tx]*txLog
	// seeded is replCtlState.Seeded as a set.
	seeded map[string]bool
	// committed, when not nil, is closed (and cleared) when a
	// transaction that wrote entries ends: ReplOutboxWait waits on it.
	committed chan struct{}
}

// wake ends the waits on commits (replication turned off, the store
// closing): the readers look again and find it off.
func (st *replState) wake() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.committed != nil {
		close(st.committed)
		st.committed = nil
	}
}

// commits returns a channel closed when the next transaction that wrote
// entries has ended.
func (st *replState) commits() <-chan struct{} {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.committed == nil {
		st.committed = make(chan struct{})
	}
	return st.committed
}

// txLog is one write transaction's share of the outbox.
type txLog struct {
	st    *replState
	tx    *bolt.Tx
	db    string
	floor uint64 // no seq of this transaction is below it
	ts    int64  // µs; 0 until the first entry
	box   *bolt.Bucket
	last  uint64 // last seq written, 0 for none
	// chunk is the outbox chunk being written (chunkHeaderLen bytes left
	// for its header, then the entries joined by commas), nil before the
	// first entry; it is stored (compressed) when it reaches chunkBytes
	// and when the transaction finishes. buf is the pooled scratch that
	// chunk is written in. chunkFirst is its first entry's seq, chunkN its
	// entries, chunkTs its last entry's ts and entryTs the ts of the
	// entry being written.
	chunk      []byte
	buf        *chunkBuf
	chunkFirst uint64
	chunkN     int
	chunkTs    int64
	entryTs    int64
	// local is the version of the keys this transaction writes and
	// localPart its encoding in a stored record (appendVersionPart), both
	// set with the first entry or the first record written.
	local     replVersion
	localPart []byte
}

// entryOverhead is room for an entry's fixed members and numbers.
const entryOverhead = 160

// replVersion is a key's stored version: a tombstone flag, the ts (µs)
// and the origin node.
type replVersion struct {
	ts        int64
	node      string
	tombstone bool
}

func (v replVersion) encode() []byte {
	b := make([]byte, 9+len(v.node))
	if v.tombstone {
		b[0] = 1
	}
	binary.BigEndian.PutUint64(b[1:9], uint64(v.ts))
	copy(b[9:], v.node)
	return b
}

// openRepl opens the control file if it exists and, when replication was
// enabled, restores the live state. Called by Open.
func (s *Store) openRepl() error {
	path := filepath.Join(s.dir, replCtlFile)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	ctl, err := s.openCtl()
	if err != nil {
		return err
	}
	s.rp.ctl = ctl
	state, err := readCtlState(ctl)
	if err != nil {
		return err
	}
	if !state.Enabled {
		return nil
	}
	st, err := s.newReplState(state)
	if err != nil {
		return err
	}
	s.rp.on.Store(st)
	return nil
}

// openCtl opens (creating) the control file.
func (s *Store) openCtl() (*bolt.DB, error) {
	ctl, err := bolt.Open(filepath.Join(s.dir, replCtlFile), filePerm, s.opts.boltOptions())
	if err != nil {
		return nil, fmt.Errorf("opening replication outbox: %w", err)
	}
	err = ctl.Update(func(tx *bolt.Tx) error {
		root, err := tx.CreateBucketIfNotExists(replBucket)
		if err != nil {
			return err
		}
		_, err = root.CreateBucketIfNotExists(outboxBucket)
		return err
	})
	if err != nil {
		_ = ctl.Close()
		return nil, fmt.Errorf("opening replication outbox: %w", err)
	}
	return ctl, nil
}

func readCtlState(ctl *bolt.DB) (replCtlState, error) {
	var state replCtlState
	err := ctl.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(replBucket).Get(replConfigKey)
		if raw == nil {
			return nil
		}
		return json.Unmarshal(raw, &state)
	})
	if err != nil {
		return state, fmt.Errorf("reading replication state: %w", err)
	}
	return state, nil
}

// updateCtlState rewrites the control file's config record with fn.
func updateCtlState(ctl *bolt.DB, fn func(state *replCtlState)) error {
	err := ctl.Update(func(tx *bolt.Tx) error {
		var state replCtlState
		if raw := tx.Bucket(replBucket).Get(replConfigKey); raw != nil {
			if err := json.Unmarshal(raw, &state); err != nil {
				return err
			}
		}
		fn(&state)
		raw, err := json.Marshal(state)
		if err != nil {
			return err
		}
		return tx.Bucket(replBucket).Put(replConfigKey, raw)
	})
	if err != nil {
		return fmt.Errorf("saving replication state: %w", err)
	}
	return nil
}

// errNoCtl is withCtl's error when there is no control file (replication
// was never enabled, or the store is closed).
var errNoCtl = errors.New("no replication control file")

// withCtl runs fn with the control file, or returns errNoCtl.
func (s *Store) withCtl(fn func(ctl *bolt.DB) error) error {
	s.rp.ctlMu.RLock()
	defer s.rp.ctlMu.RUnlock()
	if s.rp.ctl == nil {
		return errNoCtl
	}
	return fn(s.rp.ctl)
}

// newReplState builds the live state, the next seq and the last ts read
// from every file's "last" record.
func (s *Store) newReplState(state replCtlState) (*replState, error) {
	st := &replState{cfg: state.ReplConfig, now: s.opts.Now, open: map[*bolt.Tx]*txLog{}, seeded: map[string]bool{}}
	for _, db := range state.Seeded {
		st.seeded[db] = true
	}
	var maxSeq uint64
	var maxTs int64
	read := func(tx *bolt.Tx) error {
		root := tx.Bucket(replBucket)
		if root == nil {
			return nil
		}
		if v := root.Get(replLastKey); len(v) == 16 {
			maxSeq = max(maxSeq, binary.BigEndian.Uint64(v[:8]))
			maxTs = max(maxTs, int64(binary.BigEndian.Uint64(v[8:])))
		}
		return nil
	}
	err := s.withCtl(func(ctl *bolt.DB) error { return ctl.View(read) })
	if err != nil {
		return nil, fmt.Errorf("reading replication state: %w", err)
	}
	for _, db := range s.Databases() {
		if err := s.view(db, read); err != nil {
			return nil, fmt.Errorf("reading replication state of %s: %w", db, err)
		}
	}
	st.next, st.lastTs = maxSeq+1, maxTs
	return st, nil
}

// closeRepl closes the control file. Called by Close.
func (s *Store) closeRepl() error {
	if st := s.rp.on.Swap(nil); st != nil {
		st.wake()
	}
	s.rp.ctlMu.Lock()
	defer s.rp.ctlMu.Unlock()
	if s.rp.ctl == nil {
		return nil
	}
	err := closeFile(s.rp.ctl)
	s.rp.ctl = nil
	return err
}

// ReplEnable turns replication on (persisted; calling it again is
// harmless and may change the node name or the databases). Every
// replicated database not yet in the outbox is copied into it whole: a
// create_table entry per table, then a put per record, in transactions of
// seedBatch records. It returns how many records it copied.
func (s *Store) ReplEnable(cfg ReplConfig) (int, error) {
	if cfg.Node == "" {
		return 0, badRequest(ErrMsgRequired, "node")
	}
	s.rp.mu.Lock()
	defer s.rp.mu.Unlock()
	if err := s.ensureCtl(); err != nil {
		return 0, err
	}
	var state replCtlState
	err := s.withCtl(func(ctl *bolt.DB) error {
		return updateCtlState(ctl, func(st *replCtlState) {
			st.ReplConfig, st.Enabled = cfg, true
			state = *st
		})
	})
	if err != nil {
		return 0, err
	}
	st := s.rp.on.Load()
	if st == nil {
		if st, err = s.newReplState(state); err != nil {
			return 0, err
		}
	} else {
		st.mu.Lock()
		st.cfg = cfg
		st.mu.Unlock()
	}
	s.rp.on.Store(st)
	copied := 0
	for _, db := range s.Databases() {
		if !cfg.replicates(db) || st.isSeeded(db) {
			continue
		}
		n, err := s.seedDatabase(db)
		copied += n
		if err != nil {
			return copied, err
		}
		if err := s.markSeeded(st, db, true); err != nil {
			return copied, err
		}
	}
	return copied, nil
}

// ensureCtl opens (creating) the control file if it is not open.
func (s *Store) ensureCtl() error {
	s.rp.ctlMu.Lock()
	defer s.rp.ctlMu.Unlock()
	if err := s.checkOpen(); err != nil {
		return err
	}
	if s.rp.ctl != nil {
		return nil
	}
	ctl, err := s.openCtl()
	if err != nil {
		return err
	}
	s.rp.ctl = ctl
	return nil
}

// ReplDisable turns replication off (persisted). The outbox keeps its
// entries; the next enable copies every database again, since changes made
// meanwhile were not logged. It returns once the transactions that were
// logging have ended.
func (s *Store) ReplDisable() error {
	s.rp.mu.Lock()
	defer s.rp.mu.Unlock()
	if err := s.checkOpen(); err != nil {
		return err
	}
	st := s.rp.on.Swap(nil)
	if st != nil {
		st.drain()
		st.wake()
	}
	s.rp.ctlMu.RLock()
	defer s.rp.ctlMu.RUnlock()
	if s.rp.ctl == nil {
		return nil
	}
	return updateCtlState(s.rp.ctl, func(state *replCtlState) {
		state.Enabled, state.Seeded = false, nil
	})
}

// drain waits for the registered transactions to end.
func (st *replState) drain() {
	for {
		st.mu.Lock()
		n := len(st.open)
		st.mu.Unlock()
		if n == 0 {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// ReplStatus says whether replication is on and with which configuration.
func (s *Store) ReplStatus() (ReplConfig, bool) {
	st := s.rp.on.Load()
	if st == nil {
		return ReplConfig{}, false
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.cfg, true
}

// checkOpen returns ErrClosed after Close.
func (s *Store) checkOpen() error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	return nil
}

func (st *replState) isSeeded(db string) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.seeded[db]
}

// markSeeded records (or forgets) that database db is wholly in the outbox.
func (s *Store) markSeeded(st *replState, db string, seeded bool) error {
	st.mu.Lock()
	if seeded {
		st.seeded[db] = true
	} else {
		delete(st.seeded, db)
	}
	list := make([]string, 0, len(st.seeded))
	for d := range st.seeded {
		list = append(list, d)
	}
	st.mu.Unlock()
	sort.Strings(list)
	return s.withCtl(func(ctl *bolt.DB) error {
		return updateCtlState(ctl, func(state *replCtlState) { state.Seeded = list })
	})
}

// replUpdate is Store.update while replication is on: the transaction is
// registered (so outbox reads stop below its entries until it ends) and
// its outbox bookkeeping written before it commits.
func (st *replState) update(bdb *bolt.DB, fn func(tx *bolt.Tx) error) error {
	var cur *bolt.Tx
	err := bdb.Update(func(tx *bolt.Tx) error {
		cur = tx
		st.mu.Lock()
		st.open[tx] = &txLog{st: st, tx: tx, floor: st.next}
		st.mu.Unlock()
		if err := fn(tx); err != nil {
			return err
		}
		return st.finish(tx)
	})
	if cur != nil {
		st.mu.Lock()
		l := st.open[cur]
		wrote := l != nil && l.last != 0
		delete(st.open, cur)
		st.mu.Unlock()
		if l != nil {
			l.release()
		}
		// Its entries are readable now (or were rolled back): wake the
		// outbox readers waiting for entries.
		if wrote {
			st.wake()
		}
	}
	return err
}

// finish stores the transaction's last chunk and writes the file's
// "last" record if the transaction wrote entries.
func (st *replState) finish(tx *bolt.Tx) error {
	st.mu.Lock()
	l := st.open[tx]
	st.mu.Unlock()
	if l == nil || l.last == 0 {
		return nil
	}
	if err := l.flush(); err != nil {
		return err
	}
	var v [16]byte
	binary.BigEndian.PutUint64(v[:8], l.last)
	binary.BigEndian.PutUint64(v[8:], uint64(l.ts))
	return tx.Bucket(replBucket).Put(replLastKey, v[:])
}

// safe is the highest seq below which every entry is committed.
func (st *replState) safe() uint64 {
	st.mu.Lock()
	defer st.mu.Unlock()
	floor := st.next
	for _, l := range st.open {
		floor = min(floor, l.floor)
	}
	return floor - 1
}

// replLog returns the outbox log of write transaction tx on database db,
// or nil when replication is off or db is not replicated. A transaction
// that started before replication was turned on is not logged; the first
// enable's copy, which runs after it, carries its rows.
func (s *Store) replLog(tx *bolt.Tx, db string) *txLog {
	st := s.rp.on.Load()
	if st == nil {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.cfg.replicates(db) {
		return nil
	}
	l := st.open[tx]
	if l != nil {
		l.db = db
	}
	return l
}

// stamp gives the transaction its ts on its first entry.
func (l *txLog) stamp(nowUs int64) {
	if l.ts != 0 {
		return
	}
	l.st.mu.Lock()
	l.ts = max(nowUs, l.st.lastTs+1)
	l.st.lastTs = l.ts
	l.st.mu.Unlock()
}

// observe moves the clock past a ts this node applied.
func (st *replState) observe(ts int64) {
	st.mu.Lock()
	st.lastTs = max(st.lastTs, ts)
	st.mu.Unlock()
}

// entry starts an outbox entry: it takes the next seq and appends the
// common members to the transaction's chunk; the caller appends its own
// and calls put with the buffer.
func (l *txLog) entry(op string) ([]byte, uint64) {
	return l.entrySized(op, 0)
}

// entrySized is entry with room for extra more bytes.
func (l *txLog) entrySized(op string, extra int) ([]byte, uint64) {
	return l.entryAt(op, extra, l.localVersion())
}

// localVersion is the version of the keys the transaction writes: its ts
// (stamped now on the first call) and this node.
func (l *txLog) localVersion() replVersion {
	if l.localPart == nil {
		l.stamp(l.st.now().UnixMicro())
		l.local = l.version(false)
		l.localPart = appendVersionPart(nil, l.local.ts, l.local.node)
	}
	return l.local
}

// recordVersion is localVersion as the records the transaction writes
// carry it (appendVersionPart); callers only read it.
func (l *txLog) recordVersion() []byte {
	l.localVersion()
	return l.localPart
}

// versionPartLen is the length of appendVersionPart's bytes for node.
func versionPartLen(node string) int {
	n := 8 + 1 + len(node)
	for x := uint64(len(node)); x >= 0x80; x >>= 7 {
		n++
	}
	return n
}

// appendVersionPart appends a key version as a valueVersionRepl record
// carries it after its created time: ts (µs, 8 big-endian bytes), the
// node name's length (uvarint) and the node name.
func appendVersionPart(b []byte, ts int64, node string) []byte {
	b = binary.BigEndian.AppendUint64(b, uint64(ts))
	b = binary.AppendUvarint(b, uint64(len(node)))
	return append(b, node...)
}

// entryAt is entrySized with the entry's ts and node given.
func (l *txLog) entryAt(op string, extra int, v replVersion) ([]byte, uint64) {
	l.st.mu.Lock()
	seq := l.st.next
	l.st.next++
	l.st.mu.Unlock()
	node := v.node
	need := 1 + entryOverhead + len(node) + len(l.db) + extra
	if l.buf == nil {
		l.buf = chunkBufs.Get().(*chunkBuf)
		l.chunk = l.buf.raw[:chunkHeaderLen]
	}
	b := l.chunk
	if cap(b)-len(b) < need {
		// A transaction of more than one small entry: room for a whole
		// chunk at once rather than copying it while it doubles.
		nb := make([]byte, len(b), max(chunkHeaderLen+chunkBytes, len(b))+need)
		copy(nb, b)
		b = nb
	}
	if l.chunkN > 0 {
		b = append(b, ',')
	}
	l.entryTs = v.ts
	b = append(b, `{"seq":`...)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, `,"ts":`...)
	b = appendTs(b, v.ts)
	b = append(b, `,"node":`...)
	b = fastjson.AppendString(b, node)
	b = append(b, `,"op":`...)
	b = fastjson.AppendString(b, op)
	b = append(b, `,"database":`...)
	b = fastjson.AppendString(b, l.db)
	return b, seq
}

// put ends the entry entry started (b is the chunk it returned) and
// stores the chunk once it holds chunkBytes.
func (l *txLog) put(seq uint64, b []byte) error {
	l.chunk = append(b, '}')
	if l.chunkN == 0 {
		l.chunkFirst = seq
	}
	l.chunkN++
	l.chunkTs = l.entryTs
	l.last = seq
	if len(l.chunk) >= chunkBytes {
		return l.flush()
	}
	return nil
}

// flush stores the chunk being written, if any, compressed under its last
// seq. bbolt keeps the value slices of a transaction's puts until it
// commits: the stored value is a new slice, and the chunk's buffer
// serves the next chunk.
func (l *txLog) flush() error {
	if l.chunkN == 0 {
		return nil
	}
	if l.box == nil {
		root, err := l.tx.CreateBucketIfNotExists(replBucket)
		if err != nil {
			return fmt.Errorf("replication outbox: %w", err)
		}
		if l.box, err = root.CreateBucketIfNotExists(zchunkBucket); err != nil {
			return fmt.Errorf("replication outbox: %w", err)
		}
		l.box.FillPercent = indexFillPercent
	}
	putChunkHeader(l.chunk, l.chunkFirst, l.chunkTs, l.chunkN)
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], l.last)
	if err := l.box.Put(k[:], compressChunk(l.buf, l.chunk)); err != nil {
		return fmt.Errorf("replication outbox: %w", err)
	}
	l.chunk, l.chunkN = l.chunk[:chunkHeaderLen], 0
	return nil
}

// release pools the transaction's chunk buffer once it has ended.
func (l *txLog) release() {
	if l.buf == nil {
		return
	}
	l.buf.raw = l.chunk[:chunkHeaderLen]
	putChunkBuf(l.buf)
	l.buf, l.chunk = nil, nil
}

// version is this transaction's version of a key it writes.
func (l *txLog) version(tombstone bool) replVersion {
	l.st.mu.Lock()
	defer l.st.mu.Unlock()
	return replVersion{ts: l.ts, node: l.st.cfg.Node, tombstone: tombstone}
}

// logRecord logs a put of the record just stored under key in t, val
// being the stored value, which carries the transaction's version
// (recordVersion): the key's version is set with the record.
func (l *txLog) logRecord(t *tableTx, key, val []byte) error {
	return l.logRecordAt(t, key, val, nil)
}

// logRecordAt is logRecord with the entry's version given (a seed: see
// seedTable); nil is the transaction's. A nil val is read from the table.
// A seed's version, when the record does not carry it, is stored in the
// version bucket.
func (l *txLog) logRecordAt(t *tableTx, key, val []byte, at *replVersion) error {
	if val == nil {
		val = t.recs.Get(key)
	}
	if val == nil {
		return fmt.Errorf("table %s.%s: record vanished before logging", t.db, t.name)
	}
	text, err := valueText(val)
	if err != nil {
		return fmt.Errorf("table %s.%s: %w", t.db, t.name, err)
	}
	extra := len(t.name) + len(t.meta.PrimaryKey) + 2*len(key) + len(text)
	var b []byte
	var seq uint64
	if at == nil {
		b, seq = l.entrySized(ReplPut, extra)
	} else {
		b, seq = l.entryAt(ReplPut, extra, *at)
	}
	b = appendTableMembers(b, t)
	b = append(b, `,"key":`...)
	b = appendKeyJSON(b, key)
	b = append(b, `,"record":`...)
	b = append(b, text...)
	if err := l.put(seq, b); err != nil {
		return err
	}
	if at == nil || val[0] == valueVersionRepl {
		// The record carries its version (the transaction's, or the one
		// a seed found in it).
		return nil
	}
	return t.setVersion(key, *at)
}

// logDelete logs a delete of key and leaves its tombstone.
func (l *txLog) logDelete(t *tableTx, key []byte) error {
	b, seq := l.entry(ReplDelete)
	b = appendTableMembers(b, t)
	b = append(b, `,"key":`...)
	b = appendKeyJSON(b, key)
	if err := l.put(seq, b); err != nil {
		return err
	}
	return t.setVersion(key, l.version(true))
}

// logTable logs a table-level operation; attrs, when not empty, are the
// table's attributes (create_table) or the attribute (create_attribute,
// drop_attribute).
func (l *txLog) logTable(op string, t *tableTx, table string, attrs ...string) error {
	b, seq := l.entry(op)
	b = append(b, `,"table":`...)
	b = fastjson.AppendString(b, table)
	if t != nil {
		b = append(b, `,"primary_key":`...)
		b = fastjson.AppendString(b, t.meta.PrimaryKey)
	}
	switch op {
	case ReplCreateTable:
		b = append(b, `,"attributes":[`...)
		for i, a := range attrs {
			if i > 0 {
				b = append(b, ',')
			}
			b = fastjson.AppendString(b, a)
		}
		b = append(b, ']')
	case ReplCreateAttr, ReplDropAttr:
		b = append(b, `,"attribute":`...)
		b = fastjson.AppendString(b, attrs[0])
	}
	return l.put(seq, b)
}

// appendTableMembers appends a record entry's table and primary key.
func appendTableMembers(b []byte, t *tableTx) []byte {
	b = append(b, `,"table":`...)
	b = fastjson.AppendString(b, t.name)
	b = append(b, `,"primary_key":`...)
	return fastjson.AppendString(b, t.meta.PrimaryKey)
}

// setVersion stores a key's version in the table's version bucket.
func (t *tableTx) setVersion(key []byte, v replVersion) error {
	vb, err := t.versions()
	if err != nil {
		return err
	}
	if err := vb.Put(key, v.encode()); err != nil {
		return fmt.Errorf("table %s.%s: writing key version: %w", t.db, t.name, err)
	}
	return nil
}

// versions returns the table's key version bucket, creating it.
func (t *tableTx) versions() (*bolt.Bucket, error) {
	if b := t.root.Bucket(keyVerBucket); b != nil {
		return b, nil
	}
	b, err := t.root.CreateBucket(keyVerBucket)
	if err != nil {
		return nil, fmt.Errorf("table %s.%s: creating key versions: %w", t.db, t.name, err)
	}
	return b, nil
}

// storedVersion reads a key's version; ok is false when it has none.
func (t *tableTx) storedVersion(key []byte) (replVersion, bool) {
	v, ok := t.keyVersion(key, t.recs.Get(key))
	return replVersion{ts: v.ts, node: string(v.node), tombstone: v.tombstone}, ok
}

// storedVer is a key's version as stored: node is a slice of the
// record or version bucket value it was read from.
type storedVer struct {
	ts        int64
	node      []byte
	tombstone bool
}

// keyVersion reads the version of key in t, rec being its stored record
// (nil for none): the record's when it carries one, else the version
// bucket's entry. ok is false when the key has none.
func (t *tableTx) keyVersion(key, rec []byte) (storedVer, bool) {
	if ts, node, _, ok := valueVersionOf(rec); ok {
		return storedVer{ts: ts, node: node}, true
	}
	b := t.root.Bucket(keyVerBucket)
	if b == nil {
		return storedVer{}, false
	}
	raw := b.Get(key)
	if len(raw) < 9 {
		return storedVer{}, false
	}
	return storedVer{tombstone: raw[0] == 1, ts: int64(binary.BigEndian.Uint64(raw[1:9])), node: raw[9:]}, true
}

// laterThan reports whether v is later than the stored version w under
// the conflict rule: the later ts wins, a tie goes to the larger node
// name.
func (v replVersion) laterThan(w storedVer) bool {
	if v.ts != w.ts {
		return v.ts > w.ts
	}
	return v.node > string(w.node)
}

// keepVersion moves the version the stored record rec of key carries, if
// any, to the version bucket, before the record is rewritten without it
// or deleted without a tombstone: the key keeps the last version set on
// it.
func (t *tableTx) keepVersion(key, rec []byte) error {
	ts, node, _, ok := valueVersionOf(rec)
	if !ok {
		return nil
	}
	return t.setVersion(key, replVersion{ts: ts, node: string(node)})
}

// logDatabaseOp writes a create_database or drop_database entry into the
// control file, right after the file operation (a database file cannot
// hold its own drop). The database is marked seeded on create, forgotten
// on drop.
func (s *Store) logDatabaseOp(op, db string) error {
	st := s.rp.on.Load()
	if st == nil {
		return nil
	}
	st.mu.Lock()
	replicated := st.cfg.replicates(db)
	st.mu.Unlock()
	if !replicated {
		return nil
	}
	err := s.withCtl(func(ctl *bolt.DB) error {
		return st.update(ctl, func(tx *bolt.Tx) error {
			st.mu.Lock()
			l := st.open[tx]
			st.mu.Unlock()
			l.db = db
			b, seq := l.entry(op)
			return l.put(seq, b)
		})
	})
	if err != nil {
		return fmt.Errorf("replication outbox: %w", err)
	}
	return s.markSeeded(st, db, op == ReplCreateDatabase)
}

// seedDatabase puts every table and record of db into the outbox.
func (s *Store) seedDatabase(db string) (int, error) {
	var tables []string
	err := s.view(db, func(tx *bolt.Tx) error {
		return forEachTable(tx, db, func(t *tableTx) error {
			tables = append(tables, t.name)
			return nil
		})
	})
	if err != nil {
		return 0, err
	}
	copied := 0
	for _, table := range tables {
		n, err := s.seedTable(db, table)
		copied += n
		if err != nil && StatusOf(err) != 404 { // a table dropped meanwhile is skipped
			return copied, err
		}
	}
	return copied, nil
}

// seedTable logs create_table for the table, then a put per record.
func (s *Store) seedTable(db, table string) (int, error) {
	err := s.updateTable(db, table, func(t *tableTx) error {
		l := s.replLog(t.root.Tx(), db)
		if l == nil {
			return nil
		}
		return l.logTable(ReplCreateTable, t, table, t.attributeNames()...)
	})
	if err != nil {
		return 0, err
	}
	copied := 0
	var from []byte
	for {
		var next []byte
		err := s.updateTable(db, table, func(t *tableTx) error {
			l := s.replLog(t.root.Tx(), db)
			if l == nil {
				return nil
			}
			var keys [][]byte
			c := t.recs.Cursor()
			k, _ := c.First()
			if from != nil {
				k, _ = c.Seek(from)
			}
			for ; k != nil; k, _ = c.Next() {
				if len(keys) == seedBatch {
					next = slices.Clone(k)
					break
				}
				keys = append(keys, slices.Clone(k))
			}
			for _, k := range keys {
				v, err := seedVersion(t, k, l.st)
				if err != nil {
					return err
				}
				if err := l.logRecordAt(t, k, nil, &v); err != nil {
					return err
				}
			}
			copied += len(keys)
			return nil
		})
		if err != nil {
			return copied, err
		}
		if next == nil {
			return copied, nil
		}
		from = next
	}
}

// seedVersion is the version a copied record travels with: the one its
// key holds, or, for a key never replicated, the record's __updatedtime__
// and this node. A copy thus loses to every change made after the record
// was written, on any node: a node enabled late (or again) does not
// overwrite newer rows with its own older ones.
func seedVersion(t *tableTx, key []byte, st *replState) (replVersion, error) {
	if v, ok := t.storedVersion(key); ok && !v.tombstone {
		return v, nil
	}
	rec, err := decodeValue(t.recs.Get(key))
	if err != nil {
		return replVersion{}, fmt.Errorf("table %s.%s: %w", t.db, t.name, err)
	}
	st.mu.Lock()
	node := st.cfg.Node
	st.mu.Unlock()
	ms := int64(0)
	if n, ok := rec[UpdatedTimeAttr].(json.Number); ok {
		if f, err := n.Float64(); err == nil && f > 0 && f < 1e13 {
			ms = int64(f)
		}
	}
	return replVersion{ts: ms * 1000, node: node}, nil
}

// appendTs appends a ts (µs) as JSON ms with up to three decimals.
func appendTs(b []byte, us int64) []byte {
	return strconv.AppendFloat(b, float64(us)/1000, 'f', -1, 64)
}

// parseTs reads an entry's ts (ms, a JSON number) as µs.
func parseTs(n json.Number) (int64, bool) {
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e15 {
		return 0, false
	}
	return int64(math.Round(f * 1000)), true
}

// appendKeyJSON appends a stored primary key as its JSON value.
func appendKeyJSON(b []byte, key []byte) []byte {
	if len(key) == numberKeyLen && key[0] == keyTypeNumber {
		bits := binary.BigEndian.Uint64(key[1:])
		if bits&(1<<63) != 0 {
			bits &^= 1 << 63
		} else {
			bits = ^bits
		}
		return fastjson.AppendFloat(b, math.Float64frombits(bits))
	}
	return fastjson.AppendString(b, string(key[1:]))
}

// isReplBucket reports whether a top-level bucket is the replication
// bucket rather than a table.
func isReplBucket(name []byte) bool { return len(name) > 0 && name[0] == '/' }
