package sqlq

import (
	"context"
	"testing"
)

// benchRows is the table size the benchmarks read: large enough that the
// per-row cost dominates parsing and setup.
const benchRows = 100_000

// BenchmarkScanBaseline100k is the baseline: the fake's own Scan over the
// table with nothing done per record. Compare the SELECT benchmarks to it.
func BenchmarkScanBaseline100k(b *testing.B) {
	src := bigTable(benchRows)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if err := src.Scan(ctx, "db", "big", func(map[string]any) error { n++; return nil }); err != nil || n != benchRows {
			b.Fatalf("n %d err %v", n, err)
		}
	}
}

// BenchmarkSelectStar100k is a full-table SELECT * (parse included).
func BenchmarkSelectStar100k(b *testing.B) {
	benchQuery(b, "SELECT * FROM db.big", benchRows)
}

// BenchmarkSelectWhere100k filters and projects two columns.
func BenchmarkSelectWhere100k(b *testing.B) {
	benchQuery(b, "SELECT id, s AS text FROM db.big WHERE n >= 5 AND s LIKE 'some%'", benchRows/2)
}

// BenchmarkOrderByLimit100k sorts with a small page (bounded buffer).
func BenchmarkOrderByLimit100k(b *testing.B) {
	benchQuery(b, "SELECT id FROM db.big ORDER BY n DESC, id LIMIT 10", 10)
}

// BenchmarkGroupBy100k aggregates into ten groups.
func BenchmarkGroupBy100k(b *testing.B) {
	benchQuery(b, "SELECT n, COUNT(*) AS c, AVG(id) AS a FROM db.big GROUP BY n", 10)
}

func benchQuery(b *testing.B, sql string, want int) {
	src := bigTable(benchRows)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		st, err := Parse(sql)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		if err := st.Run(ctx, src, func(map[string]any) error { n++; return nil }); err != nil || n != want {
			b.Fatalf("%s: %d rows, err %v", sql, n, err)
		}
	}
}
