package records

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hops-dev/hops/builtin/internal/replpack"
)

// outboxEntries reads a family's outbox after seq after.
func (e *env) outboxEntries(after uint64) []json.RawMessage {
	e.t.Helper()
	var out struct {
		Entries []json.RawMessage `json:"entries"`
	}
	e.ok(op(opReplOutbox, "after", after)).JSON(e.t, &out)
	return out.Entries
}

// lastSeq is the seq of the last entry.
func lastSeq(t testing.TB, entries []json.RawMessage) uint64 {
	t.Helper()
	var e struct {
		Seq uint64 `json:"seq"`
	}
	if err := json.Unmarshal(entries[len(entries)-1], &e); err != nil {
		t.Fatal(err)
	}
	return e.Seq
}

// applyTo applies entries on e as from origin and returns the counts.
func (e *env) applyTo(origin string, entries []json.RawMessage) (applied, skipped int) {
	e.t.Helper()
	var res struct {
		Applied, Skipped int
	}
	e.ok(op(opReplApply, "origin", origin, "entries", entries)).JSON(e.t, &res)
	return res.Applied, res.Skipped
}

// sum is repl_records_checksum's answer as text.
func (e *env) sum(db, table string) string {
	e.t.Helper()
	return string(e.ok(op(opReplChecksum, "database", db, "table", table)).Body)
}

// replWrites runs the same writes on every env given, one clock step each.
func replWrites(envs ...*env) {
	steps := []map[string]any{
		op("create_table", "database", "db", "table", "dogs", "primary_key", "id"),
		op("insert", "database", "db", "table", "dogs", "records", json.RawMessage(dogs)),
		op("update", "database", "db", "table", "dogs", "records", json.RawMessage(`[{"id":1,"age":6,"owner":{"z":1,"a":2}}]`)),
		op("upsert", "database", "db", "table", "dogs", "records", json.RawMessage(`[{"id":9,"name":"Nine","weight":1.50}]`)),
		op("delete", "database", "db", "table", "dogs", "hash_values", []any{2}),
		op("create_attribute", "database", "db", "table", "dogs", "attribute", "color"),
		op("sql", "sql", "UPDATE db.dogs SET color = 'red' WHERE id = 3"),
	}
	for i, s := range steps {
		for _, e := range envs {
			e.clock.set(startMs + int64(i)*1000)
			e.ok(s)
		}
	}
}

func TestReplRecordsBetweenTwoFamilies(t *testing.T) {
	a := newEnv(t, harnessOpts{})
	b := newEnv(t, harnessOpts{})
	plain := newEnv(t, harnessOpts{})
	a.ok(op(opReplEnable, "node", "a", "databases", "*"))
	b.ok(op(opReplEnable, "node", "b", "databases", []string{"db"}))
	replWrites(a, plain)

	entries := a.outboxEntries(0)
	if applied, skipped := b.applyTo("a", entries); applied != len(entries) || skipped != 0 {
		t.Errorf("applied %d skipped %d of %d", applied, skipped, len(entries))
	}
	if a.sum("db", "dogs") != b.sum("db", "dogs") {
		t.Errorf("checksums differ: %s vs %s", a.sum("db", "dogs"), b.sum("db", "dogs"))
	}
	// Searches answer byte for byte what a node without replication
	// answers: the key versions are not in the records.
	searches := []map[string]any{
		op("search_by_hash", "database", "db", "table", "dogs", "hash_values", []any{1, 3, 9, "str-id"}, "get_attributes", []string{"*"}),
		op("search_by_value", "database", "db", "table", "dogs", "search_attribute", "id", "search_value", "*", "get_attributes", []string{"*"}),
		op("sql", "sql", "SELECT * FROM db.dogs ORDER BY id"),
	}
	for _, s := range searches {
		ra, rp := a.ok(s), plain.ok(s)
		if !bytes.Equal(ra.Body, rp.Body) {
			t.Errorf("%v answers differ with replication on:\n%s\n%s", s, ra.Body, rp.Body)
		}
	}
	// b holds the same records as a; b's outbox holds none of them.
	rb := b.ok(searches[2])
	ra := a.ok(searches[2])
	if !bytes.Equal(ra.Body, rb.Body) {
		t.Errorf("b answers differently:\n%s\n%s", rb.Body, ra.Body)
	}
	if got := b.outboxEntries(0); len(got) != 0 {
		t.Errorf("applying wrote %d entries into b's outbox", len(got))
	}
	// delete_records_before stays local: no entry.
	last := lastSeq(t, entries)
	a.clock.set(startMs + 100_000)
	id := a.startJob(op("delete_records_before", "database", "db", "table", "dogs", "date", time.UnixMilli(startMs+100_000).UTC().Format(time.RFC3339)))
	if job, err := a.h.Host.WaitJob(id, jobWait); err != nil || job.Status != "COMPLETE" {
		t.Fatalf("job %+v %v", job, err)
	}
	if n := len(decodeList(t, a.ok(searches[2]))); n != 0 {
		t.Errorf("delete_records_before left %d records on a", n)
	}
	if got := a.outboxEntries(last); len(got) != 0 {
		t.Errorf("delete_records_before wrote outbox entries: %s", got)
	}
}

