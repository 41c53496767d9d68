package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/hops-dev/hops/builtin/internal/fastjson"
)

// ReplEntry is one outbox entry as ReplApply reads it (see repl.go for
// the members each op carries).
type ReplEntry struct {
	Seq        uint64          `json:"seq"`
	Ts         json.Number     `json:"ts"`
	Node       string          `json:"node"`
	Op         string          `json:"op"`
	Database   string          `json:"database"`
	Table      string          `json:"table"`
	PrimaryKey string          `json:"primary_key"`
	Key        json.RawMessage `json:"key"`
	Record     json.RawMessage `json:"record"`
	Attributes []string        `json:"attributes"`
	Attribute  string          `json:"attribute"`

	// Read by parse.
	ts  int64
	key []byte
	// A put's record: its text as it came (raw, with its member keys
	// and created time read from it) when that text can be stored as it
	// is, else decoded (rec).
	raw   []byte
	names [][]byte
	ct    int64
	hasCt bool
	rec   map[string]any
	bad   error // why the entry is skipped
}

// UnreadableOp starts the op of an entry its reader could not read (the
// rest says why): ReplApply skips it as unreadable with that reason.
const UnreadableOp = "unreadable: "

// ReplApplied counts what ReplApply did.
type ReplApplied struct {
	// Applied entries changed this node; Skipped ones did not (already
	// applied, older than what the key holds, nothing left to do, an op
	// this store does not know, or an entry it cannot read).
	Applied int `json:"applied"`
	Skipped int `json:"skipped"`
	// Unreadable says why entries were skipped as unreadable, as
	// "entry <index>: <why>".
	Unreadable []string `json:"unreadable,omitempty"`
}

// ReplApply applies entries from node origin (an entry's own "node" wins
// when it has one), in order. An entry with an op it does not know, or
// that it cannot read (no ts, a bad name or key, a record that is not an
// object), is skipped and named in Unreadable: sending it again would not
// help. Consecutive entries of one database are applied in one
// transaction; an error (I/O, a closed store) may leave earlier runs
// applied, which is harmless since applying again is a no-op.
//
// Conflict rule: a put or delete applies only when its (ts, node) is later
// than the version the key holds (ts first, then node names compared as
// strings); a delete leaves a tombstone version, so an older put arriving
// afterwards does not bring the record back. Applying the same entry again
// is a no-op (its version is not later than itself). Tables, databases and
// attributes are created as needed; create_* of something that exists and
// drop_* of something missing are skipped. Applying never writes the
// outbox, and a ts applied moves this node's clock past it.
func (s *Store) ReplApply(origin string, entries []ReplEntry) (ReplApplied, error) {
	var out ReplApplied
	var names nameSlab
	for i := range entries {
		if err := entries[i].parse(origin, &names); err != nil {
			entries[i].bad = err
			out.Skipped++
			out.Unreadable = append(out.Unreadable, fmt.Sprintf("entry %d: %v", i, err))
		}
	}
	for i := 0; i < len(entries); {
		e := &entries[i]
		if e.bad != nil {
			i++
			continue
		}
		switch e.Op {
		case ReplCreateDatabase, ReplDropDatabase:
			ok, err := s.applyDatabaseOp(e)
			if err != nil {
				return out, err
			}
			out.count(ok)
			s.observe(e.ts)
			i++
			continue
		}
		j := i + 1
		for j < len(entries) && (entries[j].bad != nil || entries[j].Database == e.Database &&
			entries[j].Op != ReplCreateDatabase && entries[j].Op != ReplDropDatabase) {
			j++
		}
		n, err := s.applyRun(e.Database, entries[i:j])
		if err != nil {
			return out, err
		}
		out.Applied += n.Applied
		out.Skipped += n.Skipped
		i = j
	}
	return out, nil
}

// ReplParse checks entries as ReplApply does before it writes, and
// returns the first reason one would be skipped as unreadable
// (benchmarks measure the reading apart from the store with it).
func ReplParse(origin string, entries []ReplEntry) error {
	var names nameSlab
	for i := range entries {
		if err := entries[i].parse(origin, &names); err != nil {
			return fmt.Errorf("entry %d: %w", i, err)
		}
	}
	return nil
}

func (a *ReplApplied) count(applied bool) {
	if applied {
		a.Applied++
	} else {
		a.Skipped++
	}
}

// observe moves the replication clock past ts when replication is on.
func (s *Store) observe(ts int64) {
	if st := s.rp.on.Load(); st != nil {
		st.observe(ts)
	}
}

