package exporter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
)

// benchRecordPool is how many distinct records the value benchmarks cycle
// through: enough that contents vary, few enough to build in a blink.
const benchRecordPool = 1000

// loaderLikeRecord is record i shaped like scripts/bench/loader's rows:
// eleven attributes of every JSON kind (strings, integers, floats, a
// boolean, an array, a nested object, a date string), decoded as the
// export family decodes search results (json.Decoder with UseNumber).
func loaderLikeRecord(tb testing.TB, i int) map[string]any {
	tb.Helper()
	text := fmt.Sprintf(`{"id":%d,"name":"user %d","email":"user%d@example.com","age":%d,"score":%d.%03d,`+
		`"balance":%d.%02d,"active":%t,"category":"retail","tags":["red","vip","eu"],`+
		`"address":{"street":"%d Main St","city":"Denver","zip":"%05d"},"created":"2021-03-04T05:06:07.%03dZ"}`,
		i, i, i, 18+i%70, i%1000, i%997, i*37%100000, i%100, i%2 == 0, 1+i%9999, i*7919%100000, i%1000)
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	dec.UseNumber()
	var rec map[string]any
	if err := dec.Decode(&rec); err != nil {
		tb.Fatal(err)
	}
	return rec
}

// BenchmarkValueEncoder encodes every value of loader-like records, as
// the JSON export (appendJSON) and the CSV export (cell) do. One op is
// one record of eleven values.
func BenchmarkValueEncoder(b *testing.B) {
	recs := make([][]any, benchRecordPool)
	for i := range recs {
		for _, v := range loaderLikeRecord(b, i) {
			recs[i] = append(recs[i], v)
		}
	}
	b.Run("appendJSON", func(b *testing.B) {
		v := newValueEncoder()
		var dst []byte
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			dst = dst[:0]
			for _, x := range recs[i%len(recs)] {
				var err error
				if dst, err = v.appendJSON(dst, x); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("cell", func(b *testing.B) {
		v := newValueEncoder()
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			for _, x := range recs[i%len(recs)] {
				if _, err := v.cell(x); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
