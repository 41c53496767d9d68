package records

import (
	"regexp"
	"strconv"
	"time"
)

// isoDate matches the ISO 8601 forms HarperDB's validator accepts for a
// date: a calendar date, optionally followed (after "T" or a space) by
// hours and minutes, optional seconds and fraction, and an optional zone
// (Z, ±hh, ±hhmm or ±hh:mm).
var isoDate = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})` +
	`(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$`)

// Sub-match indexes of isoDate.
const (
	isoYear = iota + 1
	isoMonth
	isoDay
	isoHour
	isoMinute
	isoSecond
	isoFraction
	isoZone
)

// nanoDigits is the number of digits of a nanosecond fraction.
const nanoDigits = 9

// parseISODate parses an ISO 8601 date or date-time. A date alone is UTC
// midnight; a date-time without a zone is the server's local time, as in
// HarperDB. ok is false for anything else, including impossible dates
// such as 2021-02-30.
func parseISODate(s string) (time.Time, bool) {
	m := isoDate.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false
	}
	num := func(i int) int {
		n, _ := strconv.Atoi(m[i]) // the pattern guarantees digits
		return n
	}
	year, month, day := num(isoYear), num(isoMonth), num(isoDay)
	if m[isoHour] == "" {
		t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
		return t, t.Year() == year && int(t.Month()) == month && t.Day() == day
	}
	hour, minute, sec := num(isoHour), num(isoMinute), 0
	if m[isoSecond] != "" {
		sec = num(isoSecond)
	}
	nsec := 0
	if frac := m[isoFraction]; frac != "" {
		for len(frac) < nanoDigits {
			frac += "0"
		}
		nsec, _ = strconv.Atoi(frac)
	}
	if hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	loc, ok := zone(m[isoZone])
	if !ok {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc)
	if int(t.Month()) != month || t.Day() != day {
		return time.Time{}, false
	}
	return t, true
}

// maxZoneHours bounds a zone offset: real offsets span -12 to +14 hours.
const maxZoneHours = 14

// zone returns the location of an ISO 8601 zone designator ("" is local).
func zone(z string) (*time.Location, bool) {
	switch z {
	case "":
		return time.Local, true
	case "Z":
		return time.UTC, true
	}
	sign := 1
	if z[0] == '-' {
		sign = -1
	}
	digits := z[1:]
	if len(digits) > 2 && digits[2] == ':' {
		digits = digits[:2] + digits[3:]
	}
	h, _ := strconv.Atoi(digits[:2])
	mins := 0
	if len(digits) == 4 {
		mins, _ = strconv.Atoi(digits[2:])
	}
	if h > maxZoneHours || mins > 59 {
		return nil, false
	}
	return time.FixedZone(z, sign*(h*3600+mins*60)), true
}
