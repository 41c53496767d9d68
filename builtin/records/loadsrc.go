package records

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
)

// loadSource is what a load reads, opened once per pass.
type loadSource struct {
	// open returns a fresh reader of the whole source.
	open func() (io.ReadCloser, error)
	// json: the source is a JSON array of objects (an import_from_s3 key
	// ending in .json); otherwise CSV.
	json bool
	// jsonCells: JSON-looking CSV cells are parsed (the file loads).
	jsonCells bool
	// cleanup removes a temporary copy; nil when there is none.
	cleanup func()
}

func (s *loadSource) close() {
	if s.cleanup != nil {
		s.cleanup()
	}
}

// fileSource reads the file at p; temp marks a temporary copy, removed at
// the end.
func fileSource(p string, temp, jsonCells bool) *loadSource {
	src := &loadSource{open: func() (io.ReadCloser, error) {
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf(MsgFileOpen, err)
		}
		return f, nil
	}, jsonCells: jsonCells}
	if temp {
		src.cleanup = func() { _ = os.Remove(p) }
		src.json = path.Ext(p) == ".json"
	}
	return src
}

// rowReader yields a source's records one at a time; io.EOF at the end.
type rowReader interface {
	next() (map[string]any, error)
	close()
}

// rows opens the source for its write pass.
func (s *loadSource) rows() (rowReader, error) {
	rc, err := s.open()
	if err != nil {
		return nil, err
	}
	if s.json {
		return newJSONRows(rc)
	}
	r := newCSVReader(rc)
	rows := &csvRows{rc: rc, r: r, jsonCells: s.jsonCells}
	if err := r.next(); err != nil {
		if errors.Is(err, io.EOF) {
			rows.header = nil
			return rows, nil
		}
		_ = rc.Close()
		return nil, err
	}
	rows.header = csvHeader(r.fields(nil))
	return rows, nil
}

// csvRows are the records of a CSV source after its header row.
type csvRows struct {
	rc        io.ReadCloser
	r         *csvReader
	header    []string
	jsonCells bool
	cells     []string
}

// next implements rowReader: the row's cells under the header's names,
// typed (castCell); cells beyond the header are dropped, missing ones
// left out.
func (c *csvRows) next() (map[string]any, error) {
	if c.header == nil {
		return nil, io.EOF
	}
	if err := c.r.next(); err != nil {
		return nil, err
	}
	c.cells = c.r.fields(c.cells)
	n := min(len(c.cells), len(c.header))
	rec := make(map[string]any, n)
	for i := 0; i < n; i++ {
		rec[c.header[i]] = castCell(c.cells[i], c.jsonCells)
	}
	return rec, nil
}

func (c *csvRows) close() { _ = c.rc.Close() }

// jsonRows are the records of a JSON array source.
type jsonRows struct {
	rc  io.ReadCloser
	dec *json.Decoder
	n   int
}

// newJSONRows reads the opening bracket of a JSON array.
func newJSONRows(rc io.ReadCloser) (*jsonRows, error) {
	dec := json.NewDecoder(rc)
	dec.UseNumber()
	tok, err := dec.Token()
	if d, ok := tok.(json.Delim); err != nil || !ok || d != '[' {
		_ = rc.Close()
		return nil, errors.New(MsgJSONNotArray)
	}
	return &jsonRows{rc: rc, dec: dec}, nil
}

// next implements rowReader: the next element, which must be an object;
// strings in it that look like JSON are parsed (castJSONDeep), as
// HarperDB's JSON load does.
func (j *jsonRows) next() (map[string]any, error) {
	if !j.dec.More() {
		if _, err := j.dec.Token(); err != nil {
			return nil, fmt.Errorf(MsgJSONSyntax, j.dec.InputOffset(), err)
		}
		return nil, io.EOF
	}
	j.n++
	var rec map[string]any
	if err := j.dec.Decode(&rec); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return nil, fmt.Errorf(MsgJSONNotObject, j.n)
		}
		return nil, fmt.Errorf(MsgJSONSyntax, j.dec.InputOffset(), err)
	}
	if rec == nil {
		return nil, fmt.Errorf(MsgJSONNotObject, j.n)
	}
	castJSONDeep(rec)
	return rec, nil
}

func (j *jsonRows) close() { _ = j.rc.Close() }

// scanSource is a load's first pass: it reads the whole source, so that a
// malformed row stops the load before anything is written, and returns
// the number of rows and the attributes they write (the CSV header; every
// key of a JSON source), for the caller's attribute rights.
func scanSource(ctx context.Context, src *loadSource) (int, []string, error) {
	if src.json {
		return scanJSON(ctx, src)
	}
	rc, err := src.open()
	if err != nil {
		return 0, nil, err
	}
	defer func() { _ = rc.Close() }()
	r := newCSVReader(rc)
	if err := r.next(); err != nil {
		if errors.Is(err, io.EOF) {
			return 0, nil, nil
		}
		return 0, nil, err
	}
	header := csvHeader(r.fields(nil))
	n := 0
	for {
		err := r.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, nil, err
		}
		if n++; n%loadBatch == 0 && ctx.Err() != nil {
			return 0, nil, ctx.Err()
		}
	}
	if n == 0 {
		return 0, nil, nil
	}
	if err := checkColumnNames(header); err != nil {
		return 0, nil, err
	}
	return n, header, nil
}

// scanJSON is scanSource for a JSON array of objects.
func scanJSON(ctx context.Context, src *loadSource) (int, []string, error) {
	rc, err := src.open()
	if err != nil {
		return 0, nil, err
	}
	rows, err := newJSONRows(rc)
	if err != nil {
		return 0, nil, err
	}
	defer rows.close()
	seen := map[string]bool{}
	var attrs []string
	n := 0
	for {
		rec, err := rows.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, nil, err
		}
		for k := range rec {
			if !seen[k] {
				seen[k] = true
				attrs = append(attrs, k)
			}
		}
		if n++; n%loadBatch == 0 && ctx.Err() != nil {
			return 0, nil, ctx.Err()
		}
	}
	slices.Sort(attrs)
	return n, attrs, nil
}
