package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The tests of key versions kept with the stored records (repl.go "Key
// versions"). Old-layout stores are built here byte by byte as builds
// before format valueVersionRepl wrote them: records in format 1 (a 1,
// the created time, the JSON) and every key's version in the table's
// "repl" bucket (a tombstone byte, the ts in µs, the node).

// oldVersion is a version bucket value as earlier builds wrote it.
func oldVersion(tombstone bool, tsUs int64, node string) []byte {
	b := make([]byte, 9, 9+len(node))
	if tombstone {
		b[0] = 1
	}
	binary.BigEndian.PutUint64(b[1:], uint64(tsUs))
	return append(b, node...)
}

// storedKey is a number primary key as the store encodes it.
func storedKey(t *testing.T, k int) []byte {
	t.Helper()
	enc, kind, err := encodeKey(json.Number(fmt.Sprint(k)))
	if kind != keyValid {
		t.Fatalf("key %d: %v", k, err)
	}
	return enc
}

// putOldVersion writes a key's version into db.table's version bucket as
// earlier builds did.
func putOldVersion(t *testing.T, s *Store, db, table string, key []byte, ver []byte) {
	t.Helper()
	err := s.update(db, func(tx *bolt.Tx) error {
		vb, err := tx.Bucket([]byte(table)).CreateBucketIfNotExists([]byte("repl"))
		if err != nil {
			return err
		}
		return vb.Put(key, ver)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// toOldLayout rewrites every record of db.table that carries its version
// as earlier builds stored it: the record in format 1, the version in
// the "repl" bucket. It returns how many it rewrote.
func toOldLayout(t *testing.T, s *Store, db, table string) int {
	t.Helper()
	n := 0
	err := s.update(db, func(tx *bolt.Tx) error {
		root := tx.Bucket([]byte(table))
		recs := root.Bucket([]byte("recs"))
		type kv struct{ k, v, ver []byte }
		var out []kv
		err := recs.ForEach(func(k, v []byte) error {
			if v[0] != 2 {
				return nil
			}
			// 2, ctime (8), ts (8), uvarint node length, node, JSON.
			nl, w := binary.Uvarint(v[17:])
			node := v[17+w : 17+w+int(nl)]
			text := v[17+w+int(nl):]
			plain := append([]byte{1}, v[1:9]...)
			plain = append(plain, text...)
			ts := int64(binary.BigEndian.Uint64(v[9:17]))
			out = append(out, kv{bytes.Clone(k), plain, oldVersion(false, ts, string(node))})
			return nil
		})
		if err != nil {
			return err
		}
		vb, err := root.CreateBucketIfNotExists([]byte("repl"))
		if err != nil {
			return err
		}
		for _, r := range out {
			if err := recs.Put(r.k, r.v); err != nil {
				return err
			}
			if err := vb.Put(r.k, r.ver); err != nil {
				return err
			}
		}
		n = len(out)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// fileValues reads db.table of a closed store's file: each record's
// stored value by key, and how many entries its version bucket holds
// (-1 when it has none).
func fileValues(t *testing.T, dir, db, table string) (map[string][]byte, int) {
	t.Helper()
	f, err := bolt.Open(filepath.Join(dir, db+".bolt"), 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	vals, vers := map[string][]byte{}, -1
	err = f.View(func(tx *bolt.Tx) error {
		root := tx.Bucket([]byte(table))
		if err := root.Bucket([]byte("recs")).ForEach(func(k, v []byte) error {
			vals[string(k)] = bytes.Clone(v)
			return nil
		}); err != nil {
			return err
		}
		if vb := root.Bucket([]byte("repl")); vb != nil {
			vers = vb.Stats().KeyN
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return vals, vers
}

// A replicated write stores one value per record: the record carries its
// key's version (the transaction's ts and this node, as its outbox entry
// says) and the table has no version bucket; with replication off the
// record is the plain format 1.
func TestReplWriteStoresOneValuePerRecord(t *testing.T) {
	s, c, dir := newStore(t, Options{})
	mustTable(t, s, "db", "t")
	mustTable(t, s, "db", "plain")
	enable(t, s, "node-a")
	var b strings.Builder
	b.WriteByte('[')
	for i := range 100 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"n%d"}`, i, i)
	}
	b.WriteByte(']')
	if _, err := s.Insert("db", "t", records(t, b.String())); err != nil {
		t.Fatal(err)
	}
	c.set(startMs + 1000)
	if _, err := s.Update("db", "t", records(t, `[{"id":3,"name":"u3"},{"id":4,"name":"u4"}]`)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Upsert("db", "t", records(t, `[{"id":5,"name":"u5"},{"id":100,"name":"n100"}]`)); err != nil {
		t.Fatal(err)
	}
	// The last entry of each key is what its record must carry.
	want := map[string]entry{}
	for _, e := range outbox(t, s, 0) {
		if e.Op == ReplPut {
			want[string(storedKey(t, int(e.Key.(float64))))] = e
		}
	}
	if err := s.ReplDisable(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Insert("db", "plain", records(t, `[{"id":1,"name":"p1"}]`)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	vals, vers := fileValues(t, dir, "db", "t")
	if vers != -1 {
		t.Errorf("the table has a version bucket of %d entries, want none", vers)
	}
	if len(vals) != 101 || len(want) != 101 {
		t.Fatalf("%d records stored, %d put entries, want 101", len(vals), len(want))
	}
	for k, v := range vals {
		e := want[k]
		ts, node, start, ok := valueVersionOf(v)
		if !ok {
			t.Fatalf("key %v: stored value %q carries no version", e.Key, v)
		}
		if got := float64(ts) / 1000; got != e.Ts || string(node) != e.Node {
			t.Errorf("key %v: record carries %v@%s, its entry says %v@%s", e.Key, got, node, e.Ts, e.Node)
		}
		var rec map[string]any
		if err := json.Unmarshal(v[start:], &rec); err != nil || !equalJSON(t, rec, e.Record) {
			t.Errorf("key %v: stored text %s, entry record %v (%v)", e.Key, v[start:], e.Record, err)
		}
	}

	vals, vers = fileValues(t, dir, "db", "plain")
	v := vals[string(storedKey(t, 1))]
	if vers != -1 || len(v) < valueHeaderLen || v[0] != valueVersion {
		t.Fatalf("unreplicated record %q (version bucket %d), want format 1", v, vers)
	}
	want1, err := encodeValue(startMs+1000, map[string]any{"id": json.Number("1"), "name": "p1",
		CreatedTimeAttr: startMs + 1000, UpdatedTimeAttr: startMs + 1000}, "id")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(v, want1) {
		t.Errorf("unreplicated record %q, want %q", v, want1)
	}
}

func equalJSON(t *testing.T, a, b any) bool {
	t.Helper()
	return toJSONAny(a) == toJSONAny(b)
}

// The conflict rule is the same whichever way a key's version is stored:
// in an old-layout store (version bucket), with the record, with the
// record over a stale bucket entry, or as a tombstone.
func TestReplConflictRuleAcrossLayouts(t *testing.T) {
	put := func(ts, node string) ReplEntry {
		return ReplEntry{Ts: json.Number(ts), Node: node, Op: ReplPut, Database: "db", Table: "t", PrimaryKey: "id",
			Key: json.RawMessage(`1`), Record: json.RawMessage(`{"id":1,"v":"` + node + ts + `","__createdtime__":1,"__updatedtime__":1}`)}
	}
	del := func(ts, node string) ReplEntry {
		return ReplEntry{Ts: json.Number(ts), Node: node, Op: ReplDelete, Database: "db", Table: "t", PrimaryKey: "id", Key: json.RawMessage(`1`)}
	}
	// Each layout leaves key 1 at version 100 ms, node "b".
	layouts := map[string]func(t *testing.T, s *Store){
		"old": func(t *testing.T, s *Store) {
			mustTable(t, s, "db", "t")
			if _, err := s.Insert("db", "t", records(t, `[{"id":1,"v":"b100"}]`)); err != nil {
				t.Fatal(err)
			}
			putOldVersion(t, s, "db", "t", storedKey(t, 1), oldVersion(false, 100_000, "b"))
		},
		"record": func(t *testing.T, s *Store) {
			if res, err := s.ReplApply("x", []ReplEntry{put("100", "b")}); err != nil || res.Applied != 1 {
				t.Fatalf("%+v %v", res, err)
			}
		},
		"record over stale bucket": func(t *testing.T, s *Store) {
			mustTable(t, s, "db", "t")
			if _, err := s.Insert("db", "t", records(t, `[{"id":1,"v":"z50"}]`)); err != nil {
				t.Fatal(err)
			}
			putOldVersion(t, s, "db", "t", storedKey(t, 1), oldVersion(false, 50_000, "z"))
			if res, err := s.ReplApply("x", []ReplEntry{put("100", "b")}); err != nil || res.Applied != 1 {
				t.Fatalf("%+v %v", res, err)
			}
		},
		"tombstone": func(t *testing.T, s *Store) {
			mustTable(t, s, "db", "t")
			putOldVersion(t, s, "db", "t", storedKey(t, 1), oldVersion(true, 100_000, "b"))
		},
		"old then local delete": func(t *testing.T, s *Store) {
			mustTable(t, s, "db", "t")
			if _, err := s.Insert("db", "t", records(t, `[{"id":1,"v":"b100"}]`)); err != nil {
				t.Fatal(err)
			}
			putOldVersion(t, s, "db", "t", storedKey(t, 1), oldVersion(false, 100_000, "b"))
			// delete_records_before is not logged: the key keeps 100@b.
			if _, _, err := s.DeleteBefore(context.Background(), "db", "t", time.UnixMilli(startMs+1), nil); err != nil {
				t.Fatal(err)
			}
		},
		"record then local delete": func(t *testing.T, s *Store) {
			if res, err := s.ReplApply("x", []ReplEntry{put("100", "b")}); err != nil || res.Applied != 1 {
				t.Fatalf("%+v %v", res, err)
			}
			if _, _, err := s.DeleteBefore(context.Background(), "db", "t", time.UnixMilli(startMs+1), nil); err != nil {
				t.Fatal(err)
			}
		},
	}
	cases := []struct {
		entry ReplEntry
		apply bool
	}{
		{put("99.999", "z"), false}, // older
		{put("100", "a"), false},    // tie, smaller node
		{put("100", "b"), false},    // the same version
		{put("100", "c"), true},     // tie, larger node
		{put("100.001", "a"), true}, // later
		{del("100", "a"), false},
		{del("100", "b"), false},
		{del("100", "c"), true},
	}
	for name, setup := range layouts {
		for i, tc := range cases {
			s, _, _ := newStore(t, Options{})
			setup(t, s)
			before := scanAll(t, s, "db", "t")
			res, err := s.ReplApply("x", []ReplEntry{tc.entry})
			if err != nil {
				t.Fatalf("%s case %d: %v", name, i, err)
			}
			after := scanAll(t, s, "db", "t")
			if (res.Applied == 1) != tc.apply {
				t.Errorf("%s case %d (%s %s@%s): applied %+v, want %v", name, i, tc.entry.Op, tc.entry.Node, tc.entry.Ts, res, tc.apply)
			}
			switch {
			case !tc.apply && toJSONAny(after) != toJSONAny(before):
				t.Errorf("%s case %d: skipped entry changed the table %v -> %v", name, i, before, after)
			case tc.apply && tc.entry.Op == ReplPut && (len(after) != 1 || after[0]["v"] != tc.entry.Node+string(tc.entry.Ts)):
				t.Errorf("%s case %d: table %v after the put", name, i, after)
			case tc.apply && tc.entry.Op == ReplDelete && len(after) != 0:
				t.Errorf("%s case %d: table %v after the delete", name, i, after)
			}
			// The entry applied is now the key's version: applying it
			// again is a no-op.
			if res, err := s.ReplApply("x", []ReplEntry{tc.entry}); err != nil || res.Applied != 0 {
				t.Errorf("%s case %d: applied again: %+v %v", name, i, res, err)
			}
		}
	}
}

// readAnswers is what every read path answers for db.t (keys 1..n) as
// one text: reads by key, scans, pages, searches, snapshots, counts and
// the checksum.
func readAnswers(t *testing.T, s *Store, n int) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	keys := make([]any, 0, n+1)
	for i := 1; i <= n+1; i++ { // n+1: one unknown key
		keys = append(keys, json.Number(fmt.Sprint(i)))
	}
	line := func(what string, err error) {
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		b.WriteString("\n" + what + ": ")
	}
	rec := func(r map[string]any) error { b.WriteString(toJSONAny(r) + " "); return nil }
	raw := func(r []byte) error {
		if !json.Valid(r) {
			t.Errorf("raw text %q is not JSON", r)
		}
		b.Write(r)
		b.WriteByte(' ')
		return nil
	}
	b.WriteString("get: ")
	line("get", s.Get(ctx, "db", "t", keys, rec))
	line("getraw", s.GetRaw(ctx, "db", "t", keys, raw))
	line("scan", s.Scan(ctx, "db", "t", rec))
	line("scanraw", s.ScanRaw(ctx, "db", "t", raw))
	line("page", s.ScanRawPage(ctx, "db", "t", Page{Reverse: true, Offset: 1, Limit: 3}, raw))
	line("by pk", s.SearchByValue(ctx, "db", "t", "id", json.Number("2"), Page{}, rec))
	line("by value", s.SearchByValue(ctx, "db", "t", "name", "n*", Page{}, rec))
	line("by conditions", s.SearchByConditions(ctx, "db", "t", Conditions{Conditions: []Condition{
		{SearchAttribute: "id", SearchType: "greater_than", SearchValue: json.Number("1")}}}, rec))
	sn := s.Snapshot()
	// Closed on every way out: a Fatalf with the snapshot open would
	// leave the store's Close (a cleanup) waiting on it.
	defer sn.Close()
	line("snapshot get", sn.Get(ctx, "db", "t", keys, rec))
	line("snapshot getattrs", sn.GetAttrs(ctx, "db", "t", keys, []string{"name", "id"}, rec))
	line("snapshot scanattrs", sn.ScanAttrs(ctx, "db", "t", []string{"id", "name"}, rec))
	line("snapshot scan", sn.Scan(ctx, "db", "t", rec))
	info, err := s.DescribeTable("db", "t")
	line("count", err)
	b.WriteString(fmt.Sprint(info.RecordCount))
	b.WriteString("\nchecksum: " + checksum(t, s, "db", "t"))
	return b.String()
}

// Every read path answers the plain record whether the key's version is
// with the record or in the version bucket, and an old-layout store
// answers, applies and copies as before.
func TestReplReadPathsSeePlainRecords(t *testing.T) {
	const n = 6
	s, c, _ := newStore(t, Options{})
	mustTable(t, s, "db", "t")
	enable(t, s, "a")
	for i := 1; i <= n; i++ {
		c.set(startMs + int64(i))
		if _, err := s.Insert("db", "t", records(t, fmt.Sprintf(`[{"id":%d,"name":"n%d","x":[%d,{"y":"z"}]}]`, i, i, i))); err != nil {
			t.Fatal(err)
		}
	}
	newLayout := readAnswers(t, s, n)
	if !strings.Contains(newLayout, `"name":"n6"`) || !strings.Contains(newLayout, "count: 6") {
		t.Fatalf("answers miss records:%s", newLayout)
	}
	if got := toOldLayout(t, s, "db", "t"); got != n {
		t.Fatalf("%d records carried a version, want %d", got, n)
	}
	if oldLayout := readAnswers(t, s, n); oldLayout != newLayout {
		t.Errorf("old layout answers\n%s\nnew layout answers\n%s", oldLayout, newLayout)
	}

	// The other node applies a's entries: its records carry the versions
	// and answer the same.
	b, _, _ := newStore(t, Options{})
	ship(t, s, b, "a", 0)
	if got := readAnswers(t, b, n); got != newLayout {
		t.Errorf("applied records answer\n%s\nwant\n%s", got, newLayout)
	}

	// drop_attribute rewrites records and keeps their versions.
	if err := b.DropAttribute("db", "t", "x"); err != nil {
		t.Fatal(err)
	}
	err := b.viewTable("db", "t", func(tt *tableTx) error {
		ts, node, _, ok := valueVersionOf(tt.recs.Get(storedKey(t, 3)))
		if !ok || ts != (startMs+3)*1000 || string(node) != "a" {
			t.Errorf("after drop_attribute key 3 carries %d@%s (%v), want %d@a", ts, node, ok, (startMs+3)*1000)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := readAnswers(t, b, n); strings.Contains(got, `"x"`) || !strings.Contains(got, `"name":"n3"`) {
		t.Errorf("after drop_attribute:%s", got)
	}
}

// An old-layout store, enabled again, copies its records with the
// versions its bucket holds, as earlier builds did.
func TestReplOldLayoutSeedsWithBucketVersions(t *testing.T) {
	s, _, _ := newStore(t, Options{})
	mustTable(t, s, "db", "t")
	if _, err := s.Insert("db", "t", records(t, `[{"id":1},{"id":2},{"id":3}]`)); err != nil {
		t.Fatal(err)
	}
	putOldVersion(t, s, "db", "t", storedKey(t, 1), oldVersion(false, 5_000, "b"))
	putOldVersion(t, s, "db", "t", storedKey(t, 2), oldVersion(true, 6_000, "b"))
	enable(t, s, "a")
	got := map[string]string{}
	for _, e := range outbox(t, s, 0) {
		if e.Op == ReplPut {
			got[toJSONAny(e.Key)] = strconv.FormatFloat(e.Ts, 'f', -1, 64) + "@" + e.Node
		}
	}
	want := map[string]string{
		"1": "5@b",                               // the bucket's version
		"2": fmt.Sprintf("%d@a", int64(startMs)), // a tombstone: the record's time
		"3": fmt.Sprintf("%d@a", int64(startMs)), // no version: the record's time
	}
	if toJSONAny(got) != toJSONAny(want) {
		t.Errorf("seeds %v, want %v", got, want)
	}
	// The records are left as they were: the seed writes versions where
	// the store kept them.
	err := s.viewTable("db", "t", func(tt *tableTx) error {
		for k := 1; k <= 3; k++ {
			if v := tt.recs.Get(storedKey(t, k)); v[0] != valueVersion {
				t.Errorf("key %d rewritten in format %d", k, v[0])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A replicated record rewritten or deleted while replication is off (or
// by delete_records_before) leaves its version in the version bucket: the
// key keeps the last version set on it, as when every version lived
// there.
func TestReplVersionKeptWhenRecordLosesIt(t *testing.T) {
	s, c, _ := newStore(t, Options{})
	mustTable(t, s, "db", "t")
	enable(t, s, "a")
	if _, err := s.Insert("db", "t", records(t, `[{"id":1},{"id":2}]`)); err != nil {
		t.Fatal(err)
	}
	es := outbox(t, s, 0)
	wantTs := int64(es[len(es)-1].Ts * 1000)
	if err := s.ReplDisable(); err != nil {
		t.Fatal(err)
	}
	c.set(startMs + 5000)
	if _, err := s.Update("db", "t", records(t, `[{"id":1,"v":1}]`)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Delete("db", "t", values(t, `[2]`)); err != nil {
		t.Fatal(err)
	}
	err := s.viewTable("db", "t", func(tt *tableTx) error {
		if v := tt.recs.Get(storedKey(t, 1)); v[0] != valueVersion {
			t.Errorf("a record written with replication off is in format %d", v[0])
		}
		for k := 1; k <= 2; k++ {
			v, ok := tt.storedVersion(storedKey(t, k))
			if !ok || v.ts != wantTs || v.node != "a" || v.tombstone {
				t.Errorf("key %d version %+v (%v), want %d@a", k, v, ok, wantTs)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
