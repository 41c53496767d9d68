package sqlq

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// HarperDB's date and time functions (moment.js underneath): a date
// argument is a Unix time in milliseconds or a date string; results are
// milliseconds (CURRENT_TIMESTAMP, NOW, DATE_ADD) or strings in moment's
// formats, in UTC unless the function says otherwise. A date that cannot
// be read makes a formatted result "Invalid date", as moment writes it,
// and a numeric one NULL.

// invalidDate is what moment formats an unreadable date as.
const invalidDate = "Invalid date"

// isoFormat is HarperDB's YYYY-MM-DDTHH:mm:ss.SSSZZ.
const isoFormat = "YYYY-MM-DDTHH:mm:ss.SSSZZ"

func init() {
	for name, f := range map[string]*scalarFunc{
		"current_timestamp": {min: 0, max: 0, volatile: true, call: fnNowMillis},
		"now":               {min: 0, max: 0, volatile: true, call: fnNowMillis},
		"getdate":           {min: 0, max: 0, volatile: true, call: fnNowMillis},
		"current_date": {min: 0, max: 0, volatile: true, call: func([]any) any {
			return momentFormat(time.Now().UTC(), "YYYY-MM-DD")
		}},
		"current_time": {min: 0, max: 0, volatile: true, call: func([]any) any {
			return momentFormat(time.Now().UTC(), "HH:mm:ss.SSS")
		}},
		"get_server_time": {min: 0, max: 0, volatile: true, call: func([]any) any {
			return momentFormat(time.Now(), isoFormat)
		}},
		"date":        {min: 0, max: 1, volatile: true, call: fnDate},
		"date_add":    {min: 3, max: 3, strict: true, call: func(a []any) any { return dateShift(a, 1) }},
		"date_sub":    {min: 3, max: 3, strict: true, call: func(a []any) any { return dateShift(a, -1) }},
		"date_diff":   {min: 2, max: 3, strict: true, call: fnDateDiff},
		"datediff":    {min: 2, max: 3, strict: true, call: fnDateDiff},
		"date_format": {min: 2, max: 2, strict: true, call: fnDateFormat},
		"extract":     {min: 2, max: 2, strict: true, call: fnExtract},
		"offset_utc":  {min: 2, max: 2, strict: true, call: fnOffsetUTC},
	} {
		scalarFuncs[name] = f
	}
}

func fnNowMillis([]any) any { return float64(time.Now().UnixMilli()) }

// toTime reads a date argument: a number is Unix milliseconds, a string
// one of the ISO 8601 forms moment reads (a number written as a string is
// milliseconds too).
func toTime(v any) (time.Time, bool) {
	k, f := classify(v)
	switch k {
	case kindNumber:
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return time.Time{}, false
		}
		return time.UnixMilli(int64(f)).UTC(), true
	case kindString:
		s := strings.TrimSpace(v.(string))
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return time.UnixMilli(n).UTC(), true
		}
		for _, layout := range dateLayouts {
			if t, err := time.Parse(layout, s); err == nil {
				return t, true
			}
		}
	}
	return time.Time{}, false
}

// dateLayouts are the string dates toTime reads; one without a zone is UTC.
var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02",
	"2006-01",
	"2006",
	time.RFC1123Z,
	time.RFC1123,
}

// fnDate is DATE([date]): the date (or now) in UTC as YYYY-MM-DDTHH:mm:ss.SSSZZ.
func fnDate(a []any) any {
	t := time.Now().UTC()
	if len(a) == 1 {
		if a[0] == nil {
			return nil
		}
		var ok bool
		if t, ok = toTime(a[0]); !ok {
			return invalidDate
		}
	}
	return momentFormat(t.UTC(), isoFormat)
}

// dateUnit is an interval of DATE_ADD, DATE_SUB and DATE_DIFF.
type dateUnit uint8

const (
	unitNone dateUnit = iota
	unitYear
	unitQuarter
	unitMonth
	unitWeek
	unitDay
	unitHour
	unitMinute
	unitSecond
	unitMilli
)

// dateUnitOf reads an interval as moment does: a key (years, months...),
// its singular, or its shorthand (y, Q, M, w, d, h, m, s, ms; case matters
// for M and m).
func dateUnitOf(v any) dateUnit {
	s := jsString(v)
	switch s {
	case "y":
		return unitYear
	case "Q":
		return unitQuarter
	case "M":
		return unitMonth
	case "w":
		return unitWeek
	case "d":
		return unitDay
	case "h":
		return unitHour
	case "m":
		return unitMinute
	case "s":
		return unitSecond
	case "ms":
		return unitMilli
	}
	switch strings.TrimSuffix(strings.ToLower(s), "s") {
	case "year":
		return unitYear
	case "quarter":
		return unitQuarter
	case "month":
		return unitMonth
	case "week":
		return unitWeek
	case "day":
		return unitDay
	case "hour":
		return unitHour
	case "minute":
		return unitMinute
	case "second":
		return unitSecond
	case "millisecond":
		return unitMilli
	}
	return unitNone
}

