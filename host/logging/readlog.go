package logging

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/hops-dev/hops/sdk/jsonobj"
)

// ReadLevels are the levels read_log's level selects, as HarperDB lists
// them. hops writes trace, debug, info, warn and error; notify and fatal
// select nothing.
var ReadLevels = []string{"notify", "fatal", "error", "warn", "info", "debug", "trace"}

// DefaultReadLimit is how many entries read_log answers without a limit.
const DefaultReadLimit = 1000

// Read bounds: they keep the reader's memory flat whatever the file holds.
const (
	// readChunk is the size of the reads, forwards and backwards.
	readChunk = 64 << 10
	// maxMessageBytes cuts an entry's message (a long line, or a long run
	// of continuation lines): the rest is skipped.
	maxMessageBytes = 1 << 20
	// headerProbe is how much of a line decides whether it starts an
	// entry.
	headerProbe = 64
)

// ReadQuery selects the entries of a log.
type ReadQuery struct {
	// Start skips that many selected entries; Limit answers at most that
	// many after them (0: DefaultReadLimit).
	Start, Limit int
	// Level, when set, selects entries of that level only.
	Level string
	// From and Until, when not zero, bound the entries' timestamps
	// (inclusive).
	From, Until time.Time
	// Desc reads from the newest entry to the oldest; otherwise the file's
	// order (oldest first).
	Desc bool
	// Filter, when set, selects entries whose timestamp, thread, level or
	// message contains it.
	Filter string
}

// ReadLog writes to w, as one JSON array, the entries of the log file at
// path that q selects: {"timestamp", "thread", "level", "tags",
// "message"}, HarperDB's read_log shape. It reads hops' text lines
// (hclog's "time [LEVEL]  module: message key=value") and JSON lines
// ("@timestamp", "@level", "@module", "@message" and the other keys);
// lines that start neither (hclog's continuation lines of a multi-line
// value) belong to the entry before them. Entries are written as they are
// found, and the file is read in fixed chunks (backwards for Desc), so
// memory does not grow with the file or the answer. A missing file is an
// empty answer.
func ReadLog(path string, q ReadQuery, w io.Writer) error {
	if q.Limit <= 0 {
		q.Limit = DefaultReadLimit
	}
	out := bufio.NewWriterSize(w, readChunk)
	r := &logReader{q: q, out: out, filter: []byte(q.Filter), level: []byte(q.Level)}
	r.br = bufio.NewReaderSize(nil, readChunk)
	if _, err := out.WriteString("["); err != nil {
		return err
	}
	f, err := os.Open(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("read_log: %w", err)
	default:
		defer f.Close()
		if q.Desc {
			err = r.backward(f)
		} else {
			r.br.Reset(f)
			err = r.forward()
		}
		if err != nil && !errors.Is(err, errReadDone) {
			return fmt.Errorf("read_log: %w", err)
		}
	}
	if _, err := out.WriteString("]"); err != nil {
		return err
	}
	return out.Flush()
}

// errReadDone stops a read once the limit is reached.
var errReadDone = errors.New("read_log: limit reached")

// logReader parses entries into reused buffers and writes the selected
// ones.
type logReader struct {
	q             ReadQuery
	out           *bufio.Writer
	filter, level []byte
	br            *bufio.Reader
	long          []byte // a line longer than br's buffer, cut at maxMessageBytes

	// The entry being read.
	have    bool
	ts      time.Time
	tsText  []byte
	lvl     []byte
	thread  []byte
	msg     []byte
	matched int // entries selected so far (skipped by Start included)
	written int

	// backward's buffers.
	chunk []byte
	mem   bytes.Reader
	file  rangeReader
}

// forward reads entries from br to its end (or the limit).
func (r *logReader) forward() error {
	for {
		line, err := r.readLine()
		if len(line) > 0 || err == nil {
			if isHeader(line) {
				if err := r.finish(); err != nil {
					return err
				}
				r.start(line)
			} else if r.have {
				r.appendMsg([]byte{'\n'})
				r.appendMsg(line)
			}
		}
		if err == io.EOF {
			return r.finish()
		}
		if err != nil {
			return err
		}
	}
}

// readLine returns the next line without its end of line, cut at
// maxMessageBytes; io.EOF with the last (possibly empty) line.
func (r *logReader) readLine() ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		r.long = append(r.long[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = r.br.ReadSlice('\n')
			if room := maxMessageBytes - len(r.long); room > 0 {
				r.long = append(r.long, line[:min(room, len(line))]...)
			}
		}
		line = r.long
	}
	line = bytes.TrimRight(line, "\r\n")
	return line, err
}

func (r *logReader) appendMsg(b []byte) {
	if room := maxMessageBytes - len(r.msg); room > 0 {
		r.msg = append(r.msg, b[:min(room, len(b))]...)
	}
}

