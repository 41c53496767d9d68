package jobs

import (
	"testing"
	"time"
)

func TestParseISODate(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ms int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ms*int(time.Millisecond), time.UTC)
	}
	good := []struct {
		in   string
		want time.Time
	}{
		{"2026-01-02", utc(2026, 1, 2, 0, 0, 0, 0)},
		{"2026-01-02T03:04:05Z", utc(2026, 1, 2, 3, 4, 5, 0)},
		{"2026-01-02T03:04:05.678Z", utc(2026, 1, 2, 3, 4, 5, 678)},
		{"2026-01-02T03:04:05+02:00", utc(2026, 1, 2, 1, 4, 5, 0)},
		{"2026-01-02T03:04:05.5-01:30", utc(2026, 1, 2, 4, 34, 5, 500)},
		{"2026-01-02T03:04Z", utc(2026, 1, 2, 3, 4, 0, 0)},
		{"2026-01-02 03:04:05Z", utc(2026, 1, 2, 3, 4, 5, 0)},
		{"2026-01-02T03:04:05", time.Date(2026, 1, 2, 3, 4, 5, 0, time.Local)},
		{"2026-01-02T03:04", time.Date(2026, 1, 2, 3, 4, 0, 0, time.Local)},
	}
	for _, tc := range good {
		got, ok := parseISODate(tc.in)
		if !ok || !got.Equal(tc.want) {
			t.Errorf("parseISODate(%q) = %v %v, want %v", tc.in, got, ok, tc.want)
		}
	}
	for _, in := range []string{"", "nope", "yesterday", "1700000000000", "2026-13-01", "2026-02-30",
		"2026/01/02", "01-02-2026", " 2026-01-02", "2026-01-02 ", "2026-01-02T25:00:00Z", "2026-01-02Tx"} {
		if got, ok := parseISODate(in); ok {
			t.Errorf("parseISODate(%q) = %v, want refused", in, got)
		}
	}
}
