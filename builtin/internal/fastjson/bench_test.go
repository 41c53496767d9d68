package fastjson

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/hops-dev/hops/builtin/internal/fastjson/jsontest"
)

// benchRecord is a typical record: eleven attributes of every JSON kind,
// about 300 bytes, like the load tests write.
const benchRecord = `{"id":12345,"name":"user 12345","email":"user12345@example.com","age":42,` +
	`"score":512.345,"balance":81234.56,"active":true,"category":"retail","tags":["red","vip"],` +
	`"address":{"street":"123 Main St","city":"Lisbon","zip":"01234"},"created":"2023-04-05T10:11:12.345Z"}`

func BenchmarkDecodeObject(b *testing.B) {
	rec := []byte(benchRecord)
	b.ReportAllocs()
	for b.Loop() {
		if m, ok := DecodeObject(rec); !ok || len(m) != 11 {
			b.Fatal("refused")
		}
	}
}

// BenchmarkEncodingJSON is the reference DecodeObject replaces.
func BenchmarkEncodingJSON(b *testing.B) {
	rec := []byte(benchRecord)
	b.ReportAllocs()
	for b.Loop() {
		dec := json.NewDecoder(bytes.NewReader(rec))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil || len(m) != 11 {
			b.Fatal(err)
		}
	}
}

// BenchmarkFillLoaderRecord walks the benchmarks' shared record into
// slots, as the records family does for each record it answers from its
// stored text.
func BenchmarkFillLoaderRecord(b *testing.B) {
	text := jsontest.LoaderRecord(12345)
	m := newMembers(text)
	var cols []string
	for m.Next() {
		cols = append(cols, string(m.Key()))
	}
	s := NewSlots(cols)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if !s.Fill(text, false) {
			b.Fatal("not filled")
		}
	}
}
