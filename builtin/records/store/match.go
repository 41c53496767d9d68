package store

import (
	"cmp"
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// number returns v as a float64 when v is a number of any Go or JSON kind.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case uint:
		return float64(x), true
	case uint64:
		return float64(x), true
	case uint32:
		return float64(x), true
	}
	return 0, false
}

// equalValues is the equality of searches: numbers compare numerically,
// strings and booleans exactly, null equals null, arrays and objects by
// their JSON text; values of different kinds are never equal.
func equalValues(a, b any) bool {
	if fa, ok := number(a); ok {
		fb, ok := number(b)
		return ok && fa == fb
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	}
	if _, ok := number(b); ok || b == nil {
		return false
	}
	return jsonText(a) == jsonText(b)
}

// compareSameKind orders two numbers or two strings; ok is false for any
// other pair, which range searches treat as "no match".
func compareSameKind(a, b any) (c int, ok bool) {
	if fa, ok := number(a); ok {
		fb, ok := number(b)
		return cmp.Compare(fa, fb), ok
	}
	sa, ok := a.(string)
	if !ok {
		return 0, false
	}
	sb, ok := b.(string)
	return strings.Compare(sa, sb), ok
}

// Kinds in the order sorting puts them: missing or null first, then
// booleans, numbers, strings, and arrays and objects last.
const (
	rankNull = iota
	rankBool
	rankNumber
	rankString
	rankOther
)

// rank is the kind of v for sorting.
func rank(v any) int {
	switch v.(type) {
	case nil:
		return rankNull
	case bool:
		return rankBool
	case string:
		return rankString
	}
	if _, ok := number(v); ok {
		return rankNumber
	}
	return rankOther
}

// compareAny is the total order used by sort: by kind, then by value
// (false < true, numbers numerically, strings bytewise, others by JSON text).
func compareAny(a, b any) int {
	if fa, ok := number(a); ok {
		if fb, ok := number(b); ok {
			return cmp.Compare(fa, fb)
		}
	}
	ra, rb := rank(a), rank(b)
	if ra != rb {
		return cmp.Compare(ra, rb)
	}
	switch ra {
	case rankNull:
		return 0
	case rankBool:
		x, y := a.(bool), b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case rankNumber, rankString:
		c, _ := compareSameKind(a, b)
		return c
	}
	return strings.Compare(jsonText(a), jsonText(b))
}

// jsText is a scalar as JavaScript's toString writes it (numbers without a
// needless fraction, booleans as true/false); ok is false for null, arrays
// and objects.
func jsText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	}
	f, ok := number(v)
	if !ok {
		return "", false
	}
	if a := math.Abs(f); a != 0 && (a >= 1e21 || a < 1e-6) {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		s = strings.Replace(s, "e+0", "e+", 1)
		return strings.Replace(s, "e-0", "e-", 1), true
	}
	return strconv.FormatFloat(f, 'f', -1, 64), true
}
