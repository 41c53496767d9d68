package records

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// csvReader reads CSV records from a stream, one at a time, with the line
// each starts on, holding at most one record (bounded by maxRecordBytes)
// in memory. It reads what HarperDB's papaparse reads, with two
// differences that make a malformed file an error naming its line rather
// than silently different data:
//   - fields are separated by commas, records by \n or \r\n; a field in
//     double quotes may hold commas, newlines and doubled quotes ("");
//   - a quote inside an unquoted field is an ordinary character (5'10");
//   - a line that is empty is skipped; a leading UTF-8 byte order mark is
//     dropped;
//   - a quoted field never closed, and text after a closing quote other
//     than a comma or the end of the line, are errors (*csvSyntaxError),
//     where papaparse would swallow the rest of the file into one value or
//     keep the stray quote.
type csvReader struct {
	br      *bufio.Reader
	lineNo  int    // lines read so far
	long    []byte // a line longer than br's buffer, assembled
	row     []byte // the current record's field bytes, concatenated
	ends    []int  // end offset of each field in row
	started bool   // the first line was read (BOM handled)
	recLine int    // line the current record starts on
}

// csvBufferSize is the read buffer of a CSV stream: large enough that
// lines rarely need assembling, small enough to be nothing per job.
const csvBufferSize = 256 << 10

// maxRecordBytes bounds one CSV record (a quoted field may span lines), so
// a file without a closing quote cannot make the reader hold it whole.
const maxRecordBytes = 16 << 20

// csvSyntaxError is a malformed CSV record.
type csvSyntaxError struct {
	Line   int    // line of the file (1-based) where the fault is
	Reason string // what is wrong
}

func (e *csvSyntaxError) Error() string {
	return fmt.Sprintf(MsgCSVSyntax, e.Line, e.Reason)
}

// Reasons of a csvSyntaxError.
const (
	reasonUnclosedQuote = "a quoted field is not closed"
	reasonAfterQuote    = "text after the closing quote of a field (a quote inside a quoted field must be doubled)"
	reasonTooLong       = "a record is longer than " + "16 MiB"
)

func newCSVReader(r io.Reader) *csvReader {
	return &csvReader{br: bufio.NewReaderSize(r, csvBufferSize)}
}

// readLine returns the next line without its terminator, and the
// terminator ("\n", "\r\n" or "" at the end of the stream); io.EOF when
// nothing is left. The slice is valid until the next call.
func (r *csvReader) readLine() (line, term []byte, err error) {
	line, err = r.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		r.long = append(r.long[:0], line...)
		for errors.Is(err, bufio.ErrBufferFull) {
			if len(r.long) > maxRecordBytes {
				return nil, nil, &csvSyntaxError{Line: r.lineNo + 1, Reason: reasonTooLong}
			}
			line, err = r.br.ReadSlice('\n')
			r.long = append(r.long, line...)
		}
		line = r.long
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, nil, err
	}
	if len(line) == 0 {
		return nil, nil, io.EOF
	}
	r.lineNo++
	if !r.started {
		r.started = true
		line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
	}
	n := len(line)
	switch {
	case n > 0 && line[n-1] == '\n' && n > 1 && line[n-2] == '\r':
		return line[:n-2], line[n-2:], nil
	case n > 0 && line[n-1] == '\n':
		return line[:n-1], line[n-1:], nil
	}
	return line, nil, nil
}

// next reads the next record into row and ends; io.EOF at the end.
func (r *csvReader) next() error {
	r.row, r.ends = r.row[:0], r.ends[:0]
	var line, term []byte
	var err error
	for {
		line, term, err = r.readLine()
		if err != nil {
			return err
		}
		if len(line) > 0 {
			break
		}
	}
	r.recLine = r.lineNo
	pos := 0
	for {
		if pos < len(line) && line[pos] == '"' {
			pos++
			for {
				i := bytes.IndexByte(line[pos:], '"')
				if i < 0 {
					r.row = append(r.row, line[pos:]...)
					r.row = append(r.row, term...)
					if len(r.row) > maxRecordBytes {
						return &csvSyntaxError{Line: r.recLine, Reason: reasonTooLong}
					}
					if line, term, err = r.readLine(); err != nil {
						if errors.Is(err, io.EOF) {
							return &csvSyntaxError{Line: r.recLine, Reason: reasonUnclosedQuote}
						}
						return err
					}
					pos = 0
					continue
				}
				r.row = append(r.row, line[pos:pos+i]...)
				pos += i + 1
				if pos < len(line) && line[pos] == '"' {
					r.row = append(r.row, '"')
					pos++
					continue
				}
				break
			}
			r.ends = append(r.ends, len(r.row))
			switch {
			case pos == len(line):
				return nil
			case line[pos] == ',':
				pos++
				continue
			}
			return &csvSyntaxError{Line: r.lineNo, Reason: reasonAfterQuote}
		}
		i := bytes.IndexByte(line[pos:], ',')
		if i < 0 {
			r.row = append(r.row, line[pos:]...)
			r.ends = append(r.ends, len(r.row))
			return nil
		}
		r.row = append(r.row, line[pos:pos+i]...)
		r.ends = append(r.ends, len(r.row))
		pos += i + 1
	}
}

// fields returns the current record's fields as strings sharing one
// allocation.
func (r *csvReader) fields(dst []string) []string {
	s := string(r.row)
	dst = dst[:0]
	start := 0
	for _, end := range r.ends {
		dst = append(dst, s[start:end])
		start = end
	}
	return dst
}

// csvHeader turns a header record into attribute names as papaparse does:
// a repeated name gets a suffix (a, a_1, a_2), skipping names already used.
func csvHeader(names []string) []string {
	out := make([]string, len(names))
	count := make(map[string]int, len(names))
	used := make(map[string]bool, len(names))
	for _, n := range names {
		used[n] = true
	}
	for i, n := range names {
		c := count[n]
		count[n] = c + 1
		if c == 0 {
			out[i] = n
			continue
		}
		name := n + "_" + strconv.Itoa(c)
		for used[name] {
			c++
			name = n + "_" + strconv.Itoa(c)
		}
		used[name] = true
		out[i] = name
	}
	return out
}

// checkColumnNames refuses the header names HarperDB refuses: characters
// outside printable ASCII, / and ` (its schema name pattern), then an
// empty name (its insert validation).
func checkColumnNames(names []string) error {
	for _, n := range names {
		for i := 0; i < len(n); i++ {
			if c := n[i]; c < 0x20 || c > 0x7e || c == '/' || c == '`' {
				return loadError(fmt.Sprintf(MsgInvalidColumn, n))
			}
		}
	}
	for _, n := range names {
		if n == "" {
			return loadError(fmt.Sprintf(MsgInvalidAttribute, n))
		}
	}
	return nil
}

// loadError is an error of a load worded for the user as is (HarperDB's
// capitalised messages).
type loadError string

func (e loadError) Error() string { return string(e) }
