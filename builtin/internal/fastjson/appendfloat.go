package fastjson

import (
	"math"
	"strconv"
)

// Float formatting bounds of encoding/json (and of ECMAScript's
// Number::toString): plain decimal notation for 1e-6 <= |f| < 1e21,
// exponent notation outside.
const (
	minPlainFloat = 1e-6
	maxPlainFloat = 1e21
)

// AppendFloat appends a finite f as encoding/json writes a float64 (which
// is also how JavaScript prints a number). NaN and ±Inf, which JSON cannot
// hold, are the caller's to handle: they are appended as Go spells them.
func AppendFloat(dst []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < minPlainFloat || abs >= maxPlainFloat) {
		format = 'e'
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// Go writes e-07 where encoding/json (and JavaScript) write e-7.
		n := len(dst)
		if n-start >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}