// unitMillis is the length of the fixed-length units.
var unitMillis = map[dateUnit]float64{
	unitWeek: 7 * 24 * 3600e3, unitDay: 24 * 3600e3, unitHour: 3600e3,
	unitMinute: 60e3, unitSecond: 1e3, unitMilli: 1,
}

// dateShift is DATE_ADD (dir 1) and DATE_SUB (dir -1): the date moved by
// value intervals, in milliseconds. Years, quarters and months move the
// calendar date, keeping the day within the month as moment does.
func dateShift(a []any, dir float64) any {
	t, ok := toTime(a[0])
	n, okn := toNumber(a[1])
	if !ok || !okn {
		return nil
	}
	u := dateUnitOf(a[2])
	n *= dir
	switch u {
	case unitNone:
		return float64(t.UnixMilli())
	case unitYear, unitQuarter, unitMonth:
		months := int(math.Round(n))
		switch u {
		case unitYear:
			months *= 12
		case unitQuarter:
			months *= 3
		}
		return float64(addMonths(t, months).UnixMilli())
	}
	return float64(t.UnixMilli()) + math.Round(n*unitMillis[u])
}

// addMonths moves t by months, clamping the day to the target month's
// last day (Jan 31 + 1 month is Feb 29 or 28).
func addMonths(t time.Time, months int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(months), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d, last)-1)
}

// fnDateDiff is DATE_DIFF(date1, date2[, interval]): date1 - date2 in the
// interval, with its fraction (HarperDB calls moment's diff with precise
// set), or in whole milliseconds without one.
func fnDateDiff(a []any) any {
	t1, ok1 := toTime(a[0])
	t2, ok2 := toTime(a[1])
	if !ok1 || !ok2 {
		return nil
	}
	ms := float64(t1.UnixMilli() - t2.UnixMilli())
	u := unitMilli
	if len(a) == 3 {
		if u = dateUnitOf(a[2]); u == unitNone {
			u = unitMilli
		}
	}
	switch u {
	case unitYear, unitQuarter, unitMonth:
		months := monthDiff(t1, t2)
		switch u {
		case unitYear:
			months /= 12
		case unitQuarter:
			months /= 3
		}
		return months
	}
	return ms / unitMillis[u]
}

// monthDiff is moment's fractional month difference a - b.
func monthDiff(a, b time.Time) float64 {
	if a.Before(b) {
		return -monthDiff(b, a)
	}
	whole := (a.Year()-b.Year())*12 + int(a.Month()-b.Month())
	anchor := addMonths(b, whole)
	var anchor2 time.Time
	var adjust float64
	if a.Sub(anchor) < 0 {
		anchor2 = addMonths(b, whole-1)
		adjust = float64(a.Sub(anchor)) / float64(anchor.Sub(anchor2))
	} else {
		anchor2 = addMonths(b, whole+1)
		adjust = float64(a.Sub(anchor)) / float64(anchor2.Sub(anchor))
	}
	return float64(whole) + adjust
}

// fnDateFormat is DATE_FORMAT(date, format) with moment's format tokens,
// in UTC.
func fnDateFormat(a []any) any {
	t, ok := toTime(a[0])
	if !ok {
		return invalidDate
	}
	return momentFormat(t.UTC(), jsString(a[1]))
}

// fnExtract is EXTRACT(date, part): the part, in UTC, as HarperDB formats
// it with moment: "2020", "03", "26", "09", "007" for year, month, day,
// hour, minute, second and millisecond; NULL for any other part
// (HarperDB's switch knows these seven names only, in any case).
func fnExtract(a []any) any {
	t, ok := toTime(a[0])
	if !ok {
		return nil
	}
	t = t.UTC()
	switch strings.ToLower(jsString(a[1])) {
	case "year":
		return fmt.Sprintf("%04d", t.Year())
	case "month":
		return fmt.Sprintf("%02d", int(t.Month()))
	case "day":
		return fmt.Sprintf("%02d", t.Day())
	case "hour":
		return fmt.Sprintf("%02d", t.Hour())
	case "minute":
		return fmt.Sprintf("%02d", t.Minute())
	case "second":
		return fmt.Sprintf("%02d", t.Second())
	case "millisecond":
		return fmt.Sprintf("%03d", t.Nanosecond()/1e6)
	}
	return nil
}

