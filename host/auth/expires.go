package auth

import (
	"bytes"
	"encoding/json"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hops-dev/hops/sdk"
)

// maxTokenLifetime bounds expires_in: ten years is beyond any sensible
// session and far from time.Duration's overflow (~292 years).
const maxTokenLifetime = 10 * 365 * 24 * time.Hour

// durationPattern is a number and an optional unit, as HarperDB's "1d",
// "30m" or "2 hours".
var durationPattern = regexp.MustCompile(`^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$`)

// durationUnits are the units expires_in accepts (those of the ms library
// HarperDB uses). A number without a unit means seconds, as a JSON number
// does.
var durationUnits = map[string]time.Duration{
	"": time.Second, "ms": time.Millisecond, "msec": time.Millisecond, "msecs": time.Millisecond,
	"millisecond": time.Millisecond, "milliseconds": time.Millisecond,
	"s": time.Second, "sec": time.Second, "secs": time.Second, "second": time.Second, "seconds": time.Second,
	"m": time.Minute, "min": time.Minute, "mins": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"h": time.Hour, "hr": time.Hour, "hrs": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
	"w": 7 * 24 * time.Hour, "week": 7 * 24 * time.Hour, "weeks": 7 * 24 * time.Hour,
	"y": 8766 * time.Hour, "yr": 8766 * time.Hour, "yrs": 8766 * time.Hour, "year": 8766 * time.Hour, "years": 8766 * time.Hour,
}

// parseExpiresIn reads expires_in: a JSON number of seconds or a duration
// string. It answers 400 for anything else, zero, or more than
// maxTokenLifetime.
func parseExpiresIn(raw json.RawMessage) (time.Duration, error) {
	raw = bytes.TrimSpace(raw)
	var seconds float64
	switch {
	case len(raw) > 0 && raw[0] == '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, sdk.BadRequest(msgExpiresInType)
		}
		m := durationPattern.FindStringSubmatch(s)
		if m == nil {
			return 0, sdk.BadRequest(msgExpiresInFormat)
		}
		unit, ok := durationUnits[strings.ToLower(m[2])]
		if !ok {
			return 0, sdk.BadRequest(msgExpiresInFormat)
		}
		n, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			return 0, sdk.BadRequest(msgExpiresInFormat)
		}
		seconds = n * unit.Seconds()
	case json.Unmarshal(raw, &seconds) == nil:
	default:
		return 0, sdk.BadRequest(msgExpiresInType)
	}
	if math.IsNaN(seconds) || seconds <= 0 || seconds > maxTokenLifetime.Seconds() {
		return 0, sdk.BadRequest(msgExpiresInFormat)
	}
	d := time.Duration(seconds * float64(time.Second))
	if d < time.Second {
		return 0, sdk.BadRequest(msgExpiresInFormat) // JWT times are whole seconds
	}
	return d, nil
}
