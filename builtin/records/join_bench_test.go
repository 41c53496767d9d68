package records

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hops-dev/hops/builtin/internal/fastjson/jsontest"
	"github.com/hops-dev/hops/builtin/records/sqlq"
	"github.com/hops-dev/hops/builtin/records/store"
)

// joinBenchRows is the size of each table BenchmarkJoin reads.
const joinBenchRows = 100_000

// BenchmarkJoin answers scripts/bench/join.sh's queries through the whole
// family (gRPC, the store's Snapshot, the join, the streamed answer) over
// two tables of joinBenchRows loader-like records, ids 0..n-1 in both.
// One op is one whole answer; cpu-ms/op is the CPU time the process
// (family, harness and collector) used for it, which a busy machine
// changes less than the time per op.
func BenchmarkJoin(b *testing.B) {
	e := newEnv(b, harnessOpts{})
	for _, tb := range []string{"a", "b"} {
		e.table("bench", tb)
		for start := 0; start < joinBenchRows; start += 10_000 {
			var recs strings.Builder
			recs.WriteByte('[')
			for i := start; i < start+10_000; i++ {
				if i > start {
					recs.WriteByte(',')
				}
				recs.Write(jsontest.LoaderRecord(i))
			}
			recs.WriteByte(']')
			e.insert("bench", tb, recs.String())
		}
	}
	for _, q := range []struct{ name, sql, want string }{
		{"pk_count", "SELECT COUNT(*) AS n FROM bench.a a INNER JOIN bench.b b ON a.id = b.id", `"n":100000`},
		{"pk_page", "SELECT a.id, a.name, b.email FROM bench.a a INNER JOIN bench.b b ON a.id = b.id LIMIT 100", `"email"`},
		{"attr_count", "SELECT COUNT(*) AS n FROM bench.a a INNER JOIN bench.b b ON a.email = b.email", `"n":100000`},
		{"pk_all", "SELECT a.id, b.name FROM bench.a a INNER JOIN bench.b b ON a.id = b.id", `"name"`},
	} {
		b.Run(q.name, func(b *testing.B) {
			body := op("sql", "sql", q.sql)
			b.ReportAllocs()
			cpu0 := cpuTime(b)
			for b.Loop() {
				r := e.h.Super(b, body)
				if r.Status != 200 || !strings.Contains(string(r.Body), q.want) {
					b.Fatalf("%s: %d %.200s", q.name, r.Status, r.Body)
				}
			}
			b.ReportMetric(float64((cpuTime(b)-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
		})
	}
}

// The records family's joins read through a Snapshot: it must be a
// KeyedAttrSource and a KeyKinder, or they decode every record whole.
var (
	_ sqlq.KeyedAttrSource = (*store.Snapshot)(nil)
	_ sqlq.KeyKinder       = (*store.Snapshot)(nil)
)

// cpuTime returns the CPU time (user and system) the process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
