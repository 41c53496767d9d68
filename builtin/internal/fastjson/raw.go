package fastjson

import "unicode/utf8"

// Raw pass-through. A record that travels as JSON text from the store,
// through a search answer, into an export, is mostly written out again
// exactly as it came in. Decoding it into a map and encoding the map back
// is most of the CPU those steps spend. The scanners here find the values
// that are already in canonical form, the exact bytes Encoder (and
// AppendStringJS, for strings) would write for their decoding, so a
// caller can copy those bytes and decode only the rest.
//
// Canonical means: no whitespace; strings without escapes whose every
// byte Encoder writes as it is (printable ASCII other than quote and
// backslash, and valid UTF-8 other than U+2028 and U+2029, the one place
// AppendString and AppendStringJS differ); numbers valid by the JSON
// grammar (written digit for digit, as a json.Number is); objects with
// canonical keys in strictly increasing bytewise order (Encoder sorts
// keys; a repeated key is not canonical, its decoding keeps the last
// value); arrays and objects of canonical values, at most
// maxCanonicalDepth deep. A canonical value is always valid JSON.

// maxCanonicalDepth bounds the nesting the canonical scan follows; deeper
// values are reported not canonical and go through the decoder, which has
// its own bound.
const maxCanonicalDepth = 64

// Canonical reports whether b is exactly one canonical JSON value (see
// above): the bytes Encoder would write for its decoding.
func Canonical(b []byte) bool {
	end, ok := canonicalValue(b, 0, 0)
	return ok && end == len(b)
}

// canonicalValue scans the canonical value at b[i] and returns its end;
// ok=false when it is not canonical (or not valid).
func canonicalValue(b []byte, i, depth int) (int, bool) {
	if i >= len(b) {
		return 0, false
	}
	switch c := b[i]; {
	case c == '"':
		return canonicalString(b, i)
	case c == '{':
		return canonicalObject(b, i, depth)
	case c == '[':
		return canonicalArray(b, i, depth)
	case c == '-' || isDigit(c):
		return scanNumber(b, i)
	case c == 't':
		return literal(b, i, "true")
	case c == 'f':
		return literal(b, i, "false")
	case c == 'n':
		return literal(b, i, "null")
	}
	return 0, false
}

// literal matches the text lit at b[i].
func literal(b []byte, i int, lit string) (int, bool) {
	if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
		return i + len(lit), true
	}
	return 0, false
}

