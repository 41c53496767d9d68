package sdk

import (
	"errors"
	"fmt"
	"io"

	pb "github.com/hops-dev/hops/sdk/proto"
)

// ChunkSize is the largest body chunk sent in one gRPC message: far under
// gRPC's 4 MiB default message limit, large enough that per-message
// overhead is negligible next to the copy.
const ChunkSize = 256 << 10

// maxMsgSize is the receive limit set on both ends of a family connection.
// Bodies always travel in ChunkSize pieces, so this is defence in depth, not
// what a large export relies on.
const maxMsgSize = 16 << 20

// responseSender is the sending half of a Handle or Dispatch stream.
type responseSender interface {
	Send(*pb.HandleResponse) error
}

// chunkWriter buffers a response body and sends it as chunks. The header
// (status, content type) goes out just before the first chunk, so a body
// producer that fails before the first ChunkSize bytes can still be
// answered with a proper error instead of a truncated body.
type chunkWriter struct {
	s           responseSender
	status      int
	contentType string
	buf         []byte
	sentHeader  bool
	n           int64
}

func newChunkWriter(s responseSender, status int, contentType string) *chunkWriter {
	return &chunkWriter{s: s, status: status, contentType: contentType}
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	total := len(p)
	for len(p) > 0 {
		// Grow the buffer by append, so a small answer costs a small
		// allocation; a large one settles on one ChunkSize buffer that is
		// reused after every Send (gRPC has copied it by then).
		n := min(len(p), ChunkSize-len(w.buf))
		w.buf = append(w.buf, p[:n]...)
		p = p[n:]
		if len(w.buf) == ChunkSize {
			if err := w.flush(); err != nil {
				return total - len(p), err
			}
		}
	}
	w.n += int64(total)
	return total, nil
}

func (w *chunkWriter) header() error {
	if w.sentHeader {
		return nil
	}
	w.sentHeader = true
	return w.s.Send(&pb.HandleResponse{Msg: &pb.HandleResponse_Header{Header: &pb.ResponseHeader{
		Status: int32(w.status), ContentType: w.contentType,
	}}})
}

func (w *chunkWriter) flush() error {
	if err := w.header(); err != nil {
		return err
	}
	if len(w.buf) == 0 {
		return nil
	}
	err := w.s.Send(&pb.HandleResponse{Msg: &pb.HandleResponse_Chunk{Chunk: w.buf}})
	// Send has marshalled (copied) the chunk before returning, so the
	// buffer is free for the next one.
	w.buf = w.buf[:0]
	return err
}

// discard drops buffered bytes that were never sent; it reports false when
// some were already sent and the answer can no longer change.
func (w *chunkWriter) discard() bool {
	w.buf = nil
	return !w.sentHeader
}

// Close flushes what is buffered and sends the header if nothing was sent.
func (w *chunkWriter) Close() error { return w.flush() }

// requestSender is the sending half of a stream that carries a request.
type requestSender interface {
	Send(*pb.HandleRequest) error
}

// sendRequest sends a request header then body in chunks.
func sendRequest(s requestSender, h *pb.RequestHeader, body []byte) error {
	if err := s.Send(&pb.HandleRequest{Msg: &pb.HandleRequest_Header{Header: h}}); err != nil {
		return fmt.Errorf("send request header: %w", err)
	}
	for len(body) > 0 {
		n := min(len(body), ChunkSize)
		if err := s.Send(&pb.HandleRequest{Msg: &pb.HandleRequest_Chunk{Chunk: body[:n]}}); err != nil {
			return fmt.Errorf("send request chunk: %w", err)
		}
		body = body[n:]
	}
	return nil
}

// requestReceiver is the receiving half of a stream that carries a request.
type requestReceiver interface {
	Recv() (*pb.HandleRequest, error)
}

// errBodyTooLarge is returned when a request body exceeds the limit.
var errBodyTooLarge = errors.New("request body too large")

// recvRequest reads a request header and the whole body (up to limit bytes).
func recvRequest(r requestReceiver, limit int) (*pb.RequestHeader, []byte, error) {
	first, err := r.Recv()
	if err != nil {
		return nil, nil, fmt.Errorf("receive request header: %w", err)
	}
	h := first.GetHeader()
	if h == nil {
		return nil, nil, errors.New("request stream did not start with a header")
	}
	var body []byte
	for {
		m, err := r.Recv()
		if errors.Is(err, io.EOF) {
			return h, body, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("receive request chunk: %w", err)
		}
		body = append(body, m.GetChunk()...)
		if limit > 0 && len(body) > limit {
			return nil, nil, errBodyTooLarge
		}
	}
}

// responseReceiver is the receiving half of a stream that carries a
// response.
type responseReceiver interface {
	Recv() (*pb.HandleResponse, error)
}

// Reply is a streamed answer: status, content type, and the body as a
// reader that pulls chunks off the stream as it is read.
type Reply struct {
	// Status is the HTTP status the operation chose.
	Status int
	// ContentType is the body's content type.
	ContentType string
	// Body reads the body; close it when done (closing early cancels the
	// stream).
	Body io.ReadCloser
}

// Err returns nil for a 2xx reply; otherwise it reads the body and returns
// the *Error it carries.
func (r *Reply) Err() error {
	if r.Status >= 200 && r.Status < 300 {
		return nil
	}
	defer r.Body.Close()
	return decodeErrorBody(r.Status, r.Body)
}

// readReply receives the header of a response stream and returns a Reply
// whose Body reads the chunks. cancel is called when the body is closed.
func readReply(r responseReceiver, cancel func()) (*Reply, error) {
	first, err := r.Recv()
	if err != nil {
		cancel()
		return nil, fmt.Errorf("receive response header: %w", err)
	}
	h := first.GetHeader()
	if h == nil {
		cancel()
		return nil, errors.New("response stream did not start with a header")
	}
	return &Reply{
		Status:      int(h.GetStatus()),
		ContentType: h.GetContentType(),
		Body:        &chunkReader{r: r, cancel: cancel},
	}, nil
}

// chunkReader reads a response body off a stream.
type chunkReader struct {
	r      responseReceiver
	cancel func()
	cur    []byte
	err    error
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for len(c.cur) == 0 {
		if c.err != nil {
			return 0, c.err
		}
		m, err := c.r.Recv()
		if errors.Is(err, io.EOF) {
			c.err = io.EOF
			continue
		}
		if err != nil {
			c.err = fmt.Errorf("receive response chunk: %w", err)
			continue
		}
		c.cur = m.GetChunk()
	}
	n := copy(p, c.cur)
	c.cur = c.cur[n:]
	return n, nil
}

func (c *chunkReader) Close() error {
	if c.cancel != nil {
		c.cancel()
		c.cancel = nil
	}
	return nil
}