// parse checks an entry and reads its ts, key and record.
func (e *ReplEntry) parse(origin string, names *nameSlab) error {
	if why, ok := strings.CutPrefix(e.Op, UnreadableOp); ok {
		return errors.New(why)
	}
	if e.Node == "" {
		e.Node = origin
	}
	if e.Node == "" {
		return fmt.Errorf("no node")
	}
	ts, ok := parseTs(e.Ts)
	if !ok {
		return fmt.Errorf("ts %q is not a time in ms", e.Ts)
	}
	e.ts = ts
	if err := validateName(paramDatabase, e.Database); err != nil {
		return err
	}
	switch e.Op {
	case ReplCreateDatabase, ReplDropDatabase:
		return nil
	case ReplPut, ReplDelete, ReplCreateTable, ReplDropTable, ReplCreateAttr, ReplDropAttr:
	default:
		return fmt.Errorf("unknown op %q", e.Op)
	}
	if err := validateName(paramTable, e.Table); err != nil {
		return err
	}
	switch e.Op {
	case ReplCreateAttr, ReplDropAttr:
		if e.Attribute == "" {
			return fmt.Errorf("no attribute")
		}
		return nil
	case ReplDropTable:
		return nil
	}
	if e.PrimaryKey == "" || !validAttributeName(e.PrimaryKey) {
		return fmt.Errorf("bad primary_key %q", e.PrimaryKey)
	}
	if e.Op == ReplCreateTable {
		return nil
	}
	key, err := parseKey(e.Key)
	if err != nil {
		return err
	}
	e.key = key
	if e.Op == ReplDelete {
		return nil
	}
	if e.readRaw(names) {
		return nil
	}
	rec, err := decodeJSON(e.Record)
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	for name := range rec {
		if !validAttributeName(name) || len(name) > MaxAttributeNameBytes {
			return fmt.Errorf("record: bad attribute name %q", name)
		}
	}
	e.rec = rec
	return nil
}

// maxRawMembers bounds the members of a record readRaw takes: it finds
// repeated keys by comparing each with those before it.
const maxRawMembers = 64

// readRaw takes a put's record text as the stored text when it is what
// the store writes itself (the origin sends its stored text): one compact
// object, keys without escapes, no key twice, every value valid JSON
// (fastjson.Members). It reads the member keys and the created time; it
// reports false when the record must be decoded instead.
func (e *ReplEntry) readRaw(slab *nameSlab) bool {
	rec := bytes.TrimSpace(e.Record)
	m := fastjson.NewMembers(rec)
	names := slab.start()
	// While the names are those of the last record kept, in its order,
	// each was checked there (valid, not repeated).
	same := true
	for m.Next() {
		k := m.Key()
		if same = same && len(names) < len(slab.last) && bytes.Equal(slab.last[len(names)], k); !same {
			if len(names) == maxRawMembers || !validAttributeName(string(k)) || len(k) > MaxAttributeNameBytes {
				return false
			}
			for _, n := range names {
				if bytes.Equal(n, k) {
					return false
				}
			}
		}
		if !m.Canonical() {
			if _, ok := fastjson.DecodeValue(m.Value()); !ok {
				return false
			}
		}
		if string(k) == CreatedTimeAttr {
			if ct, ok := parseCtime(m.Value()); ok {
				e.ct, e.hasCt = ct, true
			}
		}
		names = append(names, k)
	}
	if !m.Done() {
		return false
	}
	e.raw, e.names = rec, slab.keep(names)
	return true
}

// nameSlabSize is how many member names a nameSlab holds before it
// takes a new one.
const nameSlabSize = 4096

// nameSlab hands out the lists of member names of the records of one
// apply call from shared arrays instead of one allocation per record.
type nameSlab struct {
	free [][]byte
	// last is the list keep returned last.
	last [][]byte
}

// start returns an empty list with room for maxRawMembers names.
func (s *nameSlab) start() [][]byte {
	if cap(s.free) < maxRawMembers {
		s.free = make([][]byte, 0, nameSlabSize)
	}
	return s.free[:0:maxRawMembers]
}

// keep makes names, built on start's list, the record's own.
func (s *nameSlab) keep(names [][]byte) [][]byte {
	s.free = s.free[len(names):len(names)]
	s.last = names[:len(names):len(names)]
	return s.last
}

// parseCtime reads a record's __createdtime__ (ms) as put keeps it: a
// whole number, or a fraction cut to its whole part.
func parseCtime(text []byte) (int64, bool) {
	if v, err := strconv.ParseInt(string(text), 10, 64); err == nil {
		return v, true
	}
	if f, err := strconv.ParseFloat(string(text), 64); err == nil {
		return int64(f), true
	}
	return 0, false
}