// start begins an entry from its first line.
func (r *logReader) start(line []byte) {
	r.have = true
	r.lvl, r.thread, r.msg = r.lvl[:0], r.thread[:0], r.msg[:0]
	if line[0] == '{' {
		r.startJSON(line)
		return
	}
	ts, n, _ := parseLineTime(line)
	r.ts = ts
	rest := line[n+2:] // " ["
	end := bytes.IndexByte(rest, ']')
	r.lvl = appendLower(r.lvl, rest[:end])
	rest = bytes.TrimLeft(rest[end+1:], " ")
	// hclog writes "module: message"; a first word without a colon is the
	// message of a logger without a name.
	if i := bytes.Index(rest, []byte(": ")); i > 0 && bytes.IndexByte(rest[:i], ' ') < 0 {
		r.thread = append(r.thread, rest[:i]...)
		rest = rest[i+2:]
	}
	r.appendMsg(rest)
}

// startJSON begins an entry from a JSON line (logging.format: json).
func (r *logReader) startJSON(line []byte) {
	var rest []byte
	r.ts = time.Time{}
	if !json.Valid(line) {
		r.appendMsg(line)
		return
	}
	for k, v := range jsonobj.Members(line) {
		switch {
		case jsonobj.KeyIs(k, "@timestamp"):
			if s, ok := jsonString(v); ok {
				if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
					r.ts = t
				}
			}
		case jsonobj.KeyIs(k, "@level"):
			s, _ := jsonString(v)
			r.lvl = appendLower(r.lvl, []byte(s))
		case jsonobj.KeyIs(k, "@module"):
			s, _ := jsonString(v)
			r.thread = append(r.thread, s...)
		case jsonobj.KeyIs(k, "@message"):
			s, _ := jsonString(v)
			r.msg = append(r.msg[:0], s[:min(len(s), maxMessageBytes)]...)
		default:
			rest = append(rest, ' ')
			rest = append(rest, jsonobj.Key(k)...)
			rest = append(rest, '=')
			if s, ok := jsonString(v); ok && plainValue(s) {
				rest = append(rest, s...)
			} else {
				rest = append(rest, v...)
			}
		}
	}
	r.appendMsg(rest)
}

func jsonString(v []byte) (string, bool) {
	if len(v) < 2 || v[0] != '"' {
		return "", false
	}
	if bytes.IndexByte(v, '\\') < 0 {
		return string(v[1 : len(v)-1]), true
	}
	var s string
	err := json.Unmarshal(v, &s)
	return s, err == nil
}