// fnOffsetUTC is OFFSET_UTC(date, offset): the date in the zone offset
// from UTC, as YYYY-MM-DDTHH:mm:ss.SSSZZ. An offset between -16 and 16
// counts hours, any other minutes.
func fnOffsetUTC(a []any) any {
	t, ok := toTime(a[0])
	off, okn := toNumber(a[1])
	if !ok || !okn {
		return invalidDate
	}
	minutes := off
	if off > -16 && off < 16 {
		minutes = off * 60
	}
	zone := time.FixedZone("", int(minutes*60))
	return momentFormat(t.In(zone), isoFormat)
}

// momentTokens are moment's format tokens, longest first so that "YYYY"
// wins over "YY".
var momentTokens = []string{
	"YYYY", "MMMM", "dddd", "DDDD", "SSS", "MMM", "ddd", "DDD", "Do",
	"YY", "MM", "DD", "dd", "HH", "hh", "mm", "ss", "SS", "ZZ", "Qo",
	"Y", "M", "D", "d", "H", "h", "m", "s", "S", "A", "a", "Z", "X", "x", "Q", "E", "e",
}

// momentFormat formats t with moment's tokens; text in [brackets] is kept
// as written, other characters too.
func momentFormat(t time.Time, format string) string {
	var b strings.Builder
	for i := 0; i < len(format); {
		if format[i] == '[' {
			if j := strings.IndexByte(format[i:], ']'); j > 0 {
				b.WriteString(format[i+1 : i+j])
				i += j + 1
				continue
			}
		}
		tok := ""
		for _, k := range momentTokens {
			if strings.HasPrefix(format[i:], k) {
				tok = k
				break
			}
		}
		if tok == "" {
			b.WriteByte(format[i])
			i++
			continue
		}
		b.WriteString(momentToken(t, tok))
		i += len(tok)
	}
	return b.String()
}

func momentToken(t time.Time, tok string) string {
	pad := func(n, w int) string {
		s := strconv.Itoa(n)
		for len(s) < w {
			s = "0" + s
		}
		return s
	}
	h12 := t.Hour() % 12
	if h12 == 0 {
		h12 = 12
	}
	switch tok {
	case "YYYY":
		return pad(t.Year(), 4)
	case "YY":
		return pad(t.Year()%100, 2)
	case "Y":
		return strconv.Itoa(t.Year())
	case "MMMM":
		return t.Month().String()
	case "MMM":
		return t.Month().String()[:3]
	case "MM":
		return pad(int(t.Month()), 2)
	case "M":
		return strconv.Itoa(int(t.Month()))
	case "DDDD":
		return pad(t.YearDay(), 3)
	case "DDD":
		return strconv.Itoa(t.YearDay())
	case "DD":
		return pad(t.Day(), 2)
	case "D":
		return strconv.Itoa(t.Day())
	case "Do":
		return ordinal(t.Day())
	case "dddd":
		return t.Weekday().String()
	case "ddd":
		return t.Weekday().String()[:3]
	case "dd":
		return t.Weekday().String()[:2]
	case "d", "e":
		return strconv.Itoa(int(t.Weekday()))
	case "E":
		return strconv.Itoa((int(t.Weekday())+6)%7 + 1)
	case "HH":
		return pad(t.Hour(), 2)
	case "H":
		return strconv.Itoa(t.Hour())
	case "hh":
		return pad(h12, 2)
	case "h":
		return strconv.Itoa(h12)
	case "mm":
		return pad(t.Minute(), 2)
	case "m":
		return strconv.Itoa(t.Minute())
	case "ss":
		return pad(t.Second(), 2)
	case "s":
		return strconv.Itoa(t.Second())
	case "SSS":
		return pad(t.Nanosecond()/1e6, 3)
	case "SS":
		return pad(t.Nanosecond()/1e7, 2)
	case "S":
		return strconv.Itoa(t.Nanosecond() / 1e8)
	case "A":
		if t.Hour() < 12 {
			return "AM"
		}
		return "PM"
	case "a":
		if t.Hour() < 12 {
			return "am"
		}
		return "pm"
	case "Z", "ZZ":
		_, off := t.Zone()
		sign := "+"
		if off < 0 {
			sign, off = "-", -off
		}
		sep := ""
		if tok == "Z" {
			sep = ":"
		}
		return sign + pad(off/3600, 2) + sep + pad(off%3600/60, 2)
	case "X":
		return strconv.FormatInt(t.Unix(), 10)
	case "x":
		return strconv.FormatInt(t.UnixMilli(), 10)
	case "Q":
		return strconv.Itoa((int(t.Month())-1)/3 + 1)
	case "Qo":
		return ordinal((int(t.Month())-1)/3 + 1)
	}
	return tok
}

// ordinal writes n with its English suffix: 1st, 2nd, 3rd, 4th, 11th.
func ordinal(n int) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return strconv.Itoa(n) + suffix
}
