package exporter

import (
	"context"
	"errors"
	"fmt"
	"io"
)

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

// copyBufferSize is the buffer ExportLocal copies through: big enough
// that the file sees few large writes, small next to the S3 part buffers.
const copyBufferSize = 256 << 10

// ExportLocal copies body, the export file's bytes as the records family
// encoded them, to req.FilePath through an AtomicFile: the file appears
// complete on success, and on any failure (a read error of body, ctx
// ending) nothing is left.
func ExportLocal(ctx context.Context, req LocalRequest, body io.Reader) (LocalResult, error) {
	f, err := CreateAtomic(req.Path, req.FileName())
	if err != nil {
		return LocalResult{}, err
	}
	defer func() { _ = f.Abort() }()
	src := &source{ctx: ctx, r: body}
	if _, err := io.CopyBuffer(f, src, make([]byte, copyBufferSize)); err != nil {
		if src.err != nil {
			return LocalResult{}, src.err
		}
		return LocalResult{}, fmt.Errorf("write %s: %w", req.FileName(), err)
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

// ExportS3 streams body, the export file's bytes, into UploadS3, so
// memory stays bounded by the upload's part buffers whatever the
// export's size. A failing body (or ctx ending) aborts the upload (no
// object is left) and its error is returned; otherwise an upload failure
// is returned as an *S3Error.
func ExportS3(ctx context.Context, req S3Request, body io.Reader) (S3Result, error) {
	src := &source{ctx: ctx, r: body}
	res, err := UploadS3(ctx, req, src)
	if src.err != nil {
		return S3Result{}, src.err // the upload failed because its source did
	}
	return res, err
}

// source reads an export's body for a destination, keeping its first
// error apart from the destination's own, and stops when ctx ends.
type source struct {
	ctx context.Context
	r   io.Reader
	err error // the first failure of r or ctx (not io.EOF)
}

// Read implements io.Reader.
func (s *source) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if err := s.ctx.Err(); err != nil {
		s.err = fmt.Errorf("export stopped: %w", err)
		return 0, s.err
	}
	n, err := s.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		s.err = err
	}
	return n, err
}
