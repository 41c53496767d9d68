package export

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
)

// Errors of a search answer that cannot be read as records.
var (
	errNotArray  = errors.New(MsgNotArray)
	errTruncated = errors.New(MsgTruncated)
)

// readBufferSize is the bufio.Reader in front of the search's stream:
// 64 KiB holds a couple of hundred typical records, so reads from the
// stream are few and large next to the per-record work.
const readBufferSize = 64 << 10

// maxRetainedElement caps the element buffer kept between records: one
// huge record may grow it, but it is dropped at the next record so the
// memory goes back to flat.
const maxRetainedElement = 1 << 20

// rowStream reads a search's answer, a JSON array of record objects, one
// element at a time. eachText first offers each element to the encoder
// where it begins in the read buffer (exporter.Encoder.RowPrefix), which
// writes it when it ends there; otherwise a byte scanner (scanObject)
// cuts the element's text out of the buffered reader into one reused
// buffer and eachText hands that over (Encoder.RowText). Only the
// current record is in memory, whatever the number of rows. Use: open,
// then optionally firstKeys, then eachText once.
type rowStream struct {
	r     *bufio.Reader
	err   error  // the first read error, returned by every later read
	elem  []byte // the current element's text, reused
	first []byte // the record firstKeys read ahead, not yet yielded
	// afterRecord is set once a record was read: a comma or the closing
	// bracket is due, not a record.
	afterRecord bool
	closed      bool // the closing bracket was read
}

// newRowStream reads records from r.
func newRowStream(r io.Reader) *rowStream {
	return &rowStream{r: bufio.NewReaderSize(r, readBufferSize)}
}

// open reads the opening bracket of the array.
func (s *rowStream) open() error {
	c, err := s.peek()
	if err != nil {
		return readErr(err)
	}
	if c != '[' {
		return errNotArray
	}
	s.skip()
	return nil
}

// firstKeys reads the first record ahead and returns its keys in the
// order the search wrote them (nil for an empty result); eachText yields
// that record first.
func (s *rowStream) firstKeys() ([]string, error) {
	if c, err := s.peek(); err != nil || c == ']' {
		return nil, nil // eachText reports the end, or the error
	}
	text, err := s.next()
	if err != nil || text == nil {
		return nil, err
	}
	keys, err := objectKeys(text)
	if err != nil {
		return nil, err
	}
	s.first = slices.Clone(text)
	return keys, nil
}

// eachText is the stream as an exporter.TextRowSource: it writes every
// record, then checks the array and the stream end cleanly, so a search
// that failed part-way is an error, never a short export. Each record is
// first offered to prefix (when not nil) where it begins in the read
// buffer; a record prefix declines (returns 0: not whole in the buffer,
// or not simple) is cut out and given to yield. The bytes are valid until
// the callback returns.
func (s *rowStream) eachText(prefix func(b []byte) (int, error), yield func(text []byte) error) error {
	if s.first != nil {
		first := s.first
		s.first = nil
		if err := yield(first); err != nil {
			return err
		}
	}
	for {
		if prefix != nil {
			took, err := s.offer(prefix)
			if err != nil {
				return err
			}
			if took {
				continue
			}
		}
		text, err := s.next()
		if err != nil || text == nil {
			return err
		}
		if err := yield(text); err != nil {
			return err
		}
	}
}

// offer reads up to the next record's opening brace and offers the
// buffered bytes from there to prefix; took says whether prefix wrote
// the record (its bytes are then consumed). Anything else (the closing
// bracket, a read error, bad text) is left for next to read and report,
// except a comma not followed by a record, which is the error here.
func (s *rowStream) offer(prefix func(b []byte) (int, error)) (took bool, err error) {
	if s.closed {
		return false, nil
	}
	c, err := s.peek()
	if err != nil {
		return false, nil
	}
	if s.afterRecord {
		if c != ',' {
			return false, nil
		}
		s.skip()
		if c, err = s.peek(); err != nil {
			return false, readErr(err)
		}
		if c != '{' {
			return false, errNotArray
		}
		s.afterRecord = false
	}
	if c != '{' {
		return false, nil
	}
	buf, _ := s.r.Peek(s.r.Buffered()) // never fails: the bytes are buffered
	n, err := prefix(buf)
	if err != nil || n == 0 {
		return false, err
	}
	_, _ = s.r.Discard(n) // never fails: n bytes are buffered
	s.afterRecord = true
	return true, nil
}

