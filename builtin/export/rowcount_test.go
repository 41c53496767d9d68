package export

import (
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
