package export

import (
	"fmt"
	"testing"

	"github.com/hops-dev/hops/builtin/export/exporter"
)

func TestRowCounterCountsRecordsAcrossAnySplit(t *testing.T) {
	cases := []struct {
		format, text string
		rows         int64
		complete     bool
	}{
		{exporter.FormatCSV, "", 0, true},
		{exporter.FormatCSV, "a,b\n", 0, true},
		{exporter.FormatCSV, "a,b\n1,2\n\"x\ny\",\"q\"\"\n\"\"\"\n3,\"{\"\"k\"\":1}\"\n", 3, true},
		{exporter.FormatCSV, "a,b\n1,2\n\"x\ny", 1, false},
		{exporter.FormatCSV, "a,b\n1,2", 0, false},
		{exporter.FormatJSON, "[]", 0, true},
		{exporter.FormatJSON, `[{"a":"}{\"[","b":{"c":[{"d":1}]}},{"a":"\\"},{}]`, 3, true},
		{exporter.FormatJSON, `[{"a":"x"},{"a":`, 1, false},
		{exporter.FormatJSON, `[{"a":"x"}`, 1, false},
		{exporter.FormatJSON, ``, 0, false},
	}
	for _, tc := range cases {
		for split := 0; split <= len(tc.text); split++ {
			c := newRowCounter(tc.format)
			_, _ = c.Write([]byte(tc.text[:split]))
			_, _ = c.Write([]byte(tc.text[split:]))
			if c.rows != tc.rows || c.complete() != tc.complete {
				t.Errorf("%s %q split at %d: %d rows complete=%v, want %d %v", tc.format, tc.text, split, c.rows, c.complete(), tc.rows, tc.complete)
			}
		}
	}
}

// BenchmarkRowCounter counts the rows of an export file of loader-like
// records as the job does, 256 KiB at a time (the answer's chunks). One
// op is one record.
func BenchmarkRowCounter(b *testing.B) {
	for _, format := range []string{exporter.FormatJSON, exporter.FormatCSV} {
		b.Run(format, func(b *testing.B) {
			const n = 4000
			var file []byte
			if format == exporter.FormatCSV {
				file = append(file, "id,active,address,email,name,tags\n"...)
			} else {
				file = append(file, '[')
			}
			for i := range n {
				if format == exporter.FormatCSV {
					file = fmt.Appendf(file, "%d,true,\"{\"\"city\"\":\"\"Quito\"\",\"\"street\"\":\"\"%d Main St\"\"}\",user%d@example.com,User Number %d,\"[\"\"a\"\",\"\"b\"\"]\"\n", i, i, i, i)
				} else {
					if i > 0 {
						file = append(file, ',')
					}
					file = fmt.Appendf(file, `{"id":%d,"active":true,"address":{"city":"Quito","street":"%d Main St"},"email":"user%d@example.com","name":"User Number %d","tags":["a","b"]}`, i, i, i, i)
				}
			}
			if format == exporter.FormatJSON {
				file = append(file, ']')
			}
			const chunk = 256 << 10
			b.SetBytes(int64(len(file) / n))
			b.ResetTimer()
			for done := 0; done < b.N; done += n {
				c := newRowCounter(format)
				for off := 0; off < len(file); off += chunk {
					_, _ = c.Write(file[off:min(off+chunk, len(file))])
				}
				if c.rows != n || !c.complete() {
					b.Fatalf("%d rows, complete %v", c.rows, c.complete())
				}
			}
		})
	}
}