func TestReplRecordsResendAfterCrashBeforeAck(t *testing.T) {
	root := t.TempDir()
	a := newEnv(t, harnessOpts{rootPath: root})
	b := newEnv(t, harnessOpts{})
	a.ok(op(opReplEnable, "node", "a", "databases", "*"))
	replWrites(a)
	first := a.outboxEntries(0)
	b.applyTo("a", first)
	// a stops before the transport acknowledged anything: the entries
	// come again after the restart and apply as no-ops.
	if err := a.shutdown(); err != nil {
		t.Fatal(err)
	}
	a2 := newEnv(t, harnessOpts{rootPath: root})
	again := a2.outboxEntries(0)
	if len(again) != len(first) {
		t.Fatalf("after restart %d entries, want %d", len(again), len(first))
	}
	if applied, skipped := b.applyTo("a", again); applied != 0 || skipped != len(again) {
		t.Errorf("re-sent entries: applied %d skipped %d", applied, skipped)
	}
	if a2.sum("db", "dogs") != b.sum("db", "dogs") {
		t.Error("checksums differ")
	}
	// Acknowledged entries are gone; replication is still on after the
	// restart.
	var ack struct{ Dropped int }
	a2.ok(op(opReplOutboxAck, "upto", lastSeq(t, again))).JSON(t, &ack)
	if ack.Dropped != len(again) || len(a2.outboxEntries(0)) != 0 {
		t.Errorf("ack dropped %d of %d", ack.Dropped, len(again))
	}
	var status struct {
		Enabled bool
		Node    string
	}
	a2.ok(op(opReplStatus)).JSON(t, &status)
	if !status.Enabled || status.Node != "a" {
		t.Errorf("status after restart %+v", status)
	}
}

func TestReplRecordsBadBodies(t *testing.T) {
	e := newEnv(t, harnessOpts{})
	wantErrorContains(t, e.super(op(opReplEnable)), 400, "'node' is required")
	wantErrorContains(t, e.super(op(opReplEnable, "node", "a", "databases", 5)), 400, "databases")
	wantErrorContains(t, e.super(op(opReplOutbox, "after", -1)), 400, "after")
	wantErrorContains(t, e.super(op(opReplOutboxAck)), 400, "upto")
	wantErrorContains(t, e.super(op(opReplApply, "entries", "x")), 400, "entries")
	// An unknown op or an unreadable entry is skipped, not an error.
	var res struct {
		Applied, Skipped int
	}
	e.ok(op(opReplApply, "origin", "x", "entries", []any{
		map[string]any{"ts": 1, "op": "user_put", "database": "db"},
		"not an object",
		map[string]any{"ts": 1, "op": "create_database", "database": "d1"},
	})).JSON(t, &res)
	if res.Applied != 1 || res.Skipped != 2 {
		t.Errorf("got %+v", res)
	}
	// Replication not enabled: the outbox is empty, databases listed but
	// system never replicates.
	if got := e.outboxEntries(0); len(got) != 0 {
		t.Errorf("outbox %s", got)
	}
}