// parseKey reads an entry's key (a JSON string or number) in stored form.
func parseKey(raw json.RawMessage) ([]byte, error) {
	raw = bytes.TrimSpace(raw)
	var (
		key  []byte
		kind keyKind
		err  error
	)
	switch {
	case len(raw) > 0 && raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("key: %w", err)
		}
		key, kind, err = encodeKey(s)
	case len(raw) == 0:
		key, kind, err = encodeKey(nil)
	default:
		// What encodeKey does with a json.Number, without making one.
		f, perr := strconv.ParseFloat(string(raw), 64)
		if perr != nil {
			key, kind, err = nil, keyInvalid, badRequest(ErrMsgInvalidHash, string(raw))
		} else {
			key, kind, err = encodeNumberKey(f)
		}
	}
	if kind != keyValid {
		if err == nil {
			err = fmt.Errorf("missing")
		}
		return nil, fmt.Errorf("key: %w", err)
	}
	return key, nil
}

// applyDatabaseOp applies create_database or drop_database.
func (s *Store) applyDatabaseOp(e *ReplEntry) (bool, error) {
	if e.Op == ReplCreateDatabase {
		return s.ensureApplied(e.Database)
	}
	s.ddl.Lock()
	err := s.dropLocked(e.Database)
	s.ddl.Unlock()
	if err != nil && StatusOf(err) == http.StatusNotFound {
		return false, nil
	}
	if err == nil {
		err = s.seededByApply(e.Database, false)
	}
	return err == nil, err
}

// ensureApplied opens database db, creating it if needed, for entries
// being applied.
func (s *Store) ensureApplied(db string) (bool, error) {
	created, err := s.ensureDatabase(db)
	if err != nil || !created {
		return created, err
	}
	return true, s.seededByApply(db, true)
}

// seededByApply marks a database created by an apply as wholly in the
// outboxes (its records come from the other nodes' streams, this node's
// own writes are logged), or forgets a dropped one, so that an enable
// after a restart does not copy it again.
func (s *Store) seededByApply(db string, created bool) error {
	st := s.rp.on.Load()
	if st == nil {
		return nil
	}
	return s.markSeeded(st, db, created)
}

// appendFillPercent is how full the pages of the records and key version
// buckets are left when a run's keys came in ascending order, as a table
// with growing keys gets them: such a run appends at the right edge, and
// bbolt's default of 0.5 would leave every page it splits there half
// empty for good (more pages to write now, and a larger file). Runs in
// any other order keep the default, which leaves room where keys land.
const appendFillPercent = 0.9

// slabSize is the size of the byte slabs an applier cuts the values and
// index keys it stores from: bbolt keeps the slices a Put is given until
// the transaction commits, so one slab serves about a thousand records
// where each had an allocation of its own.
const slabSize = 256 << 10

// applier applies the entries of one database in one transaction.
type applier struct {
	s      *Store
	tx     *bolt.Tx
	db     string
	tables map[string]*tableTx
	// attrs holds, per table, the attribute names the run's records
	// carry, added to the table's attributes once at the end.
	attrs map[*tableTx]map[string]struct{}
	// noted and notedIn are the member names of the last record text
	// noted and its table: records of one shape follow one another, and
	// one with the same names in the same order adds nothing to the set.
	noted   [][]byte
	notedIn *tableTx
	// slab is where alloc hands out the bytes of values and keys stored.
	slab []byte
	// order tells, per table, whether the keys written so far came in
	// ascending order (see appendFillPercent).
	order map[*tableTx]*keyOrder
	now   int64
}

// alloc returns n bytes for a value or key to store, cut from the
// current slab (never handed out twice: bbolt reads them at commit).
func (a *applier) alloc(n int) []byte {
	if n > slabSize/16 {
		return make([]byte, n)
	}
	if cap(a.slab)-len(a.slab) < n {
		a.slab = make([]byte, 0, slabSize)
	}
	l := len(a.slab)
	a.slab = a.slab[:l+n]
	return a.slab[l : l+n : l+n]
}

// keyOrder follows the order of the keys a run writes to one table.
type keyOrder struct {
	last  []byte
	mixed bool
}

// noteKey records that key is written to t.
func (a *applier) noteKey(t *tableTx, key []byte) {
	o := a.order[t]
	if o == nil {
		o = &keyOrder{}
		a.order[t] = o
	} else if !o.mixed && bytes.Compare(key, o.last) <= 0 {
		o.mixed = true
	}
	o.last = key
}