// plainASCII marks the bytes a canonical string holds as they are:
// printable ASCII other than the quote and the backslash.
var plainASCII = func() (t [256]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// canonicalString scans a string at b[i] (its opening quote) that needs
// no escape in either of this package's string styles.
func canonicalString(b []byte, i int) (int, bool) {
	for i++; ; {
		for i < len(b) && plainASCII[b[i]] {
			i++
		}
		if i >= len(b) {
			return 0, false
		}
		switch c := b[i]; {
		case c == '"':
			return i + 1, true
		case c < utf8.RuneSelf: // a control character or a backslash
			return 0, false
		}
		r, size := utf8.DecodeRune(b[i:])
		if (r == utf8.RuneError && size == 1) || r == '\u2028' || r == '\u2029' {
			return 0, false
		}
		i += size
	}
}

// canonicalObject scans an object at b[i] with canonical keys in strictly
// increasing order and canonical values.
func canonicalObject(b []byte, i, depth int) (int, bool) {
	if depth >= maxCanonicalDepth {
		return 0, false
	}
	i++
	if i < len(b) && b[i] == '}' {
		return i + 1, true
	}
	var prev []byte
	for first := true; ; first = false {
		if i >= len(b) || b[i] != '"' {
			return 0, false
		}
		end, ok := canonicalString(b, i)
		if !ok {
			return 0, false
		}
		key := b[i+1 : end-1]
		if !first && string(key) <= string(prev) {
			return 0, false
		}
		prev = key
		if end >= len(b) || b[end] != ':' {
			return 0, false
		}
		if i, ok = canonicalValue(b, end+1, depth+1); !ok || i >= len(b) {
			return 0, false
		}
		switch b[i] {
		case ',':
			i++
		case '}':
			return i + 1, true
		default:
			return 0, false
		}
	}
}

// canonicalArray scans an array at b[i] of canonical values.
func canonicalArray(b []byte, i, depth int) (int, bool) {
	if depth >= maxCanonicalDepth {
		return 0, false
	}
	i++
	if i < len(b) && b[i] == ']' {
		return i + 1, true
	}
	for {
		var ok bool
		if i, ok = canonicalValue(b, i, depth+1); !ok || i >= len(b) {
			return 0, false
		}
		switch b[i] {
		case ',':
			i++
		case ']':
			return i + 1, true
		default:
			return 0, false
		}
	}
}

// skipValue returns the end of a member value starting at b[i]: the
// comma or closing bracket of the enclosing object that follows it, found
// by structure alone (strings, and brackets outside them). It does not
// check the value: the caller decodes what it skipped, and the decoder has
// the last word. ok=false when the text ends first.
func skipValue(b []byte, i int) (int, bool) {
	depth := 0
	for ; i < len(b); i++ {
		switch b[i] {
		case '"':
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
			if i >= len(b) {
				return 0, false
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i, true
			}
			depth--
		case ',':
			if depth == 0 {
				return i, true
			}
		}
	}
	return 0, false
}

// members walks the members of one JSON object text without decoding it
// (Slots uses it):
//
//	m := newMembers(text)
//	for m.Next() {
//		use(m.Key(), m.Value(), m.Canonical())
//	}
//	if !m.Done() { /* decode text instead */ }
//
// The object must be compact (no whitespace between tokens) and its keys
// canonical strings (no escapes), or the walk stops early and Done
// reports false; a value that is not canonical is still delivered, cut
// out by its structure, with Canonical false, for the caller to decode on
// its own (DecodeValue), which also checks it. Done is true only when the
// whole text, to its last byte, was the object. members does not check
// for repeated keys: callers that care see the same Key twice.
type members struct {
	b          []byte
	i          int
	key, val   []byte
	canonical  bool
	done, fail bool
	// lax cuts every value out by structure alone (skipValue), never
	// checking whether it is canonical (Canonical is false).
	lax bool
	// prefix walks the object at the start of b and stops at its closing
	// brace, whatever follows (m.i is then the object's length).
	prefix bool
}

// newMembers starts a walk of the object text b.
func newMembers(b []byte) members {
	m := members{b: b}
	m.start()
	return m
}

// start checks the opening brace and an empty object.
func (m *members) start() {
	b := m.b
	if len(b) < 2 || b[0] != '{' {
		m.fail = true
		return
	}
	m.i = 1
	if b[1] == '}' {
		m.i = 2
		m.done = len(b) == 2 || m.prefix
		m.fail = !m.done
	}
}

// Next moves to the next member and reports whether there is one.
func (m *members) Next() bool {
	if m.fail || m.done {
		return false
	}
	b, i := m.b, m.i
	if i >= len(b) || b[i] != '"' {
		m.fail = true
		return false
	}
	end, ok := canonicalString(b, i)
	if !ok || end >= len(b) || b[end] != ':' {
		m.fail = true
		return false
	}
	m.key = b[i+1 : end-1]
	start := end + 1
	if m.lax {
		m.canonical = false
		if end, ok = skipValue(b, start); !ok || end == start {
			m.fail = true
			return false
		}
	} else if end, m.canonical = canonicalValue(b, start, 1); !m.canonical {
		if end, ok = skipValue(b, start); !ok || end == start {
			m.fail = true
			return false
		}
	}
	m.val = b[start:end]
	switch {
	case end < len(b) && b[end] == ',':
		m.i = end + 1
	case end < len(b) && b[end] == '}' && (end == len(b)-1 || m.prefix):
		m.i = end + 1
		m.done = true
	default:
		m.fail = true
		return false
	}
	return true
}

// Key returns the current member's key: the text between its quotes,
// which is its value (it has no escapes).
func (m *members) Key() []byte { return m.key }

// Value returns the current member's value text.
func (m *members) Value() []byte { return m.val }

// Canonical reports whether the current value is canonical: its text is
// what Encoder writes for its decoding.
func (m *members) Canonical() bool { return m.canonical }

// Done reports whether the walk reached the end of the object and the
// object was the whole text. Check it after Next returns false.
func (m *members) Done() bool { return m.done && !m.fail }

// DecodeValue decodes b, which must be exactly one JSON value with no
// surrounding whitespace, as DecodeObject decodes an object (numbers as
// json.Number). ok=false means "not sure": decode with encoding/json.
func DecodeValue(b []byte) (v any, ok bool) {
	p := parsers.Get().(*jsonParser)
	defer p.release()
	p.b, p.i, p.depth = b, 0, 0
	v, ok = p.value()
	return v, ok && p.i == len(b)
}

// Slots sorts the members of object texts into columns, for writers that
// copy canonical values in their own column order (a search answer or
// an export file of the records family): Fill walks one object, then
// Value gives column i's value text.
// Members usually come in the same order record after record (the
// column order itself, or the store's sorted keys), so each key is first
// compared with the column that followed the previous one in the last
// object filled, and looked up only when that guess fails.
type Slots struct {
	cols  []string
	index map[string]int
	vals  [][]byte
	canon []bool
	// next[i+1] is the column whose member followed column i's in the
	// last object filled, and next[0] the column of its first member:
	// Fill's guess for the next key. It starts as the column order.
	next []int
	// whole is set when the last object filled was exactly the columns'
	// members, in column order, every value canonical (see Whole).
	whole bool
	// quoted[i] is `"cols[i]":`, what a member of column i starts with,
	// when that name is a canonical string (nil otherwise): Fill first
	// matches the members against it, in column order (inOrder).
	quoted [][]byte
}

// NewSlots returns Slots for columns, which it keeps.
func NewSlots(columns []string) *Slots {
	s := &Slots{cols: columns, index: make(map[string]int, len(columns)),
		vals: make([][]byte, len(columns)), canon: make([]bool, len(columns)),
		next: make([]int, len(columns)+1), quoted: make([][]byte, len(columns))}
	for i, c := range columns {
		s.index[c] = i
		s.next[i] = i
		q := append(append([]byte{'"'}, c...), '"', ':')
		if end, ok := canonicalString(q, 0); ok && end == len(q)-1 {
			s.quoted[i] = q
		}
	}
	s.next[len(columns)] = len(columns) // after the last column: no guess
	return s
}

// column returns the column of key, the member after column prev (-1:
// the first member): the guess s.next gives first, else the index, which
// then becomes the guess. ok=false when key is no column.
func (s *Slots) column(key []byte, prev int) (int, bool) {
	i := s.next[prev+1]
	if i < len(s.cols) && s.cols[i] == string(key) {
		return i, true
	}
	i, ok := s.index[string(key)]
	if ok {
		s.next[prev+1] = i
	}
	return i, ok
}

// Fill walks the object text into the slots. It reports false when the
// text must be decoded whole instead: the walk failed (see members), a
// key is repeated, or a key is no column and others is false. With
// others true such keys are skipped.
func (s *Slots) Fill(text []byte, others bool) bool {
	clear(s.vals)
	s.whole = false
	next, n, end := s.inOrder(text)
	if end {
		s.whole = n == len(s.cols)
		return true
	}
	m := newMembers(text)
	if n > 0 {
		m.i = next // the members before are in the slots
	}
	prev := n - 1 // the column of the previous member
	inOrder := n  // members so far that are the columns in order, canonical
	for m.Next() {
		i, ok := s.column(m.Key(), prev)
		if !ok {
			if !others {
				return false
			}
			inOrder = -1
			continue
		}
		if s.vals[i] != nil {
			return false
		}
		s.vals[i], s.canon[i] = m.Value(), m.Canonical()
		if inOrder == i && s.canon[i] {
			inOrder++
		} else {
			inOrder = -1
		}
		prev = i
	}
	s.whole = m.Done() && inOrder == len(s.cols)
	return m.Done()
}

// inOrder fills the slots from the members at the start of the object
// text that are the columns in column order, each value canonical, as far
// as they go, comparing each member's start with the column's quoted name
// (no key is scanned or looked up: the records store writes members in
// the order its answers show them, see Whole). It returns the members it
// read, n, and next, where the member after them starts (after their
// comma), or end true when the object ended after them (its closing
// brace the last byte of text). n=0 when the first member is not the
// first column's.
func (s *Slots) inOrder(text []byte) (next, n int, end bool) {
	if len(text) < 2 || text[0] != '{' {
		return 0, 0, false
	}
	i := 1
	for c, q := range s.quoted {
		if q == nil || len(text)-i < len(q) || string(text[i:i+len(q)]) != string(q) {
			break
		}
		start := i + len(q)
		stop, ok := canonicalValue(text, start, 1)
		if !ok || stop >= len(text) {
			break
		}
		if text[stop] == '}' && stop == len(text)-1 {
			s.vals[c], s.canon[c] = text[start:stop], true
			return stop + 1, c + 1, true
		}
		if text[stop] != ',' {
			break
		}
		s.vals[c], s.canon[c] = text[start:stop], true
		i, n = stop+1, c+1
	}
	return i, n, false
}

// Whole reports whether the object Fill last filled was exactly the
// columns' members in column order, each value canonical, and nothing
// else: its text is then what AppendObject would write for it (given
// each column's `"name":` as names), and a writer copies it whole.
func (s *Slots) Whole() bool { return s.whole }

// FillSome is Fill (others true) for object texts that hold each key
// once, as an Encoder writes them: it stops as soon as every column has a
// value, and cuts values out by structure alone, so Value's canonical is
// always false and the caller decodes (and so checks) what it uses. It
// reports false when the walk fails before it found every column or
// reached the end of the text, or a key is repeated before it stops.
func (s *Slots) FillSome(text []byte) bool {
	m := newMembers(text)
	m.lax = true
	clear(s.vals)
	clear(s.canon)
	s.whole = false
	prev, found := -1, 0
	for found < len(s.cols) && m.Next() {
		i, ok := s.column(m.Key(), prev)
		if !ok {
			continue
		}
		if s.vals[i] != nil {
			return false
		}
		s.vals[i] = m.Value()
		prev = i
		found++
	}
	return found == len(s.cols) || m.Done()
}

// FillLax is Fill (others true) that cuts every value out by structure
// alone, as FillSome does, but walks the whole object: Value's canonical
// is always false, and the caller reads (and so checks) each value it
// uses. It reports false when the walk fails (see members) or a key is
// repeated.
func (s *Slots) FillLax(text []byte) bool {
	n, ok := s.FillLaxPrefix(text)
	return ok && n == len(text)
}

// FillLaxPrefix is FillLax for the object at the start of text, which
// may go on after it (the next element of an array): it reports the
// object's length, and false when the walk fails before its end.
func (s *Slots) FillLaxPrefix(text []byte) (int, bool) {
	m := members{b: text, lax: true, prefix: true}
	m.start()
	clear(s.vals)
	clear(s.canon)
	s.whole = false
	prev := -1
	for m.Next() {
		i, ok := s.column(m.Key(), prev)
		if !ok {
			continue
		}
		if s.vals[i] != nil {
			return 0, false
		}
		s.vals[i] = m.Value()
		prev = i
	}
	if !m.Done() {
		return 0, false
	}
	return m.i, true
}

// Columns returns the columns the Slots were made with.
func (s *Slots) Columns() []string { return s.cols }

// Value returns the text of column i's value in the last filled object
// (nil when it lacks the column) and whether that text is canonical.
func (s *Slots) Value(i int) (text []byte, canonical bool) { return s.vals[i], s.canon[i] }

// AppendObject appends the object last filled, its members in column
// order: `{`, then names[i] (column i's `"name":` text) and its value for
// each column, then `}`. A column the object lacks is null; a canonical
// value is copied; any other is decoded (DecodeValue) and appended by
// appendValue, which gets the column's index (for its error). ok=false
// when a value does not decode: the caller then decodes the whole object
// instead, and b must be dropped.
func (s *Slots) AppendObject(b []byte, names [][]byte, appendValue func(b []byte, column int, v any) ([]byte, error)) (_ []byte, ok bool, err error) {
	b = append(b, '{')
	for i := range s.cols {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, names[i]...)
		switch v := s.vals[i]; {
		case v == nil:
			b = append(b, "null"...)
		case s.canon[i]:
			b = append(b, v...)
		default:
			x, ok := DecodeValue(v)
			if !ok {
				return b, false, nil
			}
			if b, err = appendValue(b, i, x); err != nil {
				return b, true, err
			}
		}
	}
	return append(b, '}'), true, nil
}
