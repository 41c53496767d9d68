package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// entry is an outbox entry decoded for checks.
type entry struct {
	Seq        uint64          `json:"seq"`
	Ts         float64         `json:"ts"`
	Node       string          `json:"node"`
	Op         string          `json:"op"`
	Database   string          `json:"database"`
	Table      string          `json:"table"`
	PrimaryKey string          `json:"primary_key"`
	Key        any             `json:"key"`
	Record     map[string]any  `json:"record"`
	Attributes []string        `json:"attributes"`
	Attribute  string          `json:"attribute"`
	Raw        json.RawMessage `json:"-"`
}

// outbox reads the whole outbox after seq after.
func outbox(t *testing.T, s *Store, after uint64) []entry {
	t.Helper()
	raw, err := s.ReplOutbox(after, MaxOutboxLimit)
	if err != nil {
		t.Fatalf("ReplOutbox: %v", err)
	}
	out := make([]entry, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal(r, &out[i]); err != nil {
			t.Fatalf("entry %s: %v", r, err)
		}
		out[i].Raw = r
	}
	return out
}

// ops summarises entries as "op db.table key" lines.
func ops(es []entry) string {
	var b strings.Builder
	for _, e := range es {
		b.WriteString(e.Op + " " + e.Database)
		if e.Table != "" {
			b.WriteString("." + e.Table)
		}
		if e.Key != nil {
			b.WriteString(" " + toJSONAny(e.Key))
		}
		if e.Attribute != "" {
			b.WriteString(" " + e.Attribute)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func toJSONAny(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// checkOrder checks seqs and ts strictly increase (ts per transaction, so
// only non-decreasing between entries) and every entry names node.
func checkOrder(t *testing.T, es []entry, node string) {
	t.Helper()
	for i, e := range es {
		if e.Node != node {
			t.Errorf("entry %d node %q, want %q", i, e.Node, node)
		}
		if i > 0 && (e.Seq <= es[i-1].Seq || e.Ts < es[i-1].Ts) {
			t.Errorf("entry %d (seq %d ts %v) not after entry %d (seq %d ts %v)", i, e.Seq, e.Ts, i-1, es[i-1].Seq, es[i-1].Ts)
		}
	}
}

// toEntries turns outbox text into ReplApply's input.
func toEntries(t *testing.T, raw []json.RawMessage) []ReplEntry {
	t.Helper()
	out := make([]ReplEntry, len(raw))
	for i, r := range raw {
		dec := json.NewDecoder(strings.NewReader(string(r)))
		dec.UseNumber()
		if err := dec.Decode(&out[i]); err != nil {
			t.Fatalf("entry %s: %v", r, err)
		}
	}
	return out
}

// ship applies src's outbox after seq after to dst and returns the last
// seq shipped.
func ship(t *testing.T, src, dst *Store, origin string, after uint64) (uint64, ReplApplied) {
	t.Helper()
	raw, err := src.ReplOutbox(after, MaxOutboxLimit)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) == 0 {
		return after, ReplApplied{}
	}
	es := toEntries(t, raw)
	res, err := dst.ReplApply(origin, es)
	if err != nil {
		t.Fatalf("ReplApply: %v", err)
	}
	return es[len(es)-1].Seq, res
}

// checksum returns a table's count and checksum.
func checksum(t *testing.T, s *Store, db, table string) string {
	t.Helper()
	n, sum, err := s.ReplChecksum(context.Background(), db, table)
	if err != nil {
		t.Fatalf("ReplChecksum %s.%s: %v", db, table, err)
	}
	return toJSONAny(n) + ":" + sum
}

func enable(t *testing.T, s *Store, node string) int {
	t.Helper()
	n, err := s.ReplEnable(ReplConfig{Node: node, All: true})
	if err != nil {
		t.Fatalf("ReplEnable: %v", err)
	}
	return n
}

func TestReplOffWritesNothing(t *testing.T) {
	s, _, dir := newStore(t, Options{})
	mustTable(t, s, "db", "t")
	if _, err := s.Insert("db", "t", records(t, `[{"id":1}]`)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, replCtlFile)); !os.IsNotExist(err) {
		t.Errorf("control file exists with replication never enabled: %v", err)
	}
	if es := outbox(t, s, 0); len(es) != 0 {
		t.Errorf("outbox holds %d entries with replication off", len(es))
	}
	err := s.view("db", func(tx *bolt.Tx) error {
		if tx.Bucket(replBucket) != nil {
			t.Error("database file has a /repl bucket with replication off")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestReplEnableCopiesExistingRows(t *testing.T) {
	s, _, _ := newStore(t, Options{})
	mustTable(t, s, "db", "t")
	mustTable(t, s, "other", "u")
	mustTable(t, s, "skipped", "v")
	if _, err := s.Insert("db", "t", records(t, `[{"id":1,"a":"x"},{"id":"k","b":2}]`)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Insert("other", "u", records(t, `[{"id":5}]`)); err != nil {
		t.Fatal(err)
	}
	n, err := s.ReplEnable(ReplConfig{Node: "a", Databases: []string{"db", "other"}})
	if err != nil || n != 3 {
		t.Fatalf("ReplEnable = %d, %v; want 3 records copied", n, err)
	}
	es := outbox(t, s, 0)
	want := "create_table db.t\nput db.t 1\nput db.t \"k\"\ncreate_table other.u\nput other.u 5\n"
	if got := ops(es); got != want {
		t.Fatalf("outbox:\n%s\nwant:\n%s", got, want)
	}
	// Copies travel with the record's __updatedtime__ as their ts, so
	// they lose to any later change.
	for i, e := range es {
		if i > 0 && e.Seq <= es[i-1].Seq {
			t.Errorf("seq %d after %d", e.Seq, es[i-1].Seq)
		}
		if e.Op == ReplPut && (e.Ts != startMs || e.Node != "a") {
			t.Errorf("copied record's entry has ts %v node %s, want %d a", e.Ts, e.Node, startMs)
		}
	}
	if !reflect.DeepEqual(es[0].Attributes, []string{"__createdtime__", "__updatedtime__", "a", "b", "id"}) || es[0].PrimaryKey != "id" {
		t.Errorf("create_table entry %s", es[0].Raw)
	}
	if es[1].Record["a"] != "x" || es[1].PrimaryKey != "id" {
		t.Errorf("put entry %s", es[1].Raw)
	}
	// A second enable copies nothing again.
	if n := enable(t, s, "a"); n != 0 {
		t.Errorf("second enable copied %d records", n)
	}
}

func TestReplLogsEveryChangeInItsTransaction(t *testing.T) {
	s, c, _ := newStore(t, Options{DeleteBatch: 1})
	enable(t, s, "a")
	mustTable(t, s, "db", "t")
	steps := []func() error{
		func() error { _, err := s.Insert("db", "t", records(t, `[{"id":1,"x":1},{"id":2}]`)); return err },
		func() error { _, err := s.Update("db", "t", records(t, `[{"id":1,"y":2}]`)); return err },
		func() error { _, err := s.Upsert("db", "t", records(t, `[{"id":3}]`)); return err },
		func() error { _, err := s.Delete("db", "t", values(t, `[2, 99]`)); return err },
		func() error { return s.CreateAttribute("db", "t", "z") },
		func() error { return s.DropAttribute("db", "t", "x") },
		func() error { return s.CreateDatabase("empty") },
		func() error { return s.DropDatabase("empty") },
		func() error { mustTable(t, s, "db", "gone"); return s.DropTable("db", "gone") },
	}
	for i, step := range steps {
		c.set(startMs + int64(i))
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	// A write that fails writes no entry.
	if _, err := s.Insert("db", "t", records(t, "[{\"id\":9,\"bad`name\":1}]")); err == nil {
		t.Fatal("insert of a bad attribute name succeeded")
	}
	// delete_records_before stays local.
	c.set(startMs + 1000)
	if _, _, err := s.DeleteBefore(context.Background(), "db", "t", time.UnixMilli(startMs+1000), nil); err != nil {
		t.Fatal(err)
	}
	es := outbox(t, s, 0)
	want := `create_database db
create_table db.t
put db.t 1
put db.t 2
put db.t 1
put db.t 3
delete db.t 2
create_attribute db.t z
drop_attribute db.t x
create_database empty
drop_database empty
create_table db.gone
drop_table db.gone
`
	if got := ops(es); got != want {
		t.Fatalf("outbox:\n%s\nwant:\n%s", got, want)
	}
	checkOrder(t, es, "a")
	if es[4].Record["x"] != float64(1) || es[4].Record["y"] != float64(2) {
		t.Errorf("update's entry is not the whole merged record: %s", es[4].Raw)
	}
	if n := len(scanAll(t, s, "db", "t")); n != 0 {
		t.Errorf("DeleteBefore left %d records", n)
	}
}

func TestReplAckAndRestart(t *testing.T) {
	s, _, dir := newStore(t, Options{})
	enable(t, s, "a")
	mustTable(t, s, "db", "t")
	if _, err := s.Insert("db", "t", records(t, `[{"id":1},{"id":2}]`)); err != nil {
		t.Fatal(err)
	}
	es := outbox(t, s, 0)
	if len(es) != 4 {
		t.Fatalf("outbox %s", ops(es))
	}
	n, err := s.ReplAck(es[2].Seq)
	if err != nil || n != 3 {
		t.Fatalf("ReplAck = %d, %v; want 3", n, err)
	}
	if left := outbox(t, s, 0); len(left) != 1 || left[0].Seq != es[3].Seq {
		t.Fatalf("after ack: %s", ops(left))
	}
	lastSeq, lastTs := es[3].Seq, es[3].Ts
	if _, err := s.ReplAck(lastSeq); err != nil {
		t.Fatal(err)
	}
	// Reopened, replication is still on and seq and ts go on from where
	// they were, though the outbox is empty.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(dir, Options{NoSync: true, Now: func() time.Time { return time.UnixMilli(startMs - 5000) }})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if cfg, on := s2.ReplStatus(); !on || cfg.Node != "a" {
		t.Fatalf("after reopen: %+v %v", cfg, on)
	}
	if _, err := s2.Insert("db", "t", records(t, `[{"id":3}]`)); err != nil {
		t.Fatal(err)
	}
	es = outbox(t, s2, 0)
	if len(es) != 1 || es[0].Seq <= lastSeq || es[0].Ts <= lastTs {
		t.Fatalf("after reopen: seq %d ts %v, want after %d %v", es[0].Seq, es[0].Ts, lastSeq, lastTs)
	}
	// Disabled: nothing more is logged, and the setting persists.
	if err := s2.ReplDisable(); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Insert("db", "t", records(t, `[{"id":4}]`)); err != nil {
		t.Fatal(err)
	}
	if got := outbox(t, s2, es[0].Seq); len(got) != 0 {
		t.Errorf("disabled, the outbox got %s", ops(got))
	}
	// Enabled again: every row is copied again, since changes made
	// meanwhile were not logged.
	if n := enable(t, s2, "a"); n != 4 {
		t.Errorf("re-enable copied %d records, want 4", n)
	}
}

// pair is two stores, a and b, each with replication on.
func pair(t *testing.T) (a, b *Store, ca, cb *clock) {
	a, ca, _ = newStore(t, Options{})
	b, cb, _ = newStore(t, Options{})
	enable(t, a, "a")
	enable(t, b, "b")
	return a, b, ca, cb
}

func TestReplApplyConverges(t *testing.T) {
	a, b, _, _ := pair(t)
	mustTable(t, a, "db", "t")
	if _, err := a.Insert("db", "t", records(t, `[{"id":1,"n":{"z":1,"a":[1,2.50]}},{"id":"s","t":"x"}]`)); err != nil {
		t.Fatal(err)
	}
	if err := a.CreateAttribute("db", "t", "extra"); err != nil {
		t.Fatal(err)
	}
	bSeq := outbox(t, b, 0)
	_, res := ship(t, a, b, "a", 0)
	if res.Applied != 5 || res.Skipped != 0 {
		t.Errorf("applied %+v, want 5 applied", res)
	}
	if checksum(t, a, "db", "t") != checksum(t, b, "db", "t") {
		t.Errorf("checksums differ: %s vs %s", checksum(t, a, "db", "t"), checksum(t, b, "db", "t"))
	}
	ia, _ := a.DescribeTable("db", "t")
	ib, _ := b.DescribeTable("db", "t")
	if !reflect.DeepEqual(ia.Attributes, ib.Attributes) || ia.RecordCount != ib.RecordCount || ia.TableSize != ib.TableSize {
		t.Errorf("describe differs:\n%+v\n%+v", ia, ib)
	}
	// Applying never writes b's outbox.
	if got := outbox(t, b, 0); len(got) != len(bSeq) {
		t.Errorf("applying wrote b's outbox: %s", ops(got))
	}
	// Changes on b go back to a: b's key versions from the apply do not
	// stop b's own later writes.
	if _, err := b.Update("db", "t", records(t, `[{"id":1,"m":1}]`)); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Delete("db", "t", values(t, `["s"]`)); err != nil {
		t.Fatal(err)
	}
	_, res = ship(t, b, a, "b", 0)
	if res.Applied != 2 {
		t.Errorf("b to a applied %+v, want 2", res)
	}
	if checksum(t, a, "db", "t") != checksum(t, b, "db", "t") {
		t.Errorf("checksums differ after b's writes")
	}
	// Shipping a's outbox again (a crash before the ack) changes nothing.
	_, res = ship(t, a, b, "a", 0)
	if res.Applied != 0 || res.Skipped != 5 {
		t.Errorf("re-ship: %+v, want 5 skipped", res)
	}
	if checksum(t, a, "db", "t") != checksum(t, b, "db", "t") {
		t.Errorf("checksums differ after a re-ship")
	}
}

func TestReplConflictRule(t *testing.T) {
	s, _, _ := newStore(t, Options{})
	put := func(ts, node, val string) ReplEntry {
		return ReplEntry{Ts: json.Number(ts), Node: node, Op: ReplPut, Database: "db", Table: "t", PrimaryKey: "id",
			Key: json.RawMessage(`1`), Record: json.RawMessage(`{"id":1,"v":"` + val + `","__createdtime__":1,"__updatedtime__":1}`)}
	}
	del := func(ts, node string) ReplEntry {
		return ReplEntry{Ts: json.Number(ts), Node: node, Op: ReplDelete, Database: "db", Table: "t", PrimaryKey: "id", Key: json.RawMessage(`1`)}
	}
	value := func() string {
		recs := scanAll(t, s, "db", "t")
		if len(recs) == 0 {
			return "none"
		}
		return recs[0]["v"].(string)
	}
	cases := []struct {
		entry ReplEntry
		want  string
		apply bool
	}{
		{put("100", "b", "b100"), "b100", true},
		{put("100", "b", "b100"), "b100", false}, // duplicate
		{put("99", "c", "c99"), "b100", false},   // older arrives late
		{put("100", "a", "a100"), "b100", false}, // tie, smaller node
		{put("100", "c", "c100"), "c100", true},  // tie, larger node
		{put("100.001", "a", "a100.001"), "a100.001", true},
		{del("150", "b"), "none", true},
		{put("140", "c", "c140"), "none", false}, // older put after the delete: no resurrection
		{del("150", "b"), "none", false},         // duplicate delete
		{put("150", "c", "c150"), "c150", true},  // tie with the tombstone, larger node
	}
	for i, tc := range cases {
		res, err := s.ReplApply("x", []ReplEntry{tc.entry})
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if got := value(); got != tc.want || (res.Applied == 1) != tc.apply {
			t.Errorf("case %d (%s %s@%s): value %s applied %+v, want %s applied %v", i, tc.entry.Op, tc.entry.Node, tc.entry.Ts, got, res, tc.want, tc.apply)
		}
	}
	if n, _, _ := s.ReplChecksum(context.Background(), "db", "t"); n != 1 {
		t.Errorf("count %d", n)
	}
}

func TestReplOutOfOrderDeliveryConverges(t *testing.T) {
	// Three origins write the same keys; every order of delivery gives
	// the same table.
	mk := func(ts, node, op string, key int, v string) ReplEntry {
		e := ReplEntry{Ts: json.Number(ts), Node: node, Op: op, Database: "db", Table: "t", PrimaryKey: "id",
			Key: json.RawMessage(toJSONAny(key))}
		if op == ReplPut {
			e.Record = json.RawMessage(`{"id":` + toJSONAny(key) + `,"v":"` + v + `","__createdtime__":5,"__updatedtime__":5}`)
		}
		return e
	}
	all := []ReplEntry{
		mk("10", "a", ReplPut, 1, "a10"), mk("20", "b", ReplPut, 1, "b20"), mk("15", "c", ReplDelete, 1, ""),
		mk("30", "c", ReplDelete, 2, ""), mk("25", "a", ReplPut, 2, "a25"),
		mk("40", "b", ReplPut, 3, "b40"), mk("40", "a", ReplPut, 3, "a40"),
	}
	orders := [][]int{{0, 1, 2, 3, 4, 5, 6}, {6, 5, 4, 3, 2, 1, 0}, {2, 4, 0, 6, 1, 3, 5}, {3, 1, 5, 0, 6, 2, 4}}
	var first string
	for i, order := range orders {
		s, _, _ := newStore(t, Options{})
		for _, j := range order {
			if _, err := s.ReplApply("x", []ReplEntry{all[j]}); err != nil {
				t.Fatal(err)
			}
		}
		// Every entry delivered twice more changes nothing.
		if res, err := s.ReplApply("x", append([]ReplEntry(nil), all...)); err != nil || res.Applied != 0 {
			t.Errorf("order %d: redelivery %+v %v", i, res, err)
		}
		recs := scanAll(t, s, "db", "t")
		got := toJSON(t, recs)
		if i == 0 {
			first = got
			if want := `[{"__createdtime__":5,"__updatedtime__":5,"id":1,"v":"b20"},{"__createdtime__":5,"__updatedtime__":5,"id":3,"v":"b40"}]`; got != want {
				t.Errorf("order 0: %s, want %s", got, want)
			}
		} else if got != first {
			t.Errorf("order %d: %s, want %s", i, got, first)
		}
	}
}

func TestReplApplySkipsBadEntries(t *testing.T) {
	s, _, _ := newStore(t, Options{})
	good := ReplEntry{Ts: "1", Node: "a", Op: ReplCreateTable, Database: "db", Table: "t", PrimaryKey: "id"}
	bad := []ReplEntry{
		{Ts: "x", Node: "a", Op: ReplCreateTable, Database: "db", Table: "t", PrimaryKey: "id"},
		{Ts: "1", Op: ReplCreateTable, Database: "db", Table: "t", PrimaryKey: "id"},
		{Ts: "1", Node: "a", Op: "explode", Database: "db", Table: "t"},
		{Ts: "1", Node: "a", Op: ReplPut, Database: "db", Table: "t", PrimaryKey: "id", Key: json.RawMessage(`{}`), Record: json.RawMessage(`{}`)},
		{Ts: "1", Node: "a", Op: ReplPut, Database: "db", Table: "t", PrimaryKey: "id", Key: json.RawMessage(`1`), Record: json.RawMessage(`[1]`)},
		{Ts: "1", Node: "a", Op: ReplPut, Database: "a/b", Table: "t", PrimaryKey: "id", Key: json.RawMessage(`1`), Record: json.RawMessage(`{}`)},
	}
	for i, e := range bad {
		res, err := s.ReplApply("", []ReplEntry{good, e, good})
		if err != nil || res.Applied != 1 || res.Skipped != 2 || len(res.Unreadable) != 1 || !strings.HasPrefix(res.Unreadable[0], "entry 1: ") {
			t.Errorf("bad entry %d: %+v %v", i, res, err)
		}
		if err := s.DropDatabase("db"); err != nil {
			t.Fatal(err)
		}
	}
	if dbs := s.Databases(); len(dbs) != 0 {
		t.Errorf("bad entries wrote: %v", dbs)
	}
}

func TestReplApplyCreatesAndDrops(t *testing.T) {
	a, b, _, _ := pair(t)
	mustTable(t, a, "db", "t")
	if err := a.CreateAttribute("db", "t", "color"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Insert("db", "t", records(t, `[{"id":1,"color":"red","size":2}]`)); err != nil {
		t.Fatal(err)
	}
	if err := a.DropAttribute("db", "t", "size"); err != nil {
		t.Fatal(err)
	}
	if err := a.CreateDatabase("solo"); err != nil {
		t.Fatal(err)
	}
	mustTable(t, a, "db", "gone")
	if err := a.DropTable("db", "gone"); err != nil {
		t.Fatal(err)
	}
	last, _ := ship(t, a, b, "a", 0)
	if got, want := b.Databases(), []string{"db", "solo"}; !reflect.DeepEqual(got, want) {
		t.Errorf("b databases %v, want %v", got, want)
	}
	ia, _ := a.DescribeDatabase("db")
	ib, _ := b.DescribeDatabase("db")
	if len(ib) != 1 || !reflect.DeepEqual(ia["t"].Attributes, ib["t"].Attributes) {
		t.Errorf("b tables %+v, want %+v", ib, ia)
	}
	if checksum(t, a, "db", "t") != checksum(t, b, "db", "t") {
		t.Error("checksums differ")
	}
	if err := a.DropDatabase("solo"); err != nil {
		t.Fatal(err)
	}
	ship(t, a, b, "a", last)
	if got := b.Databases(); !reflect.DeepEqual(got, []string{"db"}) {
		t.Errorf("b databases after drop %v", got)
	}
}

func TestReplLocalWriteAfterApplyWins(t *testing.T) {
	// b's clock is behind a's: b's write made after it applied a's must
	// still be later than a's (the clock moves past every applied ts).
	a, b, ca, cb := pair(t)
	ca.set(startMs + 60_000)
	cb.set(startMs)
	mustTable(t, a, "db", "t")
	if _, err := a.Insert("db", "t", records(t, `[{"id":1,"v":"a"}]`)); err != nil {
		t.Fatal(err)
	}
	lastA, _ := ship(t, a, b, "a", 0)
	if _, err := b.Update("db", "t", records(t, `[{"id":1,"v":"b"}]`)); err != nil {
		t.Fatal(err)
	}
	ship(t, b, a, "b", 0)
	ship(t, a, b, "a", lastA)
	for _, s := range []*Store{a, b} {
		if recs := scanAll(t, s, "db", "t"); len(recs) != 1 || recs[0]["v"] != "b" {
			t.Errorf("records %v, want v b", recs)
		}
	}
}

func TestReplOutboxWaitsForRunningTransactions(t *testing.T) {
	s, _, _ := newStore(t, Options{})
	enable(t, s, "a")
	mustTable(t, s, "one", "t")
	mustTable(t, s, "two", "t")
	base := outbox(t, s, 0)
	after := base[len(base)-1].Seq
	// A transaction on "one" takes its seq and stays open while "two"
	// commits a later seq: the reader must see neither until "one" ends.
	entered, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		done <- s.update("one", func(tx *bolt.Tx) error {
			l := s.replLog(tx, "one")
			b, seq := l.entry(ReplPut)
			if err := l.put(seq, b); err != nil {
				return err
			}
			close(entered)
			<-release
			return nil
		})
	}()
	<-entered
	if _, err := s.Insert("two", "t", records(t, `[{"id":2}]`)); err != nil {
		t.Fatal(err)
	}
	if got := outbox(t, s, after); len(got) != 0 {
		t.Errorf("entries read past a running transaction: %s", ops(got))
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := ops(outbox(t, s, after)); got != "put one\nput two.t 2\n" {
		t.Errorf("after commit: %s", got)
	}
}

func TestReplChecksumIgnoresOrder(t *testing.T) {
	s1, _, _ := newStore(t, Options{})
	s2, _, _ := newStore(t, Options{})
	mustTable(t, s1, "db", "t")
	mustTable(t, s2, "db", "t")
	if _, err := s1.Insert("db", "t", records(t, `[{"id":1,"a":1,"b":2},{"id":2}]`)); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Insert("db", "t", records(t, `[{"id":2},{"b":2,"a":1,"id":1}]`)); err != nil {
		t.Fatal(err)
	}
	if checksum(t, s1, "db", "t") != checksum(t, s2, "db", "t") {
		t.Error("same records, different checksums")
	}
	if _, err := s2.Update("db", "t", records(t, `[{"id":2,"c":1}]`)); err != nil {
		t.Fatal(err)
	}
	if checksum(t, s1, "db", "t") == checksum(t, s2, "db", "t") {
		t.Error("different records, same checksum")
	}
}

func TestReplDatabaseCreatedByApplyIsNotCopiedAgain(t *testing.T) {
	a, b, _, _ := pair(t)
	mustTable(t, a, "db", "t")
	if _, err := a.Insert("db", "t", records(t, `[{"id":1},{"id":2}]`)); err != nil {
		t.Fatal(err)
	}
	ship(t, a, b, "a", 0)
	// b enabled again (a restart of its clustering): db came from a's
	// stream, so it is not copied into b's outbox.
	if n := enable(t, b, "b"); n != 0 {
		t.Errorf("re-enable copied %d records of a database created by apply", n)
	}
	if got := outbox(t, b, 0); len(got) != 0 {
		t.Errorf("b's outbox: %s", ops(got))
	}
}

func TestReplEnabledAgainDoesNotOverwriteNewerRows(t *testing.T) {
	a, b, ca, cb := pair(t)
	mustTable(t, b, "db", "t")
	if _, err := b.Insert("db", "t", records(t, `[{"id":1,"v":"old"}]`)); err != nil {
		t.Fatal(err)
	}
	ship(t, b, a, "b", 0)
	// b leaves the cluster (replication off); a changes the row.
	if err := b.ReplDisable(); err != nil {
		t.Fatal(err)
	}
	ca.set(startMs + 10_000)
	if _, err := a.Update("db", "t", records(t, `[{"id":1,"v":"new"}]`)); err != nil {
		t.Fatal(err)
	}
	// b comes back: its copy of the row carries the row's old version.
	cb.set(startMs + 20_000)
	lastB := outbox(t, b, 0)
	if n := enable(t, b, "b"); n != 1 {
		t.Fatalf("re-enable copied %d", n)
	}
	_, res := ship(t, b, a, "b", lastB[len(lastB)-1].Seq)
	if res.Applied != 0 {
		t.Errorf("b's copy applied on a: %+v", res)
	}
	ship(t, a, b, "a", 0)
	for _, s := range []*Store{a, b} {
		if recs := scanAll(t, s, "db", "t"); len(recs) != 1 || recs[0]["v"] != "new" {
			t.Errorf("records %v, want v new", recs)
		}
	}
}

// A put's record text is stored as it came when it is what the store
// writes itself, and decoded and written anew otherwise: either way the
// stored record is the decoding of the text (compared through the
// checksum with a store that decoded every one), and a record with a bad
// attribute name or a repeated key is skipped or decoded, never an
// error that would stop the stream.
func TestReplApplyRecordTexts(t *testing.T) {
	texts := []string{
		`{"id":1,"name":"plain","__createdtime__":1700000000000,"__updatedtime__":1700000000001}`,
		`{"id":2,"s":"esc\"aped\\n \u00e9","nested":{"b":[1,{"z":null,"a":true}],"a":1.50},"__createdtime__":1.7e12}`,
		` { "id" : 3 , "spaced" : [ 1 , 2 ] } `,
		`{"id":4,"twice":1,"twice":2}`,
		`{"id":5,"big":123456789012345678901234567890,"neg":-0.0,"exp":1E+2}`,
		// Records of one shape, then ones that leave it (the names of the
		// record before are not checked again).
		`{"id":6,"a":1,"b":2}`,
		`{"id":7,"a":1,"b":3}`,
		`{"id":8,"a":1,"a":2}`,
		`{"id":9,"a":1,"b":2,"c":3}`,
		`{"id":10,"a":1}`,
		`{"id":11,"a":1,"b":2}`,
	}
	a, _, _ := newStore(t, Options{})
	b, _, _ := newStore(t, Options{})
	var es, decoded []ReplEntry
	for i, text := range texts {
		e := ReplEntry{Ts: json.Number(toJSONAny(i + 1)), Node: "x", Op: ReplPut, Database: "db", Table: "t",
			PrimaryKey: "id", Key: json.RawMessage(toJSONAny(i + 1)), Record: json.RawMessage(text)}
		es = append(es, e)
		// The same record decoded and written back by encoding/json: a
		// text readRaw always declines (members sorted, HTML-escaped).
		var m map[string]any
		dec := json.NewDecoder(strings.NewReader(text))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		e.Record = json.RawMessage(" " + toJSONAny(m))
		decoded = append(decoded, e)
	}
	bad := ReplEntry{Ts: "99", Node: "x", Op: ReplPut, Database: "db", Table: "t", PrimaryKey: "id",
		Key: json.RawMessage(`99`), Record: json.RawMessage(`{"id":99,"a":1,"a/b":1}`)}
	res, err := a.ReplApply("x", append(es, bad))
	if err != nil || res.Applied != len(texts) || res.Skipped != 1 || len(res.Unreadable) != 1 {
		t.Fatalf("apply: %+v %v", res, err)
	}
	if _, err := b.ReplApply("x", decoded); err != nil {
		t.Fatal(err)
	}
	if ca, cb := checksum(t, a, "db", "t"), checksum(t, b, "db", "t"); ca != cb {
		t.Errorf("stored as it came %s, decoded %s", ca, cb)
	}
	ia, _ := a.DescribeDatabase("db")
	ib, _ := b.DescribeDatabase("db")
	if !reflect.DeepEqual(ia["t"].Attributes, ib["t"].Attributes) {
		t.Errorf("attributes %+v, want %+v", ia["t"].Attributes, ib["t"].Attributes)
	}
	// A record with a repeated key is stored decoded (the last wins), not
	// as its text.
	for _, key := range []any{4, 8} {
		err := a.GetRaw(context.Background(), "db", "t", []any{key}, func(raw []byte) error {
			if bytes.Count(raw, []byte(`"twice"`))+bytes.Count(raw, []byte(`"a"`)) != 1 {
				t.Errorf("record %v stored as %s", key, raw)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// Applying the same entries again changes nothing.
	if res, err := a.ReplApply("x", es); err != nil || res.Applied != 0 {
		t.Errorf("again: %+v %v", res, err)
	}
}

// ReplOutboxWait answers as soon as a transaction commits entries, and
// with none when the wait ends first.
func TestReplOutboxWaitsForCommit(t *testing.T) {
	s, _, _ := newStore(t, Options{})
	enable(t, s, "a")
	mustTable(t, s, "db", "t")
	last := outbox(t, s, 0)
	after := last[len(last)-1].Seq
	t0 := time.Now()
	if es, err := s.ReplOutboxWait(context.Background(), after, 10, 50*time.Millisecond); err != nil || len(es) != 0 || time.Since(t0) < 50*time.Millisecond {
		t.Fatalf("empty outbox: %d entries, %v, after %s", len(es), err, time.Since(t0))
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		if _, err := s.Insert("db", "t", records(t, `[{"id":1}]`)); err != nil {
			t.Error(err)
		}
	}()
	// A wait that ended without a commit answers no entry: one entry
	// means the commit woke it.
	es, err := s.ReplOutboxWait(context.Background(), after, 10, time.Minute)
	if err != nil || len(es) != 1 {
		t.Fatalf("after a commit: %d entries, %v", len(es), err)
	}
	// Closing the store ends a wait at once.
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = s.ReplOutboxWait(context.Background(), 1<<40, 10, time.Hour)
	}()
	time.Sleep(20 * time.Millisecond)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("a wait went on after the store closed")
	}
}

// A run of puts whose keys ascend (a table with growing keys) leaves the
// records' pages nearly full; one in another order leaves bbolt's default
// room (half-full pages where it splits).
func TestReplApplyAscendingKeysPackPages(t *testing.T) {
	fill := func(keys []int) float64 {
		s, _, _ := newStore(t, Options{})
		es := make([]ReplEntry, len(keys))
		for i, k := range keys {
			es[i] = ReplEntry{Ts: json.Number(toJSONAny(i + 1)), Node: "x", Op: ReplPut, Database: "db", Table: "t",
				PrimaryKey: "id", Key: json.RawMessage(toJSONAny(k)),
				Record: json.RawMessage(fmt.Sprintf(`{"id":%d,"name":"record %d with some text to fill a page"}`, k, k))}
		}
		if res, err := s.ReplApply("x", es); err != nil || res.Applied != len(keys) {
			t.Fatalf("apply: %+v %v", res, err)
		}
		var recs float64
		err := s.viewTable("db", "t", func(tt *tableTx) error {
			r := tt.recs.Stats()
			recs = float64(r.LeafInuse) / float64(r.LeafAlloc)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	const n = 3000
	asc, mixed := make([]int, n), make([]int, n)
	for i := range asc {
		asc[i] = i
		mixed[i] = (i * 7919) % n // every key once, out of order
	}
	if r := fill(asc); r < 0.8 {
		t.Errorf("ascending keys: record pages %.2f full, want at least 0.8", r)
	}
	if r := fill(mixed); r > 0.8 {
		t.Errorf("keys out of order: record pages %.2f full, want bbolt's default room", r)
	}
}