// next reads the next record's text; nil, nil after the closing bracket,
// once the stream was read to its end.
func (s *rowStream) next() ([]byte, error) {
	if s.closed {
		return nil, nil
	}
	c, err := s.peek()
	if err != nil {
		return nil, readErr(err)
	}
	if s.afterRecord || c == ']' {
		s.skip()
		switch c {
		case ']':
			return nil, s.end()
		case ',':
		default:
			return nil, errNotArray
		}
		if c, err = s.peek(); err != nil {
			return nil, readErr(err)
		}
	}
	if c != '{' { // null, a number, a nested array, a trailing comma
		return nil, errNotArray
	}
	elem, err := s.scanObject()
	if err != nil {
		return nil, readErr(err)
	}
	s.afterRecord = true
	return elem, nil
}

// end reads past the closing bracket to the end of the stream: a
// transport error after the last record still means the search did not
// finish as it meant to, and only whitespace may follow the array.
func (s *rowStream) end() error {
	s.closed = true
	c, err := s.peek()
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		return readErr(err)
	}
	return fmt.Errorf("%w: unexpected %q after the array", errNotArray, c)
}

// peek skips whitespace and returns the next byte, left unread. A read
// error sticks: every later read returns it, as json.Decoder's did.
func (s *rowStream) peek() (byte, error) {
	for s.err == nil {
		c, err := s.r.ReadByte()
		if err != nil {
			s.err = err
			break
		}
		if !isSpace(c) {
			_ = s.r.UnreadByte() // cannot fail right after ReadByte
			return c, nil
		}
	}
	return 0, s.err
}

// skip consumes the byte peek returned.
func (s *rowStream) skip() { _, _ = s.r.ReadByte() }

// isSpace reports JSON's insignificant whitespace.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// scanObject reads the text of one object, from the '{' peek saw to its
// matching '}', into s.elem, a buffered run at a time. It does not check
// the JSON (the decoder does); it only finds where the element ends.
func (s *rowStream) scanObject() ([]byte, error) {
	if cap(s.elem) > maxRetainedElement {
		s.elem = nil
	}
	s.elem = s.elem[:0]
	var sc objectScanner
	for {
		if s.r.Buffered() == 0 {
			if _, err := s.r.Peek(1); err != nil {
				s.err = err
				return nil, err
			}
		}
		buf, _ := s.r.Peek(s.r.Buffered()) // never fails: the bytes are buffered
		n, done := sc.scan(buf)
		s.elem = append(s.elem, buf[:n]...)
		_, _ = s.r.Discard(n) // never fails: n bytes are buffered
		if done {
			return s.elem, nil
		}
	}
}

// objectScanner follows a JSON value's text across buffer refills: the
// depth of {} and [] and whether it is inside a string (where brackets
// are text) or just after a backslash there (so \" does not end it).
type objectScanner struct {
	depth    int
	inString bool
	escaped  bool
}

// scan advances over buf and returns how many bytes belong to the value
// and whether they end it (its outermost bracket closed). Inside a string
// it skips plain bytes in a tight loop: most of a record's text is string
// content.
func (sc *objectScanner) scan(buf []byte) (int, bool) {
	i := 0
	if sc.escaped && len(buf) > 0 { // the escaped byte a refill split off
		sc.escaped = false
		i++
	}
	for i < len(buf) {
		if sc.inString {
			for i < len(buf) && buf[i] != '"' && buf[i] != '\\' {
				i++
			}
			switch {
			case i == len(buf):
			case buf[i] == '"':
				sc.inString = false
				i++
			case i+1 < len(buf): // a backslash and the byte it escapes
				i += 2
			default: // a backslash ending the buffer
				sc.escaped = true
				i++
			}
			continue
		}
		c := buf[i]
		i++
		switch c {
		case '"':
			sc.inString = true
		case '{', '[':
			sc.depth++
		case '}', ']':
			if sc.depth--; sc.depth == 0 {
				return i, true
			}
		}
	}
	return len(buf), false
}

// objectKeys returns the keys of the JSON object raw, in order.
func objectKeys(raw json.RawMessage) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errNotArray
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, readErr(err)
		}
		key, _ := tok.(string)
		keys = append(keys, key)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, readErr(err)
		}
	}
	return keys, nil
}

// readErr wraps a failure to read the search's answer. An end of input
// where a record or the closing bracket was due (io.EOF, or
// io.ErrUnexpectedEOF from a transport cut mid-body) is a truncated
// answer.
func readErr(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errTruncated
	}
	return fmt.Errorf("read search results: %w", err)
}
