package records

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/hops-dev/hops/builtin/internal/replpack"
)

// From every read position (the first, middle and last entries of
// compressed chunks of a transaction spanning several, of small ones,
// and of chunks left by acknowledgements), repl_records_outbox answers
// the same entries, byte for byte and in order, as plain entries, as
// plain packed messages (a reader without s2) and as compressed ones.
func TestReviewOutboxFormsAgreeFromEveryPosition(t *testing.T) {
	e := newEnv(t, harnessOpts{})
	e.ok(op(opReplEnable, "node", "a", "databases", "*"))
	e.table("db", "t")
	var b strings.Builder
	b.WriteString("[")
	for i := range 150 {
		if i > 0 {
			b.WriteString(",")
		}
		// About 2 KiB a record: the insert's entries fill more than one
		// chunk.
		fmt.Fprintf(&b, `{"id":%d,"pad":"%s"}`, i, strings.Repeat(fmt.Sprintf("%x", i*7919+i*i), 2048/len(fmt.Sprintf("%x", i*7919+i*i))))
	}
	b.WriteString("]")
	e.insert("db", "t", b.String())
	e.insert("db", "t", `[{"id":"x"},{"id":"y"},{"id":"z"}]`)
	e.ok(op("update", "database", "db", "table", "t", "records", json.RawMessage(`[{"id":1,"v":1},{"id":"y","v":2}]`)))
	all := e.outboxEntries(0)
	if len(all) < 150 {
		t.Fatalf("%d entries", len(all))
	}
	seqOf := func(raw json.RawMessage) uint64 {
		var h struct{ Seq uint64 }
		if err := json.Unmarshal(raw, &h); err != nil {
			t.Fatal(err)
		}
		return h.Seq
	}
	// readAll reads from after on as a relay does, in one of three forms.
	readAll := func(after uint64, form string) []string {
		var out []string
		for range 1000 {
			body := op(opReplOutbox, "after", after)
			switch form {
			case "plain packs":
				body["packed"] = 64 << 10
			case "s2 packs":
				body["packed"] = 64 << 10
				body["encoding"] = replpack.Encoding
			}
			var got []string
			if form == "entries" {
				for _, r := range e.outboxEntries(after) {
					got = append(got, string(r))
				}
			} else {
				r := e.ok(body)
				got, _ = packedMessages(t, r.Body)
			}
			if len(got) == 0 {
				return out
			}
			out = append(out, got...)
			after = seqOf(json.RawMessage(got[len(got)-1]))
		}
		t.Fatalf("%s from %d: no end", form, after)
		return nil
	}
	check := func(stage string, from int) {
		t.Helper()
		for i := from; i <= len(all); i += 5 {
			after := uint64(0)
			if i > 0 {
				after = seqOf(all[i-1])
			}
			var want []string
			for _, r := range all[i:] {
				want = append(want, string(r))
			}
			for _, form := range []string{"entries", "plain packs", "s2 packs"} {
				if got := readAll(after, form); strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Fatalf("%s: %s after %d: %d entries, want %d", stage, form, after, len(got), len(want))
				}
			}
		}
	}
	check("as written", 0)
	// Acknowledged inside the large transaction's first chunk: the rest
	// of it is stored again.
	ackAt := len(all) / 3
	var res struct{ Dropped int }
	e.ok(op(opReplOutboxAck, "upto", seqOf(all[ackAt-1]))).JSON(t, &res)
	if res.Dropped != ackAt {
		t.Fatalf("ack dropped %d, want %d", res.Dropped, ackAt)
	}
	check("after an ack", ackAt)
}
