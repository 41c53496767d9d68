package records

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/hops-dev/hops/builtin/records/store"
)

// applyCallBody is a repl_records_apply body as the clustering family
// writes it around one outbox page of another node's puts (about 9,500
// records of ten attributes, 200 bytes each), and its number of entries.
func applyCallBody(b *testing.B) ([]byte, int) {
	b.Helper()
	src := newEnv(b, harnessOpts{})
	src.ok(op(opReplEnable, "node", "src", "databases", "*"))
	src.table("db", "bench")
	src.ok(json.RawMessage(fmt.Appendf(nil, `{"operation":"insert","database":"db","table":"bench","records":%s}`, benchBody(0))))
	var page struct{ Entries []json.RawMessage }
	src.ok(op(opReplOutbox, "after", 0, "limit", 20_000)).JSON(b, &page)
	body := []byte(`{"operation":"repl_records_apply","source":"records","origin":"src","entries":[`)
	for i, e := range page.Entries {
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, e...)
	}
	return append(body, "]}"...), len(page.Entries)
}

// BenchmarkReplApplyCall applies another node's puts (one outbox page: 3 MiB, ~9,500 records of ten
// attributes, about 200 bytes each) in one repl_records_apply call, the
// body written around the entries as the clustering family writes it,
// through in-process gRPC into the family, fsync on (the production
// setting): one transaction. cpu-us/entry is this process's CPU
// (getrusage: the caller, gRPC and the family) per entry applied.
func BenchmarkReplApplyCall(b *testing.B) {
	body, n := applyCallBody(b)
	var cpu time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dst := newEnv(b, harnessOpts{section: map[string]any{}})
		c0 := cpuTime(b)
		b.StartTimer()
		r := dst.h.Super(b, body)
		b.StopTimer()
		cpu += cpuTime(b) - c0
		var res struct{ Applied int }
		if r.Status != 200 || json.Unmarshal(r.Body, &res) != nil || res.Applied < n-1 {
			b.Fatalf("apply: %d %.300s", r.Status, r.Body)
		}
		_ = dst.shutdown()
		b.StartTimer()
	}
	total := float64(b.N * n)
	b.ReportMetric(total/b.Elapsed().Seconds(), "entries/s")
	b.ReportMetric(float64(cpu.Microseconds())/total, "cpu-us/entry")
}

// BenchmarkReadApplyBody reads repl_records_apply's body (one outbox page,
// as BenchmarkReplApplyCall sends it) and checks every entry as ReplApply
// does before it writes (store.ReplEntry's parse), without the store.
func BenchmarkReadApplyBody(b *testing.B) {
	body, n := applyCallBody(b)
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		origin, entries, ok := readApplyBody(body)
		if !ok || len(entries) != n {
			b.Fatalf("read %v, %d entries", ok, len(entries))
		}
		if err := store.ReplParse(origin, entries); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/entry")
}

// BenchmarkReplOutboxCall is the writer's side of replication in the
// records family: each op inserts one call of benchBatch records with
// replication on (fsync on), then reads the outbox through the family's
// gRPC as the publisher does (pages of up to 4,096 entries, "entries":
// one JSON answer of entries; "packed": messages of up to 1 MiB; "s2":
// those messages compressed, as the clustering family asks for them) and
// acknowledges it. cpu-us/record is this process's CPU (getrusage: the
// caller, gRPC and the family) per record; "off" is the insert alone.
func BenchmarkReplOutboxCall(b *testing.B) {
	for _, mode := range []string{"off", "entries", "packed", "s2"} {
		b.Run(mode, func(b *testing.B) {
			e := newEnv(b, harnessOpts{})
			if mode != "off" {
				e.ok(op(opReplEnable, "node", "src", "databases", "*"))
			}
			e.table("db", "bench")
			var after uint64
			if mode != "off" {
				after = drainFamilyOutbox(b, e, 0, mode)
			}
			var cpu time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				body := fmt.Appendf(nil, `{"operation":"insert","database":"db","table":"bench","records":%s}`, benchBody(i))
				c0 := cpuTime(b)
				b.StartTimer()
				e.ok(json.RawMessage(body))
				if mode != "off" {
					after = drainFamilyOutbox(b, e, after, mode)
				}
				b.StopTimer()
				cpu += cpuTime(b) - c0
				b.StartTimer()
			}
			n := float64(b.N * benchBatch)
			b.ReportMetric(n/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(cpu.Microseconds())/n, "cpu-us/record")
		})
	}
}

// drainFamilyOutbox reads e's outbox after seq after to its end, as mode
// says (entries, packed or s2), acknowledges it and returns the last seq.
func drainFamilyOutbox(b *testing.B, e *env, after uint64, mode string) uint64 {
	for {
		req := op(opReplOutbox, "after", after, "limit", 4096)
		if mode != "entries" {
			req["packed"] = 1 << 20
		}
		if mode == "s2" {
			req["encoding"] = "s2"
		}
		r := e.ok(req)
		last := after
		if end := bytes.Index(r.Body, []byte(`],"messages":[`)); bytes.HasPrefix(r.Body, []byte(`{"packs":`)) && end > 0 {
			var heads [][]json.Number
			if err := json.Unmarshal(r.Body[len(`{"packs":`):end+1], &heads); err != nil {
				b.Fatal(err)
			}
			for _, h := range heads {
				if v, _ := h[1].Int64(); uint64(v) > last {
					last = uint64(v)
				}
			}
		} else {
			var page struct{ Entries []json.RawMessage }
			r.JSON(b, &page)
			if len(page.Entries) > 0 {
				last = lastSeq(b, page.Entries)
			}
		}
		if last == after {
			break
		}
		after = last
	}
	e.ok(op(opReplOutboxAck, "upto", after))
	return after
}
