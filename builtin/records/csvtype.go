package records

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// The values of a loaded CSV are typed as HarperDB 4.7.29 types them: its
// autoCast, applied to every cell (papaparse with dynamicTyping off), and
// for file loads (csv_file_load, csv_url_load, import_from_s3) its
// autoCastJSON afterwards. Verified cell by cell against a running
// HarperDB (docs/compatibility.md keeps the table):
//   - "" stays "" (an empty cell is an empty string, not null);
//   - true, TRUE -> true; false, FALSE -> false; null, NULL, undefined,
//     NaN -> null (True, Null, yes stay strings);
//   - a number as JavaScript's Number() reads it, when HarperDB's check
//     lets it be one: no e or E anywhere unless it starts with "0.", no
//     leading zero unless it is "0" or starts with "0." ("007" stays a
//     string), finite; surrounding white space is allowed (" 5" is 5);
//   - an ISO 8601 date-time with a zone (2024-01-02T03:04:05Z, +02:00,
//     optional seconds and fraction) becomes JavaScript's Date, stored as
//     its toISOString form ("2024-01-02T03:04:05.000Z"), or null when
//     JavaScript finds no such date (month 13);
//   - anything else stays the cell's text.
// File loads then parse a cell that starts with { and ends with }, or
// starts with [ and ends with ], as JSON when it is valid JSON.

// castWords are the cells autoCast maps to a fixed value.
var castWords = map[string]any{
	"true": true, "TRUE": true, "false": false, "FALSE": false,
	"null": nil, "NULL": nil, "undefined": nil, "NaN": nil,
}

// castCell types one CSV cell; jsonCells also parses JSON-looking cells
// (the file loads).
func castCell(s string, jsonCells bool) any {
	if s == "" {
		return s
	}
	if v, ok := castWords[s]; ok {
		return v
	}
	if n, ok := castNumber(s); ok {
		return n
	}
	if d, ok := castDate(s); ok {
		return d
	}
	if jsonCells {
		return castJSON(s)
	}
	return s
}

// castJSON is HarperDB's autoCastJSON: s parsed as JSON when it looks like
// an object or an array and is valid JSON, else s.
func castJSON(s string) any {
	if len(s) < 2 || !(s[0] == '{' && s[len(s)-1] == '}' || s[0] == '[' && s[len(s)-1] == ']') {
		return s
	}
	var v any
	if err := decodeNumbers(json.RawMessage(s), &v); err != nil {
		return s
	}
	return v
}

// castJSONDeep is HarperDB's autoCastJSONDeep over a decoded JSON value:
// every string inside objects and arrays, at any depth, that looks like
// JSON is replaced by its parse (the parse itself is not walked again).
func castJSONDeep(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = castJSONDeep(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = castJSONDeep(e)
		}
		return x
	case string:
		return castJSON(x)
	}
	return v
}

// castNumber is HarperDB's autoCasterIsNumberCheck then Number(s): the
// number as a json.Number written as JavaScript writes it.
func castNumber(s string) (json.Number, bool) {
	// A canonical decimal (the common case) is its own text.
	if canonicalDecimal(s) {
		return json.Number(s), true
	}
	trimmed := s
	if !isASCIIGraphic(s[0]) || !isASCIIGraphic(s[len(s)-1]) {
		trimmed = strings.TrimFunc(s, isJSSpace)
	}
	if trimmed == "" {
		return "", false
	}
	zeroDot := strings.HasPrefix(s, "0.")
	if !zeroDot && (s != "0" && s[0] == '0' || strings.ContainsAny(s, "eE")) {
		return "", false
	}
	f, ok := jsStringToNumber(trimmed)
	if !ok || math.IsInf(f, 0) || math.IsNaN(f) {
		return "", false
	}
	if f == 0 {
		return "0", true // JSON.stringify(-0) is "0"
	}
	return json.Number(jsNumber(f)), true
}

// maxExactDigits is how many decimal digits an integer may have to be
// written the same by JavaScript (below 2^53, which has 16 digits).
const maxExactDigits = 15

// canonicalDecimal reports whether s is a decimal JavaScript writes back
// unchanged: an optional minus, an integer part without a leading zero
// (or 0 with a fraction), an optional fraction not ending in 0, at most
// maxExactDigits digits in all, and not zero itself unless "0".
func canonicalDecimal(s string) bool {
	d := s
	if len(d) > 0 && d[0] == '-' {
		d = d[1:]
	}
	if d == "" || len(d) > maxExactDigits+1 {
		return false
	}
	digits, dot, nonZero := 0, -1, false
	for i := 0; i < len(d); i++ {
		switch c := d[i]; {
		case c >= '0' && c <= '9':
			digits++
			nonZero = nonZero || c != '0'
		case c == '.' && dot < 0:
			dot = i
		default:
			return false
		}
	}
	intPart := d
	if dot >= 0 {
		intPart = d[:dot]
		if dot == len(d)-1 || d[len(d)-1] == '0' {
			return false
		}
	}
	switch {
	case digits > maxExactDigits, intPart == "":
		return false
	case intPart[0] == '0' && len(intPart) > 1:
		return false
	case !nonZero:
		return s == "0"
	}
	return true
}

// isASCIIGraphic reports whether c is a printable ASCII byte other than
// space: a byte JavaScript's trim keeps.
func isASCIIGraphic(c byte) bool { return c > ' ' && c < 0x7f }

