package main

import (
	"encoding/json"
	"testing"
	"time"
)

// The progress of a job reads sdk.Progress ({done, total, unit}) and the
// counts families reported before it, and renders as a bar with the
// percentage and rate when the total is known, a count when not.
func TestWaitProgressRendering(t *testing.T) {
	for _, c := range []struct {
		progress    string
		bar, plain  string
		done, total float64
		unit        string
		ok          bool
		rate        float64
	}{
		{`{"done":250,"total":1000,"unit":"records"}`, "[#######.......................]  25% 250/1,000 records  50/s  3s",
			"job J: IN_PROGRESS 25% (250/1,000 records), 50/s", 250, 1000, "records", true, 50},
		{`{"rows_written":1234567}`, "1,234,567 rows written  3s", "job J: IN_PROGRESS 1,234,567 rows written", 1234567, 0, "rows written", true, 0},
		{``, "IN_PROGRESS  3s", "job J: IN_PROGRESS", 0, 0, "", false, 0},
	} {
		j := jobView{Status: "IN_PROGRESS", Progress: json.RawMessage(c.progress)}
		done, total, unit, ok := j.progress()
		if done != c.done || total != c.total || unit != c.unit || ok != c.ok {
			t.Errorf("%s: read %v %v %q %v", c.progress, done, total, unit, ok)
		}
		if got := barLine(j.Status, done, total, unit, ok, c.rate, 3*time.Second); got != c.bar {
			t.Errorf("%s: bar %q, want %q", c.progress, got, c.bar)
		}
		if got := plainLine("J", j.Status, done, total, unit, ok, c.rate); got != c.plain {
			t.Errorf("%s: line %q, want %q", c.progress, got, c.plain)
		}
	}
	if got := count(-1234); got != "-1,234" {
		t.Errorf("count(-1234) = %q", got)
	}
}
