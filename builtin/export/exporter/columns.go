package exporter

import (
	"cmp"
	"slices"
	"unicode/utf8"
)

// Columns is the column order of an export whose search asked for every
// attribute ("*"): the primary key first, then every other attribute
// (__createdtime__ and __updatedtime__ included) sorted the way JavaScript
// sorts strings, by UTF-16 code unit, as HarperDB does. Duplicates and
// empty names are dropped; an empty primaryKey means "sorted only".
// For an explicit column list (get_attributes, SQL select list) pass that
// list to the encoder as it is instead.
func Columns(primaryKey string, attributes []string) []string {
	out := make([]string, 0, len(attributes)+1)
	for _, a := range attributes {
		if a != "" && a != primaryKey {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, compareUTF16)
	out = slices.Compact(out)
	if primaryKey != "" {
		out = slices.Insert(out, 0, primaryKey)
	}
	return out
}

// surrogateBase is where a supplementary-plane rune's UTF-16 high
// surrogate starts; such runes sort below U+E000..U+FFFF in UTF-16 order
// although their UTF-8 bytes sort above.
const surrogateBase = 0xD800

// compareUTF16 orders a and b by their UTF-16 code units (JavaScript's
// default sort). Go compares UTF-8 bytes, which agrees except that runes
// above U+FFFF (high surrogates 0xD800..0xDBFF) come before U+E000..U+FFFF.
func compareUTF16(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			ua, ub := firstUnit(ra), firstUnit(rb)
			if ua != ub {
				return cmp.Compare(ua, ub)
			}
			// Same high surrogate: the low surrogates order as the runes do.
			return cmp.Compare(int(ra), int(rb))
		}
		a, b = a[na:], b[nb:]
	}
	return cmp.Compare(len(a), len(b))
}

// firstUnit is the first UTF-16 code unit of r.
func firstUnit(r rune) int {
	if r > 0xFFFF {
		return surrogateBase + int((r-0x10000)>>10)
	}
	return int(r)
}