// isJSSpace reports whether r is white space or a line terminator to
// JavaScript's String.prototype.trim and Number().
func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xa0, 0xfeff, 0x2028, 0x2029:
		return true
	}
	return unicode.Is(unicode.Zs, r)
}

// jsStringToNumber is JavaScript's StringToNumber over a trimmed,
// non-empty string; ok is false where JavaScript gives NaN.
func jsStringToNumber(s string) (float64, bool) {
	if len(s) > 2 && s[0] == '0' {
		base := 0
		switch s[1] {
		case 'x', 'X':
			base = 16
		case 'o', 'O':
			base = 8
		case 'b', 'B':
			base = 2
		}
		if base != 0 {
			var n big.Int
			if _, ok := n.SetString(s[2:], base); !ok || strings.ContainsAny(s[2:], "_+-") {
				return 0, false
			}
			f, _ := new(big.Float).SetInt(&n).Float64()
			return f, true
		}
	}
	if !jsDecimal(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// jsDecimal reports whether s is a StrDecimalLiteral: an optional sign,
// then Infinity or digits with an optional fraction (either part may be
// empty, not both) and an optional exponent.
func jsDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	if s[i:] == "Infinity" {
		return true
	}
	digits := func() int {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - start
	}
	n := digits()
	if i < len(s) && s[i] == '.' {
		i++
		n += digits()
	}
	if n == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// castDate is HarperDB's date check (an ISO 8601 date-time with minutes,
// optional seconds and fraction, and a zone) then new Date(s): the date
// as toISOString writes it, or nil where JavaScript finds no such date.
func castDate(s string) (any, bool) {
	// YYYY-MM-DDTHH:MM then [:SS[.f+]] then Z or ±HH:MM.
	if len(s) < len("2006-01-02T15:04Z") || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' {
		return nil, false
	}
	num := func(a, b int) (int, bool) {
		n := 0
		for i := a; i < b; i++ {
			if s[i] < '0' || s[i] > '9' {
				return 0, false
			}
			n = n*10 + int(s[i]-'0')
		}
		return n, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(5, 7)
	day, ok3 := num(8, 10)
	hour, ok4 := num(11, 13)
	minute, ok5 := num(14, 16)
	if !(ok1 && ok2 && ok3 && ok4 && ok5) || s[5] > '1' || s[8] > '3' || s[11] > '2' || s[14] > '5' {
		return nil, false
	}
	rest := s[16:]
	sec, nanos, fracDigits := 0, 0, 0
	if strings.HasPrefix(rest, ":") {
		if len(rest) < 3 || rest[1] > '5' {
			return nil, false
		}
		v, ok := atoi2(rest[1:3])
		if !ok {
			return nil, false
		}
		sec, rest = v, rest[3:]
		if strings.HasPrefix(rest, ".") {
			j := 1
			for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
				if fracDigits < 3 { // JavaScript keeps milliseconds, truncated
					nanos = nanos*10 + int(rest[j]-'0')
				}
				fracDigits++
				j++
			}
			if fracDigits == 0 {
				return nil, false
			}
			for k := fracDigits; k < 3; k++ {
				nanos *= 10
			}
			nanos *= int(time.Millisecond)
			rest = rest[j:]
		}
	}
	offset := 0
	switch {
	case rest == "Z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':' && rest[1] <= '2' && rest[4] <= '5':
		oh, ok1 := atoi2(rest[1:3])
		om, ok2 := atoi2(rest[4:6])
		if !ok1 || !ok2 {
			return nil, false
		}
		if oh > 23 {
			return nil, true
		}
		offset = oh*3600 + om*60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return nil, false
	}
	// The shape is a date: from here on an impossible one is null, as
	// JavaScript's Invalid Date is.
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 ||
		hour == 24 && (minute != 0 || sec != 0 || nanos != 0) {
		return nil, true
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nanos, time.UTC).Add(-time.Duration(offset) * time.Second)
	return jsISOString(t), true
}

// atoi2 reads two decimal digits.
func atoi2(s string) (int, bool) {
	if len(s) != 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return 0, false
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), true
}

// jsISOString writes t (UTC) as JavaScript's toISOString: four-digit
// years, six digits and a sign outside 0000-9999.
func jsISOString(t time.Time) string {
	y := t.Year()
	if y < 0 || y > 9999 {
		sign := "+"
		if y < 0 {
			sign, y = "-", -y
		}
		return fmt.Sprintf("%s%06d", sign, y) + t.Format("-01-02T15:04:05.000Z")
	}
	_, mo, d := t.Date()
	h, mi, sec := t.Clock()
	ms := t.Nanosecond() / int(time.Millisecond)
	b := make([]byte, 0, len("2006-01-02T15:04:05.000Z"))
	pad := func(n, width int) {
		for w := width - 1; w >= 0; w-- {
			p := 1
			for k := 0; k < w; k++ {
				p *= 10
			}
			b = append(b, byte('0'+n/p%10))
		}
	}
	pad(y, 4)
	b = append(b, '-')
	pad(int(mo), 2)
	b = append(b, '-')
	pad(d, 2)
	b = append(b, 'T')
	pad(h, 2)
	b = append(b, ':')
	pad(mi, 2)
	b = append(b, ':')
	pad(sec, 2)
	b = append(b, '.')
	pad(ms, 3)
	b = append(b, 'Z')
	return string(b)
}
