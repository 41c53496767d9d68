package fastjson

// Members walks the members of one compact JSON object text without
// decoding it (see members for what it accepts): a caller that copies an
// object's text whole, and only needs its keys and a few values, uses it
// instead of decoding.
type Members = members

// NewMembers starts a walk of the object text b.
func NewMembers(b []byte) Members { return newMembers(b) }

// Elements cuts a JSON array text into its elements' texts by structure
// alone (strings, and brackets outside them), without checking them: the
// caller reads each element and checks what it reads. ok=false when text
// is not one array (whitespace around elements is kept with them).
func Elements(text []byte) (elems [][]byte, ok bool) {
	if len(text) < 2 || text[0] != '[' || text[len(text)-1] != ']' {
		return nil, false
	}
	body := text[1 : len(text)-1]
	if len(body) == 0 {
		return nil, true
	}
	depth, start := 0, 0
	for i := 0; i < len(body); i++ {
		switch body[i] {
		case '"':
			for i++; i < len(body) && body[i] != '"'; i++ {
				if body[i] == '\\' {
					i++
				}
			}
			if i >= len(body) {
				return nil, false
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth < 0 {
				return nil, false
			}
		case ',':
			if depth == 0 {
				if i == start {
					return nil, false
				}
				elems = append(elems, body[start:i])
				start = i + 1
			}
		}
	}
	if depth != 0 || start >= len(body) {
		return nil, false
	}
	return append(elems, body[start:]), true
}
