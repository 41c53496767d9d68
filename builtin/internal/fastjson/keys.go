package fastjson

// maxCachedKeys bounds a parser's key cache: the records of a few tables
// repeat a few hundred keys at most, and a stream of ever-new keys (a wide
// sparse table, hostile input) must not grow it without limit, so a full
// cache starts again empty.
const maxCachedKeys = 1024

// maxCachedKeyLen is the longest key cached: attribute names are short,
// and a long key is rare enough that caching it is not worth the memory.
const maxCachedKeyLen = 64

// keyCache interns object keys. The records a parser decodes repeat the
// same keys, and handing out the string already made for a key saves an
// allocation and a copy per key. Sharing is invisible: strings are
// immutable.
type keyCache map[string]string

// key parses an object key at p.i (which is '"'). A key without escapes
// or control characters whose bytes are cached is that cached string: it
// was made by str from the same bytes, so they are valid UTF-8 and decode
// to themselves. Anything else goes through str.
func (p *jsonParser) key() (string, bool) {
	start := p.i + 1
	for j := start; j < len(p.b) && j-start <= maxCachedKeyLen; j++ {
		switch c := p.b[j]; {
		case c == '"':
			if k, ok := p.keys[string(p.b[start:j])]; ok {
				p.i = j + 1
				return k, true
			}
			return p.newKey()
		case c == '\\' || c < ' ':
			return p.str()
		}
	}
	return p.str()
}

// newKey parses a key not cached yet with str, and caches it.
func (p *jsonParser) newKey() (string, bool) {
	k, ok := p.str()
	if !ok {
		return "", false
	}
	if p.keys == nil || len(p.keys) >= maxCachedKeys {
		p.keys = make(keyCache)
	}
	p.keys[k] = k
	return k, true
}
