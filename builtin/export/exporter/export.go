package exporter

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// RowSource produces the rows of an export: it calls yield once per
// record, in order, and stops and returns yield's error as soon as yield
// fails. yield does not retain the map, so a source may reuse one map for
// every row.
type RowSource func(yield func(record map[string]any) error) error

// TextRowSource produces the rows of an export as JSON object texts (a
// search's answer, element by element), which the encoders copy from
// where they can. For each record, in order, it either calls prefix with
// its read buffer from where the record begins (Encoder.RowPrefix, which
// writes the record if it is whole there and returns its length, or
// returns 0) or, when prefix declined or the source has no such buffer,
// calls yield with the record's text (Encoder.RowText). It stops and
// returns the first error of either. Neither retains the bytes, so a
// source may reuse its buffer.
type TextRowSource func(prefix func(b []byte) (int, error), yield func(text []byte) error) error

// Rows is what an export writes: a RowSource or a TextRowSource.
type Rows interface {
	// feed writes every row through enc, calling before ahead of each.
	feed(enc Encoder, before func() error) error
}

func (s RowSource) feed(enc Encoder, before func() error) error {
	return s(func(record map[string]any) error {
		if err := before(); err != nil {
			return err
		}
		return enc.Row(record)
	})
}

func (s TextRowSource) feed(enc Encoder, before func() error) error {
	prefix := func(b []byte) (int, error) {
		n, err := enc.RowPrefix(b)
		if err == nil && n > 0 {
			err = before() // the row is written: count it as any other
		}
		return n, err
	}
	return s(prefix, func(text []byte) error {
		if err := before(); err != nil {
			return err
		}
		return enc.RowText(text)
	})
}

// Success messages of export_local's job result, as HarperDB words them.
const (
	// MsgLocalJSONDone is the result message of a JSON export_local.
	MsgLocalJSONDone = "Successfully exported JSON locally."
	// MsgLocalCSVDone is the result message of a CSV export_local.
	MsgLocalCSVDone = "Successfully exported CSV locally."
)

// LocalResult is export_local's job result, in HarperDB's shape.
type LocalResult struct {
	// Message is MsgLocalJSONDone or MsgLocalCSVDone.
	Message string `json:"message"`
	// Path is the full path of the written file.
	Path string `json:"path"`
}

// ctxCheckRows is how many rows Encode writes between checks of its
// context: often enough to stop within milliseconds, rarely enough to cost
// nothing per row.
const ctxCheckRows = 1024

// Encode writes every row of rows to w in format, with the given columns
// (nil when unknown; see Encoder.Begin). It stops with ctx's error when
// ctx ends, and with the first error of the source or the writer.
func Encode(ctx context.Context, format string, w io.Writer, columns []string, rows Rows) error {
	enc, err := NewEncoder(format, w)
	if err != nil {
		return err
	}
	if err := enc.Begin(columns); err != nil {
		return err
	}
	n := 0
	err = rows.feed(enc, func() error {
		n++
		if n%ctxCheckRows == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("export stopped: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return enc.End()
}

// ExportLocal writes the rows to req.FilePath through an AtomicFile: the
// file appears complete on success, and on any failure nothing is left.
func ExportLocal(ctx context.Context, req LocalRequest, columns []string, rows Rows) (LocalResult, error) {
	f, err := CreateAtomic(req.Path, req.FileName())
	if err != nil {
		return LocalResult{}, err
	}
	defer func() { _ = f.Abort() }()
	if err := Encode(ctx, req.Format, f, columns, rows); err != nil {
		return LocalResult{}, err
	}
	if err := f.Commit(); err != nil {
		return LocalResult{}, err
	}
	msg := MsgLocalJSONDone
	if req.Format == FormatCSV {
		msg = MsgLocalCSVDone
	}
	return LocalResult{Message: msg, Path: f.Path()}, nil
}

// errUploadStopped closes the pipe's read side when the upload ends, so
// an encoder still writing stops instead of blocking forever.
var errUploadStopped = errors.New("exporter: s3 upload stopped reading")

// ExportS3 encodes the rows in req.Format and streams them through an
// io.Pipe into UploadS3, so memory stays bounded by the upload's part
// buffers whatever the export's size. A failing source aborts the upload
// (no object is left) and its error is returned; otherwise an upload
// failure is returned as an *S3Error.
func ExportS3(ctx context.Context, req S3Request, columns []string, rows Rows) (S3Result, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pr, pw := io.Pipe()
	encoded := make(chan error, 1)
	go func() {
		err := Encode(ctx, req.Format, pw, columns, rows)
		_ = pw.CloseWithError(err) // nil: the upload reads EOF
		encoded <- err
	}()
	res, upErr := UploadS3(ctx, req, pr)
	_ = pr.CloseWithError(errUploadStopped)
	if upErr != nil {
		cancel() // a source watching ctx stops too
	}
	encErr := <-encoded
	switch {
	case upErr == nil && encErr == nil:
		return res, nil
	case upErr == nil:
		return S3Result{}, encErr
	case encErr != nil && errors.Is(upErr, encErr):
		// The upload failed because the source did: report the cause.
		return S3Result{}, encErr
	}
	return S3Result{}, upErr
}
