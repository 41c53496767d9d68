package sqlq

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// kind is the class of a record value, in the order ORDER BY sorts the
// classes: NULL (or a missing attribute) first, then booleans, numbers,
// strings, and last objects and arrays.
type kind uint8

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindOther
)

// classify returns v's kind and, for numbers, its value as a float64.
// Records decoded from JSON hold numbers as float64 or json.Number; Go
// callers may hand in any integer type, and each counts as a number.
func classify(v any) (kind, float64) {
	switch x := v.(type) {
	case nil:
		return kindNull, 0
	case bool:
		return kindBool, 0
	case string:
		return kindString, 0
	case float64:
		return kindNumber, x
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil && !isRangeErr(err) {
			return kindOther, 0
		}
		return kindNumber, f
	case int:
		return kindNumber, float64(x)
	case int64:
		return kindNumber, float64(x)
	case int32:
		return kindNumber, float64(x)
	case uint:
		return kindNumber, float64(x)
	case uint64:
		return kindNumber, float64(x)
	case uint32:
		return kindNumber, float64(x)
	case float32:
		return kindNumber, float64(x)
	}
	return kindOther, 0
}

// isRangeErr reports whether a ParseFloat error only says the number is
// out of range: ParseFloat then returns ±Inf, which still orders right.
func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// compareValues compares a and b for WHERE. ok is false when SQL has no
// answer: either side is NULL, the sides are of different kinds (a number
// never equals or orders against a string that does not hold a number),
// or they are objects/arrays. A string holding a number compares as that
// number with a number, and "true"/"false" as that boolean with a boolean,
// as HarperDB compares a quoted value with a stored one.
func compareValues(a, b any) (c int, ok bool) {
	ka, fa := classify(a)
	kb, fb := classify(b)
	if ka != kb {
		a, b, ka, kb, fa, fb = coerceQuoted(a, b, ka, kb, fa, fb)
	}
	if ka != kb || ka == kindNull || ka == kindOther {
		return 0, false
	}
	switch ka {
	case kindBool:
		return compareBools(a.(bool), b.(bool)), true
	case kindNumber:
		return compareFloats(fa, fb), true
	default:
		return compareStrings(a.(string), b.(string)), true
	}
}

// orderValues is the total order ORDER BY, MIN and MAX use: first by kind
// (NULL < bool < number < string < object/array), then within the kind.
// Objects and arrays compare by their JSON text, which is at least stable.
func orderValues(a, b any) int {
	ka, fa := classify(a)
	kb, fb := classify(b)
	if ka != kb {
		if ka < kb {
			return -1
		}
		return 1
	}
	switch ka {
	case kindNull:
		return 0
	case kindBool:
		return compareBools(a.(bool), b.(bool))
	case kindNumber:
		return compareFloats(fa, fb)
	case kindString:
		return compareStrings(a.(string), b.(string))
	}
	return strings.Compare(jsonText(a), jsonText(b))
}

func compareBools(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

func compareFloats(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compareStrings orders strings by UTF-16 code unit, as JavaScript (and so
// HarperDB) does. It differs from Go's byte order only where a character
// above U+FFFF meets one in U+E000..U+FFFF.
func compareStrings(a, b string) int {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	if i == n {
		return compareInts(len(a), len(b))
	}
	if a[i] < utf8.RuneSelf && b[i] < utf8.RuneSelf {
		return compareInts(int(a[i]), int(b[i]))
	}
	for i > 0 && !utf8.RuneStart(a[i]) {
		i-- // both share the prefix, so this is a rune start in b too
	}
	ra, _ := utf8.DecodeRuneInString(a[i:])
	rb, _ := utf8.DecodeRuneInString(b[i:])
	if ra == utf8.RuneError || rb == utf8.RuneError {
		return strings.Compare(a[i:], b[i:])
	}
	if ua, ub := firstUTF16Unit(ra), firstUTF16Unit(rb); ua != ub {
		return compareInts(ua, ub)
	}
	// The same high surrogate: the low surrogates order as the runes do.
	return compareInts(int(ra), int(rb))
}

// CompareNames orders attribute names by UTF-16 code unit, as JavaScript
// (and so HarperDB) sorts them: the order of every "*" column list
// (Statement.Columns, and the records family's get_attributes ["*"]).
func CompareNames(a, b string) int { return compareStrings(a, b) }

// firstUTF16Unit returns the first UTF-16 code unit of r: r itself in the
// Basic Multilingual Plane, else its high surrogate.
func firstUTF16Unit(r rune) int {
	const (
		surrogateBase = 0x10000 // first rune that needs a surrogate pair
		highSurrogate = 0xD800  // first high surrogate code unit
		surrogateBits = 10      // bits of r-surrogateBase in the low surrogate
	)
	if r < surrogateBase {
		return int(r)
	}
	return highSurrogate + int((r-surrogateBase)>>surrogateBits)
}

func compareInts(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// jsonText returns v as JSON, or "" if it cannot be encoded.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// likeText returns the text LIKE matches v against: strings as they are,
// numbers and booleans as written in JSON. ok is false for NULL (LIKE is
// then unknown) and for objects and arrays (never a match).
func likeText(v any) (text string, ok bool) {
	k, f := classify(v)
	switch k {
	case kindString:
		return v.(string), true
	case kindNumber:
		if n, isNum := v.(json.Number); isNum {
			return string(n), true
		}
		return strconv.FormatFloat(f, 'f', -1, 64), true
	case kindBool:
		return strconv.FormatBool(v.(bool)), true
	}
	return "", false
}

// appendKey appends a canonical encoding of v to buf: two values get the
// same encoding exactly when they are the same SQL value (1 and 1.0 are;
// 1 and "1" are not). GROUP BY, DISTINCT and key lists use it.
func appendKey(buf []byte, v any) []byte {
	k, f := classify(v)
	buf = append(buf, byte('0'+k))
	switch k {
	case kindBool:
		buf = strconv.AppendBool(buf, v.(bool))
	case kindNumber:
		if f == 0 {
			f = 0 // -0 and 0 are the same number
		}
		buf = strconv.AppendFloat(buf, f, 'g', -1, 64)
	case kindString:
		buf = strconv.AppendInt(buf, int64(len(v.(string))), 10)
		buf = append(buf, ':')
		buf = append(buf, v.(string)...)
	case kindOther:
		t := jsonText(v)
		buf = strconv.AppendInt(buf, int64(len(t)), 10)
		buf = append(buf, ':')
		buf = append(buf, t...)
	}
	return append(buf, ';')
}

// coerceQuoted turns a string that holds a number (or true/false) into
// that number (or boolean) when the other side is one, and returns the
// pair with their kinds; other pairs come back as they were.
func coerceQuoted(a, b any, ka, kb kind, fa, fb float64) (any, any, kind, kind, float64, float64) {
	switch {
	case ka == kindString && kb == kindNumber:
		if f, ok := numericString(a.(string)); ok {
			return f, b, kindNumber, kb, f, fb
		}
	case ka == kindNumber && kb == kindString:
		if f, ok := numericString(b.(string)); ok {
			return a, f, ka, kindNumber, fa, f
		}
	case ka == kindString && kb == kindBool:
		if v, ok := quotedBool(a.(string)); ok {
			return v, b, kindBool, kb, fa, fb
		}
	case ka == kindBool && kb == kindString:
		if v, ok := quotedBool(b.(string)); ok {
			return a, v, ka, kindBool, fa, fb
		}
	}
	return a, b, ka, kb, fa, fb
}

// quotedBool reads "true" or "false".
func quotedBool(s string) (bool, bool) {
	switch s {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}