// setFill packs the pages of each table whose keys came in ascending
// order (appendFillPercent); bbolt reads FillPercent when it commits.
func (a *applier) setFill() error {
	for t, o := range a.order {
		if o.mixed || a.tables[t.name] != t {
			continue
		}
		t.recs.FillPercent = appendFillPercent
		if vb := t.root.Bucket(keyVerBucket); vb != nil {
			vb.FillPercent = appendFillPercent
		}
	}
	return nil
}

// putVersion stores the version v of key in t's version bucket (a
// tombstone: a put's version goes with its record), its bytes cut from
// the slab.
func (a *applier) putVersion(t *tableTx, key []byte, v replVersion) error {
	vb, err := t.versions()
	if err != nil {
		return err
	}
	b := a.alloc(9 + len(v.node))
	if v.tombstone {
		b[0] = 1
	}
	binary.BigEndian.PutUint64(b[1:9], uint64(v.ts))
	copy(b[9:], v.node)
	if err := vb.Put(key, b); err != nil {
		return fmt.Errorf("table %s.%s: writing key version: %w", t.db, t.name, err)
	}
	return nil
}

// indexKey is indexKey(ctime, key) cut from the slab.
func (a *applier) indexKey(ctime int64, key []byte) []byte {
	k := a.alloc(ctimeLen + len(key))
	binary.BigEndian.PutUint64(k, uint64(ctime))
	copy(k[ctimeLen:], key)
	return k
}

// noteAttrs adds a record's member names to its table's set.
func (a *applier) noteAttrs(t *tableTx, e *ReplEntry) {
	if e.raw != nil && t == a.notedIn && sameNames(e.names, a.noted) {
		return
	}
	set := a.attrs[t]
	if set == nil {
		set = map[string]struct{}{}
		a.attrs[t] = set
	}
	if e.raw != nil {
		a.noted, a.notedIn = e.names, t
		for _, n := range e.names {
			if _, ok := set[string(n)]; !ok {
				set[string(n)] = struct{}{}
			}
		}
		return
	}
	for n := range e.rec {
		set[n] = struct{}{}
	}
}

