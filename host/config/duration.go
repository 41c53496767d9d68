package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// day is the length of the "d" unit: a fixed 24 hours, as HarperDB's
// "1d"/"30d" token lifetimes mean.
const day = 24 * time.Hour

// durationUnits are the units ParseDuration accepts (lower case).
var durationUnits = map[string]time.Duration{
	"ns": time.Nanosecond, "us": time.Microsecond, "µs": time.Microsecond,
	"ms": time.Millisecond, "s": time.Second, "m": time.Minute,
	"h": time.Hour, "d": day,
}

// ErrBadDuration is returned by ParseDuration for text it cannot read.
var ErrBadDuration = errors.New("invalid duration")

// ParseDuration reads a configuration duration: a whole number is
// milliseconds ("30000"); otherwise one or more number+unit pairs such as
// "500ms", "30s", "1h30m", "1.5h", "1d" or "30d", units ns, us, µs, ms, s, m,
// h and d (24 h), in any case ("1D" is a day, "10M" ten minutes). Negative
// durations are refused.
func ParseDuration(s string) (time.Duration, error) {
	text := strings.ToLower(strings.TrimSpace(s))
	if text == "" {
		return 0, fmt.Errorf("%w: empty", ErrBadDuration)
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil && n >= 0 {
		return msToDuration(float64(n))
	}
	var total float64
	for text != "" {
		num := leading(text, isNumberByte)
		unit := leading(text[len(num):], func(r byte) bool { return !isNumberByte(r) })
		per, known := durationUnits[unit]
		n, err := strconv.ParseFloat(num, 64)
		if num == "" || err != nil || !known {
			return 0, fmt.Errorf("%w: %q", ErrBadDuration, s)
		}
		total += n * float64(per)
		text = text[len(num)+len(unit):]
	}
	if total > math.MaxInt64 {
		return 0, fmt.Errorf("%w: %q is too long", ErrBadDuration, s)
	}
	return time.Duration(total), nil
}

func isNumberByte(r byte) bool { return r >= '0' && r <= '9' || r == '.' }

// leading returns the longest prefix of s whose bytes satisfy ok.
func leading(s string, ok func(byte) bool) string {
	i := 0
	for i < len(s) && ok(s[i]) {
		i++
	}
	return s[:i]
}

func msToDuration(ms float64) (time.Duration, error) {
	d := ms * float64(time.Millisecond)
	if d > math.MaxInt64 || d < 0 {
		return 0, fmt.Errorf("%w: %v ms is out of range", ErrBadDuration, ms)
	}
	return time.Duration(d), nil
}

// durationOf reads a stored duration value: a number of milliseconds or a
// duration string.
func durationOf(v any) (time.Duration, error) {
	if f, ok := toFloat(v); ok {
		return msToDuration(f)
	}
	if s, ok := v.(string); ok {
		return ParseDuration(s)
	}
	return 0, fmt.Errorf("%w: %v", ErrBadDuration, v)
}

// Duration is a time.Duration that decodes from the configuration's duration
// forms (milliseconds as a number, or a string ParseDuration reads). Use it
// for duration fields of structs filled by (*Config).Unmarshal.
type Duration time.Duration

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// UnmarshalJSON reads milliseconds, a duration string, or null (zero).
func (d *Duration) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	if v == nil {
		*d = 0
		return nil
	}
	parsed, err := durationOf(v)
	if err != nil {
		return err
	}
	*d = Duration(parsed)
	return nil
}

// MarshalJSON writes d as a Go duration string ("1m30s"), which
// ParseDuration reads back.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}