// plainValue reports whether s prints without quotes, as hclog prints it.
func plainValue(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c <= ' ' || c == '"' || c == '=' || c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func appendLower(dst, s []byte) []byte {
	for _, c := range s {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// finish selects the entry read so far and writes it when it is due.
func (r *logReader) finish() error {
	if !r.have {
		return nil
	}
	r.have = false
	r.msg = bytes.TrimRight(r.msg, " \t\r\n")
	r.tsText = r.tsText[:0]
	if !r.ts.IsZero() {
		r.tsText = r.ts.UTC().AppendFormat(r.tsText, "2006-01-02T15:04:05.000Z")
	}
	q := &r.q
	if len(r.level) > 0 && !bytes.Equal(r.lvl, r.level) {
		return nil
	}
	if !q.From.IsZero() && (r.ts.IsZero() || r.ts.Before(q.From)) {
		return nil
	}
	if !q.Until.IsZero() && (r.ts.IsZero() || r.ts.After(q.Until)) {
		return nil
	}
	if len(r.filter) > 0 && !bytes.Contains(r.tsText, r.filter) && !bytes.Contains(r.thread, r.filter) &&
		!bytes.Contains(r.lvl, r.filter) && !bytes.Contains(r.msg, r.filter) {
		return nil
	}
	r.matched++
	if r.matched <= q.Start {
		return nil
	}
	if err := r.write(); err != nil {
		return err
	}
	r.written++
	if r.written >= q.Limit {
		return errReadDone
	}
	return nil
}

// write writes the entry as HarperDB's read_log does.
func (r *logReader) write() error {
	w := r.out
	if r.written > 0 {
		w.WriteByte(',')
	}
	w.WriteString(`{"timestamp":`)
	writeJSONString(w, r.tsText)
	w.WriteString(`,"thread":`)
	writeJSONString(w, r.thread)
	w.WriteString(`,"level":`)
	writeJSONString(w, r.lvl)
	w.WriteString(`,"tags":[],"message":`)
	writeJSONString(w, r.msg)
	return w.WriteByte('}')
}

const hexDigits = "0123456789abcdef"

// writeJSONString writes s as a JSON string, as JavaScript's
// JSON.stringify does; invalid UTF-8 becomes U+FFFD.
func writeJSONString(w *bufio.Writer, s []byte) {
	w.WriteByte('"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			w.Write(s[start:i])
			switch c {
			case '"', '\\':
				w.WriteByte('\\')
				w.WriteByte(c)
			case '\n':
				w.WriteString(`\n`)
			case '\r':
				w.WriteString(`\r`)
			case '\t':
				w.WriteString(`\t`)
			default:
				w.WriteString(`\u00`)
				w.WriteByte(hexDigits[c>>4])
				w.WriteByte(hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		ru, size := utf8.DecodeRune(s[i:])
		if ru == utf8.RuneError && size == 1 {
			w.Write(s[start:i])
			w.WriteString("\ufffd")
			i++
			start = i
			continue
		}
		i += size
	}
	w.Write(s[start:])
	w.WriteByte('"')
}

// isHeader reports whether line starts an entry: a JSON object, or hclog's
// "time [LEVEL]".
func isHeader(line []byte) bool {
	if len(line) == 0 {
		return false
	}
	if line[0] == '{' {
		return true
	}
	_, n, ok := parseLineTime(line)
	if !ok || len(line) < n+4 || line[n] != ' ' || line[n+1] != '[' {
		return false
	}
	end := bytes.IndexByte(line[n+2:min(len(line), n+2+16)], ']')
	if end <= 0 {
		return false
	}
	for _, c := range line[n+2 : n+2+end] {
		if c < 'A' || c > 'Z' && c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// parseLineTime reads hclog's time at the start of line
// ("2006-01-02T15:04:05.000Z0700", or RFC 3339): the time and its length.
func parseLineTime(b []byte) (time.Time, int, bool) {
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, 0, false
	}
	num := func(i, n int) int {
		v := 0
		for _, c := range b[i : i+n] {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	year, mon, day, hh, mm, ss := num(0, 4), num(5, 2), num(8, 2), num(11, 2), num(14, 2), num(17, 2)
	if year < 0 || mon < 1 || mon > 12 || day < 1 || day > 31 || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60 {
		return time.Time{}, 0, false
	}
	i, nsec := 19, 0
	if i < len(b) && (b[i] == '.' || b[i] == ',') {
		i++
		scale := 100_000_000
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			nsec += int(b[i]-'0') * scale
			scale /= 10
			i++
		}
	}
	loc := time.UTC
	offset := 0
	switch {
	case i < len(b) && b[i] == 'Z':
		i++
	case i < len(b) && (b[i] == '+' || b[i] == '-'):
		sign := 1
		if b[i] == '-' {
			sign = -1
		}
		j := i + 1
		if j+2 > len(b) {
			return time.Time{}, 0, false
		}
		h := num(j, 2)
		j += 2
		if j < len(b) && b[j] == ':' {
			j++
		}
		m := 0
		if j+2 <= len(b) && b[j] >= '0' && b[j] <= '9' {
			m = num(j, 2)
			j += 2
		}
		if h < 0 || m < 0 {
			return time.Time{}, 0, false
		}
		offset, i = sign*(h*3600+m*60), j
	default:
		return time.Time{}, 0, false
	}
	t := time.Date(year, time.Month(mon), day, hh, mm, ss, nsec, loc).Add(-time.Duration(offset) * time.Second)
	return t, i, true
}

// backward reads the file from its end: it finds where lines start, in
// chunks read from the end, and each line that starts an entry ends the
// range of the entry before it, which is then parsed forwards.
func (r *logReader) backward(f *os.File) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	size := st.Size()
	if r.chunk == nil {
		r.chunk = make([]byte, readChunk)
	}
	var probe [headerProbe]byte
	end := size // where the entry after the next header ends
	for pos := size; pos > 0; {
		n := min(int64(readChunk), pos)
		base := pos - n
		data := r.chunk[:n]
		if _, err := f.ReadAt(data, base); err != nil && err != io.EOF {
			return err
		}
		for i := len(data); ; {
			nl := bytes.LastIndexByte(data[:i], '\n')
			if nl < 0 && base > 0 {
				break // the line starts in an earlier chunk
			}
			ls := base + int64(nl) + 1 // a line starts here
			var head []byte
			if int64(nl+1+headerProbe) <= n || base+n == size {
				head = data[nl+1 : min(len(data), nl+1+headerProbe)]
			} else {
				k, _ := f.ReadAt(probe[:min(int64(headerProbe), size-ls)], ls)
				head = probe[:k]
			}
			if isHeader(head) {
				if err := r.entryAt(f, data, base, ls, end); err != nil {
					return err
				}
				end = ls
			}
			if nl < 0 {
				break
			}
			i = nl
		}
		pos = base
	}
	return nil
}

// entryAt parses and selects the entry in [start, end): from data when it
// holds the whole range, else from the file.
func (r *logReader) entryAt(f *os.File, data []byte, base, start, end int64) error {
	if start >= base && end <= base+int64(len(data)) {
		r.mem.Reset(data[start-base : end-base])
		r.br.Reset(&r.mem)
	} else {
		r.file = rangeReader{f: f, off: start, end: end}
		r.br.Reset(&r.file)
	}
	return r.forward()
}

// rangeReader reads [off, end) of a file.
type rangeReader struct {
	f        *os.File
	off, end int64
}

func (rr *rangeReader) Read(p []byte) (int, error) {
	if rr.off >= rr.end {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), rr.end-rr.off)]
	n, err := rr.f.ReadAt(p, rr.off)
	rr.off += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

// ParseReadTime reads a from/until date as HarperDB does (JavaScript's
// Date): a calendar date (YYYY, YYYY-MM, YYYY-MM-DD) is UTC midnight; a
// date with a time (T or a space, then HH:mm, HH:mm:ss or with a
// fraction) is local time unless it ends with Z or an offset (±HH:mm,
// ±HHmm). Anything else is an error.
func ParseReadTime(s string) (time.Time, error) {
	bad := fmt.Errorf("invalid date %q", s)
	date, clock, hasClock := s, "", false
	if i := indexAny(s, "T "); i >= 0 {
		date, clock, hasClock = s[:i], s[i+1:], true
	}
	year, mon, day := 0, 1, 1
	var err error
	switch len(date) {
	case 4, 7, 10:
		if year, err = atoiN(date[0:4]); err != nil {
			return time.Time{}, bad
		}
		if len(date) >= 7 {
			if date[4] != '-' {
				return time.Time{}, bad
			}
			if mon, err = atoiN(date[5:7]); err != nil {
				return time.Time{}, bad
			}
		}
		if len(date) == 10 {
			if date[7] != '-' {
				return time.Time{}, bad
			}
			if day, err = atoiN(date[8:10]); err != nil {
				return time.Time{}, bad
			}
		}
	default:
		return time.Time{}, bad
	}
	if mon < 1 || mon > 12 || day < 1 || day > time.Date(year, time.Month(mon)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return time.Time{}, bad
	}
	if !hasClock {
		if len(date) != 10 && len(date) != 7 && len(date) != 4 {
			return time.Time{}, bad
		}
		return time.Date(year, time.Month(mon), day, 0, 0, 0, 0, time.UTC), nil
	}
	if len(date) != 10 || len(clock) < 5 || clock[2] != ':' {
		return time.Time{}, bad
	}
	hh, err1 := atoiN(clock[0:2])
	mm, err2 := atoiN(clock[3:5])
	if err1 != nil || err2 != nil || hh > 24 || mm > 59 {
		return time.Time{}, bad
	}
	rest, ss, nsec := clock[5:], 0, 0
	if len(rest) >= 3 && rest[0] == ':' {
		if ss, err = atoiN(rest[1:3]); err != nil || ss > 59 {
			return time.Time{}, bad
		}
		rest = rest[3:]
		if len(rest) > 1 && (rest[0] == '.' || rest[0] == ',') {
			j, scale := 1, 100_000_000
			for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
				nsec += int(rest[j]-'0') * scale
				scale /= 10
				j++
			}
			if j == 1 {
				return time.Time{}, bad
			}
			rest = rest[j:]
		}
	}
	if hh == 24 && (mm != 0 || ss != 0 || nsec != 0) {
		return time.Time{}, bad
	}
	loc := time.Local
	offset := 0
	switch {
	case rest == "":
	case rest == "Z":
		loc = time.UTC
	case rest[0] == '+' || rest[0] == '-':
		z := rest[1:]
		var oh, om int
		var e1, e2 error
		switch len(z) {
		case 5:
			if z[2] != ':' {
				return time.Time{}, bad
			}
			oh, e1 = atoiN(z[0:2])
			om, e2 = atoiN(z[3:5])
		case 4:
			oh, e1 = atoiN(z[0:2])
			om, e2 = atoiN(z[2:4])
		default:
			return time.Time{}, bad
		}
		if e1 != nil || e2 != nil || oh > 23 || om > 59 {
			return time.Time{}, bad
		}
		offset = oh*3600 + om*60
		if rest[0] == '-' {
			offset = -offset
		}
		loc = time.UTC
	default:
		return time.Time{}, bad
	}
	t := time.Date(year, time.Month(mon), day, hh, mm, ss, nsec, loc)
	return t.Add(-time.Duration(offset) * time.Second), nil
}

func indexAny(s, chars string) int {
	for i := 0; i < len(s); i++ {
		for j := 0; j < len(chars); j++ {
			if s[i] == chars[j] {
				return i
			}
		}
	}
	return -1
}

// atoiN reads an all-digit string.
func atoiN(s string) (int, error) {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, strconv.ErrSyntax
		}
	}
	return strconv.Atoi(s)
}