// sameNames reports whether two lists of member names are equal.
func sameNames(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// saveAttrs adds the noted attribute names to each table still open.
func (a *applier) saveAttrs() error {
	for _, t := range a.tables {
		set := a.attrs[t]
		if len(set) == 0 {
			continue
		}
		names := make([]string, 0, len(set))
		for n := range set {
			names = append(names, n)
		}
		if err := t.addAttributes(names); err != nil {
			return err
		}
	}
	return nil
}

// applyRun applies entries of database db in one write transaction.
func (s *Store) applyRun(db string, run []ReplEntry) (ReplApplied, error) {
	var out ReplApplied
	if _, err := s.ensureApplied(db); err != nil {
		return out, err
	}
	var maxTs int64
	err := s.update(db, func(tx *bolt.Tx) error {
		out, maxTs = ReplApplied{}, 0
		a := &applier{s: s, tx: tx, db: db, tables: map[string]*tableTx{}, attrs: map[*tableTx]map[string]struct{}{},
			order: map[*tableTx]*keyOrder{}, now: s.nowMs()}
		for i := range run {
			if run[i].bad != nil {
				continue
			}
			ok, err := a.apply(&run[i])
			if err != nil {
				return fmt.Errorf("applying entry %d (%s %s.%s): %w", run[i].Seq, run[i].Op, db, run[i].Table, err)
			}
			out.count(ok)
			maxTs = max(maxTs, run[i].ts)
		}
		if err := a.saveAttrs(); err != nil {
			return err
		}
		if err := a.setFill(); err != nil {
			return err
		}
		for _, t := range a.tables {
			if err := t.saveMeta(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return ReplApplied{}, err
	}
	s.observe(maxTs)
	return out, nil
}

// table opens a table of the run, creating it with primary key pk when it
// is missing and pk is given; nil when it is missing and pk is not.
func (a *applier) table(name, pk string) (*tableTx, error) {
	if t := a.tables[name]; t != nil {
		return t, nil
	}
	if a.tx.Bucket([]byte(name)) == nil {
		if pk == "" {
			return nil, nil
		}
		if err := createTableTx(a.tx, a.db, name, pk, a.now); err != nil {
			return nil, err
		}
	}
	t, err := openTable(a.tx, a.db, name)
	if err != nil {
		return nil, err
	}
	a.tables[name] = t
	return t, nil
}

// apply applies one entry and says whether it changed anything.
func (a *applier) apply(e *ReplEntry) (bool, error) {
	switch e.Op {
	case ReplCreateTable:
		existed := a.tx.Bucket([]byte(e.Table)) != nil
		t, err := a.table(e.Table, e.PrimaryKey)
		if err != nil {
			return false, err
		}
		return !existed, t.addAttributes(e.Attributes)
	case ReplDropTable:
		if a.tx.Bucket([]byte(e.Table)) == nil {
			return false, nil
		}
		if t := a.tables[e.Table]; t != nil {
			delete(a.attrs, t)
		}
		a.noted, a.notedIn = nil, nil
		delete(a.tables, e.Table)
		return true, a.tx.DeleteBucket([]byte(e.Table))
	case ReplCreateAttr:
		t, err := a.table(e.Table, e.PrimaryKey)
		if err != nil || t == nil || t.attrs.Get([]byte(e.Attribute)) != nil {
			return false, err
		}
		return true, t.addAttributes([]string{e.Attribute})
	case ReplDropAttr:
		t, err := a.table(e.Table, "")
		if err == nil && t != nil {
			// The run's puts before the drop add their names first.
			err = a.saveAttrs()
			clear(a.attrs)
			a.noted, a.notedIn = nil, nil
		}
		if err != nil || t == nil || t.attrs.Get([]byte(e.Attribute)) == nil ||
			e.Attribute == t.meta.PrimaryKey || e.Attribute == CreatedTimeAttr || e.Attribute == UpdatedTimeAttr {
			return false, err
		}
		if err := t.attrs.Delete([]byte(e.Attribute)); err != nil {
			return false, err
		}
		return true, t.removeFromRecords(e.Attribute)
	}
	t, err := a.table(e.Table, e.PrimaryKey)
	if err != nil {
		return false, err
	}
	v := replVersion{ts: e.ts, node: e.Node, tombstone: e.Op == ReplDelete}
	old := t.recs.Get(e.key)
	if cur, ok := t.keyVersion(e.key, old); ok && !v.laterThan(cur) {
		return false, nil
	}
	if e.Op == ReplDelete {
		if _, err := t.deleteRecord(e.key, false); err != nil {
			return false, err
		}
		if err := a.putVersion(t, e.key, v); err != nil {
			return false, err
		}
	} else if err := a.put(t, e, v, old); err != nil {
		return false, err
	}
	a.noteKey(t, e.key)
	t.meta.LastUpdated = a.now
	return true, nil
}

// put stores an applied record whole, carrying its version v, in place
// of old, the stored one (nil for none).
func (a *applier) put(t *tableTx, e *ReplEntry, v replVersion, old []byte) error {
	ct := a.now
	var val []byte
	if e.raw != nil {
		if e.hasCt {
			ct = e.ct
		}
		hdr := valueHeaderLen + versionPartLen(v.node)
		val = a.alloc(hdr + len(e.raw))
		val[0] = valueVersionRepl
		binary.BigEndian.PutUint64(val[1:], uint64(ct))
		appendVersionPart(val[valueHeaderLen:valueHeaderLen], v.ts, v.node)
		copy(val[hdr:], e.raw)
	} else {
		if n, ok := e.rec[CreatedTimeAttr].(json.Number); ok {
			if v, ok := parseCtime([]byte(n)); ok {
				ct = v
			}
		}
		var err error
		if val, err = encodeValueVer(ct, appendVersionPart(nil, v.ts, v.node), e.rec, t.meta.PrimaryKey); err != nil {
			return err
		}
	}
	a.noteAttrs(t, e)
	if old != nil {
		oldCt, err := valueCtime(old)
		if err != nil {
			return fmt.Errorf("table %s.%s: %w", t.db, t.name, err)
		}
		delta := int64(len(val) - len(old))
		if oldCt != ct {
			if err := t.ctime.Delete(indexKey(oldCt, e.key)); err != nil {
				return err
			}
			if err := t.ctime.Put(a.indexKey(ct, e.key), marker); err != nil {
				return err
			}
		}
		if err := t.recs.Put(e.key, val); err != nil {
			return err
		}
		t.meta.Bytes += delta
		return nil
	}
	if err := t.recs.Put(e.key, val); err != nil {
		return err
	}
	if err := t.ctime.Put(a.indexKey(ct, e.key), marker); err != nil {
		return err
	}
	t.meta.RecordCount++
	t.meta.Bytes += footprint(e.key, val)
	return nil
}
