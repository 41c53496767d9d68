package fastjson

import "unicode/utf8"

// hexDigits spell \u escapes.
const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string, escaped as encoding/json does
// with HTML escaping off (HarperDB leaves <, > and & alone): quote and
// backslash escaped, \b \f \n \r \t short, other control characters as
// \u00XX, invalid UTF-8 replaced by the escape \ufffd, U+2028 and U+2029
// escaped (JavaScript would end a line there).
func AppendString(dst []byte, s string) []byte { return appendQuoted(dst, s, true) }

// AppendStringJS appends s as a JSON string the way JavaScript's
// JSON.stringify writes it: as AppendString, except that invalid UTF-8
// becomes a raw U+FFFD (not its escape) and U+2028 and U+2029 are left
// raw. The records family writes an export file's top-level strings so,
// as HarperDB does.
func AppendStringJS(dst []byte, s string) []byte { return appendQuoted(dst, s, false) }

// appendQuoted is AppendString, or AppendStringJS when goStyle is unset.
func appendQuoted(dst []byte, s string, goStyle bool) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= ' ' && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			if goStyle {
				dst = append(dst, `\ufffd`...)
			} else {
				dst = append(dst, "\ufffd"...)
			}
		case goStyle && (r == '\u2028' || r == '\u2029'):
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
