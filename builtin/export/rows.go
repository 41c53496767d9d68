package export

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Errors of a search answer that cannot be read as records.
var (
	errNotArray  = errors.New(MsgNotArray)
	errTruncated = errors.New(MsgTruncated)
)

// rowStream reads a search's answer, a JSON array of record objects, one
// element at a time with json.Decoder (Token for the brackets, Decode per
// element): only the current record is in memory, whatever the number of
// rows. Numbers are json.Number, so they are written out digit for digit.
// Use: open, then optionally firstKeys, then each once.
type rowStream struct {
	dec   *json.Decoder
	first map[string]any // the record firstKeys read ahead, not yet yielded
	row   map[string]any // reused for every other record
}

// newRowStream reads records from r.
func newRowStream(r io.Reader) *rowStream {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	return &rowStream{dec: dec}
}

// open reads the opening bracket of the array.
func (s *rowStream) open() error {
	tok, err := s.dec.Token()
	if errors.Is(err, io.EOF) {
		return errTruncated
	}
	if err != nil {
		return readErr(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return errNotArray
	}
	return nil
}

// firstKeys reads the first record ahead and returns its keys in the
// order the search wrote them (nil for an empty result); each yields that
// record first.
func (s *rowStream) firstKeys() ([]string, error) {
	if !s.dec.More() {
		return nil, nil
	}
	var raw json.RawMessage
	if err := s.dec.Decode(&raw); err != nil {
		return nil, readErr(err)
	}
	keys, err := objectKeys(raw)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&s.first); err != nil {
		return nil, readErr(err)
	}
	return keys, nil
}

// each is the stream as an exporter.RowSource: it yields every record,
// then checks the array and the stream end cleanly, so a search that
// failed part-way is an error, never a short export.
func (s *rowStream) each(yield func(map[string]any) error) error {
	if s.first != nil {
		first := s.first
		s.first = nil
		if err := yield(first); err != nil {
			return err
		}
	}
	for s.dec.More() {
		clear(s.row)
		if err := s.dec.Decode(&s.row); err != nil {
			return readErr(err)
		}
		if s.row == nil { // a null element
			return errNotArray
		}
		if err := yield(s.row); err != nil {
			return err
		}
	}
	tok, err := s.dec.Token()
	if err != nil && !errors.Is(err, io.EOF) {
		return readErr(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != ']' {
		return errTruncated
	}
	// Read to the end: a transport error after the last record still
	// means the search did not finish as it meant to.
	if tok, err := s.dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return readErr(err)
		}
		return fmt.Errorf("%w: unexpected %v after the array", errNotArray, tok)
	}
	return nil
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
// where a record or the closing bracket was due (io.EOF from Decode after
// a comma, io.ErrUnexpectedEOF inside a value) is a truncated answer.
func readErr(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errTruncated
	}
	return fmt.Errorf("read search results: %w", err)
}
