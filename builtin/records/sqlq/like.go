package sqlq

import (
	"unicode"
	"unicode/utf8"
)

// defaultLikeEscape is MySQL's escape character for LIKE patterns when no
// ESCAPE clause is given. Note that the parser already turns \% in a string
// literal into %, so a pattern escapes a wildcard with '\\%' or ESCAPE.
const defaultLikeEscape = '\\'

// likeElem is one element of a compiled LIKE pattern.
type likeElem struct {
	kind likeKind
	r    rune // the character, for likeChar
}

type likeKind uint8

const (
	likeChar likeKind = iota // one given character (case-insensitive)
	likeOne                  // _ : exactly one character
	likeMany                 // % : any run of characters, even none
)

// likePattern is a compiled LIKE pattern. Matching is case-insensitive, as
// in HarperDB (alasql upper-cases both sides) and MySQL's default
// collation, and counts characters, not bytes.
type likePattern []likeElem

// compileLike compiles pattern; escape makes the next character literal.
func compileLike(pattern string, escape rune) likePattern {
	p := make(likePattern, 0, len(pattern))
	for i := 0; i < len(pattern); {
		r, size := utf8.DecodeRuneInString(pattern[i:])
		i += size
		switch {
		case r == escape && i < len(pattern):
			r, size = utf8.DecodeRuneInString(pattern[i:])
			i += size
			p = append(p, likeElem{kind: likeChar, r: r})
		case r == '%':
			if len(p) == 0 || p[len(p)-1].kind != likeMany {
				p = append(p, likeElem{kind: likeMany})
			}
		case r == '_':
			p = append(p, likeElem{kind: likeOne})
		default:
			p = append(p, likeElem{kind: likeChar, r: r})
		}
	}
	return p
}

// match reports whether s matches the whole pattern. It backtracks only
// to the last %, so it runs in O(len(s) * len(p)) at worst.
func (p likePattern) match(s string) bool {
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		r, size := utf8.DecodeRuneInString(s[si:])
		switch {
		case pi < len(p) && p[pi].kind == likeMany:
			starP, starS = pi, si
			pi++
		case pi < len(p) && (p[pi].kind == likeOne || foldEqual(p[pi].r, r)):
			pi++
			si += size
		case starP >= 0:
			_, skip := utf8.DecodeRuneInString(s[starS:])
			starS += skip
			pi, si = starP+1, starS
		default:
			return false
		}
	}
	for pi < len(p) && p[pi].kind == likeMany {
		pi++
	}
	return pi == len(p)
}

// foldEqual reports whether a and b are the same letter ignoring case.
func foldEqual(a, b rune) bool {
	return a == b || unicode.ToUpper(a) == unicode.ToUpper(b) || unicode.ToLower(a) == unicode.ToLower(b)
}