// repl_records_outbox with packed answers the same entries packed in
// messages of about the size asked for (a transaction's chunk is never
// cut), each a JSON array placed where its
// pack says, with its smallest and largest seq, the last entry's ts and
// its number of entries.
func TestReplRecordsPackedOutbox(t *testing.T) {
	a := newEnv(t, harnessOpts{})
	a.ok(op(opReplEnable, "node", "a", "databases", "*"))
	replWrites(a)
	want := a.outboxEntries(0)
	body := a.ok(op(opReplOutbox, "after", 0, "packed", 300)).Body
	if !json.Valid(body) {
		t.Fatalf("not JSON: %s", body)
	}
	end := bytes.Index(body, []byte(`],"messages":[`))
	var heads [][]json.Number
	if !bytes.HasPrefix(body, []byte(`{"packs":`)) || end < 0 || json.Unmarshal(body[len(`{"packs":`):end+1], &heads) != nil {
		t.Fatalf("answer %s", body)
	}
	base := end + len(`],"messages":[`)
	var got []json.RawMessage
	for _, h := range heads {
		n := func(i int) int64 { v, _ := h[i].Int64(); return v }
		msg := body[base+int(n(4)) : base+int(n(4))+int(n(5))]
		var entries []json.RawMessage
		if err := json.Unmarshal(msg, &entries); err != nil || len(entries) != int(n(3)) {
			t.Fatalf("pack %v: %d entries, %v: %s", h, len(entries), err, msg)
		}
		if lastSeq(t, entries) != uint64(n(1)) || !bytes.Contains(entries[len(entries)-1], []byte(`"ts":`+h[2].String()+`,`)) {
			t.Errorf("pack %v ends with %s", h, entries[len(entries)-1])
		}
		got = append(got, entries...)
	}
	samePackedEntries(t, len(heads), got, want)
}

// samePackedEntries fails t unless the entries got from packs (at least
// two) are want's, in order and byte for byte.
func samePackedEntries(t *testing.T, packs int, got, want []json.RawMessage) {
	t.Helper()
	if packs < 2 || len(got) != len(want) {
		t.Fatalf("%d packs, %d entries; want %d entries", packs, len(got), len(want))
	}
	for i := range got {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("entry %d: %s, want %s", i, got[i], want[i])
		}
	}
}

// With encoding "s2" each packed message is compressed (replpack): its
// head's seventh number is the array's size before compression, and
// repl_records_apply with those messages in "packs", as the clustering
// family sends them, leaves the same records as the entries themselves.
// A pack that does not decode is skipped as unreadable, not an error.
func TestReplRecordsCompressedPacks(t *testing.T) {
	a := newEnv(t, harnessOpts{})
	b := newEnv(t, harnessOpts{})
	a.ok(op(opReplEnable, "node", "a", "databases", "*"))
	replWrites(a)
	want := a.outboxEntries(0)
	wantErrorContains(t, a.super(op(opReplOutbox, "after", 0, "packed", 300, "encoding", "gzip")), 400, "encoding")
	body := a.ok(op(opReplOutbox, "after", 0, "packed", 300, "encoding", replpack.Encoding)).Body
	end := bytes.Index(body, []byte(`],"messages":[`))
	var heads [][]json.Number
	if !json.Valid(body) || end < 0 || json.Unmarshal(body[len(`{"packs":`):end+1], &heads) != nil {
		t.Fatalf("answer %s", body)
	}
	base := end + len(`],"messages":[`)
	var packs []json.RawMessage
	var got []json.RawMessage
	for _, h := range heads {
		n := func(i int) int64 { v, _ := h[i].Int64(); return v }
		if len(h) != 7 {
			t.Fatalf("pack head %v: want 7 numbers", h)
		}
		msg := body[base+int(n(4)) : base+int(n(4))+int(n(5))]
		list, err := replpack.Decode(msg)
		var entries []json.RawMessage
		if err != nil || len(list) != int(n(6)) || json.Unmarshal(list, &entries) != nil || len(entries) != int(n(3)) {
			t.Fatalf("pack %v: %v, %d bytes decoded: %.200s", h, err, len(list), msg)
		}
		packs = append(packs, json.RawMessage(msg))
		got = append(got, entries...)
	}
	samePackedEntries(t, len(heads), got, want)
	var res struct {
		Applied, Skipped int
		Unreadable       []string
	}
	b.ok(op(opReplApply, "origin", "a", "packs", packs)).JSON(t, &res)
	if res.Applied != len(want) || res.Skipped != 0 {
		t.Errorf("applied %+v of %d", res, len(want))
	}
	if a.sum("db", "dogs") != b.sum("db", "dogs") {
		t.Errorf("checksums differ: %s vs %s", a.sum("db", "dogs"), b.sum("db", "dogs"))
	}
	// Entries before packs, a damaged pack in between.
	c := newEnv(t, harnessOpts{})
	res = struct {
		Applied, Skipped int
		Unreadable       []string
	}{}
	c.ok(op(opReplApply, "origin", "a", "entries", want[:1], "packs", []any{"bm90IHMy", packs[0]})).JSON(t, &res)
	if len(res.Unreadable) != 1 || !strings.Contains(res.Unreadable[0], "entry 1: pack 0") {
		t.Errorf("a damaged pack: %+v", res)
	}
	wantErrorContains(t, c.super(op(opReplApply, "origin", "a", "packs", "x")), 400, "packs")
}
