package jobs

import (
	"strings"
	"time"
)

// Layouts accepted for search dates: the ISO 8601 forms moment.js reads
// in HarperDB. time.Parse also accepts fractional seconds after the
// seconds field of any of them.
var (
	// zonedLayouts carry their own zone (Z or an offset).
	zonedLayouts = []string{time.RFC3339, "2006-01-02T15:04Z07:00"}
	// utcLayouts have no time of day: midnight UTC, as JavaScript reads a
	// date-only string.
	utcLayouts = []string{time.DateOnly}
	// localLayouts have a time but no zone: the server's local time, as
	// moment.js reads them.
	localLayouts = []string{"2006-01-02T15:04:05", "2006-01-02T15:04"}
)

// dateSeparatorIndex is where the date ends in an ISO 8601 datetime
// (YYYY-MM-DD is 10 characters); ISO 8601 allows a space there instead of
// the T.
const dateSeparatorIndex = 10

// parseISODate parses a date-only value or an ISO 8601 / RFC 3339
// datetime; ok is false for anything else.
func parseISODate(s string) (time.Time, bool) {
	if len(s) > dateSeparatorIndex && s[dateSeparatorIndex] == ' ' {
		s = s[:dateSeparatorIndex] + "T" + s[dateSeparatorIndex+1:]
	}
	if strings.TrimSpace(s) != s {
		return time.Time{}, false
	}
	for _, l := range zonedLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	for _, l := range utcLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return t, true
		}
	}
	for _, l := range localLayouts {
		if t, err := time.ParseInLocation(l, s, time.Local); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
