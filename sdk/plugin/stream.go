package plugin

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/hops-dev/hops/sdk"
	pb "github.com/hops-dev/hops/sdk/internal/proto"
)

// ChunkSize is the largest body chunk sent in one gRPC message, both ways:
// far under gRPC's 4 MiB default message limit, large enough that
// per-message overhead is negligible next to the copy.
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
// (status, content type) travels with the first chunk, which is sent only
// when ChunkSize bytes are buffered or at Close, so a body producer that
// fails before then can still be answered with a proper error instead of
// a truncated body, and a small answer is a single message.
//
// A lane's writer (laneWriter) answers one request after another and
// keeps its messages and a small buffer from one answer to the next: gRPC
// has encoded a message by the time Send returns, so nothing sent still
// points at them.
type chunkWriter struct {
	s           responseSender
	status      int
	contentType string
	buf         []byte
	sentHeader  bool
	n           int64
	// lane is set on a lane's writer: msg, hdr and a buffer of up to
	// keptBuffer bytes are reused by the next answer.
	lane bool
	msg  pb.HandleResponse
	hdr  pb.ResponseHeader
	// big is the ChunkSize buffer (bigBuffers) w.buf is, on a lane whose
	// answer outgrew keptBuffer; it goes back to the pool at the end.
	big *[]byte
}

// bigBuffers holds ChunkSize buffers for lanes' large answers: an answer
// larger than keptBuffer fills one instead of growing a buffer of its own
// by doubling (an allocation and a copy at each step) up to ChunkSize.
var bigBuffers = sync.Pool{New: func() any { b := make([]byte, 0, ChunkSize); return &b }}

// keptBuffer is the largest buffer a lane's writer keeps for its next
// answer: small answers (most of them) then cost no buffer, and an idle
// lane holds little memory (maxIdleLanes of them per family).
const keptBuffer = 16 << 10

func newChunkWriter(s responseSender, status int, contentType string) *chunkWriter {
	return &chunkWriter{s: s, status: status, contentType: contentType}
}

// laneWriter returns the writer of a Handle stream's answers; start
// begins each.
func laneWriter(s responseSender) *chunkWriter { return &chunkWriter{s: s, lane: true} }

// start begins a new answer.
func (w *chunkWriter) start(status int, contentType string) {
	w.status, w.contentType, w.sentHeader, w.n = status, contentType, false, 0
	w.buf = w.buf[:0]
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	total := len(p)
	for len(p) > 0 {
		// Grow the buffer by append, so a small answer costs a small
		// allocation; a large one settles on one ChunkSize buffer that is
		// reused after every Send (gRPC has copied it by then).
		n := min(len(p), ChunkSize-len(w.buf))
		if w.lane && w.big == nil && len(w.buf)+n > max(cap(w.buf), keptBuffer) {
			w.big = bigBuffers.Get().(*[]byte)
			w.buf = append((*w.big)[:0], w.buf...)
		}
		w.buf = append(w.buf, p[:n]...)
		p = p[n:]
		if len(w.buf) == ChunkSize {
			if err := w.send(false); err != nil {
				return total - len(p), err
			}
		}
	}
	w.n += int64(total)
	return total, nil
}

// send sends what is buffered (with the header, the first time), marked
// end when end is true.
func (w *chunkWriter) send(end bool) error {
	var m *pb.HandleResponse
	if w.lane {
		m = &w.msg
		m.Header, m.Chunk, m.End = nil, w.buf, end
	} else {
		m = &pb.HandleResponse{Chunk: w.buf, End: end}
	}
	if !w.sentHeader {
		w.sentHeader = true
		h := &pb.ResponseHeader{}
		if w.lane {
			h = &w.hdr
		}
		h.Status, h.ContentType = int32(w.status), w.contentType
		m.Header = h
	}
	err := w.s.Send(m)
	// Send has marshalled (copied) the chunk before returning, so the
	// buffer is free for the next one. The last chunk's buffer is left to
	// the receiver (nothing is written after it, and a receiver in the
	// same process, Local, keeps it instead of copying it), except on a
	// lane, where gRPC copied it too.
	switch {
	case !end, w.lane && w.big == nil && cap(w.buf) <= keptBuffer:
		w.buf = w.buf[:0]
	default:
		w.release()
	}
	return err
}

// release drops the buffer, returning a big one to bigBuffers.
func (w *chunkWriter) release() {
	if w.big != nil {
		*w.big = w.buf[:0]
		bigBuffers.Put(w.big)
		w.big = nil
	}
	w.buf = nil
}

// discard drops buffered bytes that were never sent; it reports false when
// some were already sent and the answer can no longer change.
func (w *chunkWriter) discard() bool {
	w.release()
	return !w.sentHeader
}

// Close sends what is buffered, marked end.
func (w *chunkWriter) Close() error { return w.send(true) }

// requestSender is the sending half of a stream that carries a request.
type requestSender interface {
	Send(*pb.HandleRequest) error
}

// sendRequest sends a request: the header with the first chunk, further
// chunks, the last message marked end. Each message is m, refilled (a
// new one when m is nil).
func sendRequest(s requestSender, h *pb.RequestHeader, body []byte, m *pb.HandleRequest) error {
	if m == nil {
		m = &pb.HandleRequest{}
	}
	first := true
	for {
		n := min(len(body), ChunkSize)
		m.Header, m.Chunk, m.End = nil, body[:n], n == len(body)
		if first {
			m.Header, first = h, false
		}
		if err := s.Send(m); err != nil {
			return fmt.Errorf("send request: %w", err)
		}
		body = body[n:]
		if m.End {
			return nil
		}
	}
}

// requestReceiver is the receiving half of a stream that carries a request.
type requestReceiver interface {
	Recv() (*pb.HandleRequest, error)
}

// errBodyTooLarge is returned when a request body exceeds the limit.
var errBodyTooLarge = errors.New("request body too large")

// recvRequest reads one request: header and body (up to limit bytes).
// eof reports that the client closed its side instead of marking end (the
// stream then carries no further request). A clean end of the stream
// before any header returns io.EOF.
func recvRequest(r requestReceiver, limit int) (h *pb.RequestHeader, body []byte, eof bool, err error) {
	first, err := r.Recv()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil, true, io.EOF
		}
		return nil, nil, false, fmt.Errorf("receive request header: %w", err)
	}
	h = first.GetHeader()
	if h == nil {
		return nil, nil, false, errors.New("request stream did not start with a header")
	}
	body = first.GetChunk()
	if first.GetEnd() {
		return h, body, false, nil
	}
	body = append([]byte(nil), body...)
	for {
		m, err := r.Recv()
		if errors.Is(err, io.EOF) {
			return h, body, true, nil
		}
		if err != nil {
			return nil, nil, false, fmt.Errorf("receive request chunk: %w", err)
		}
		body = append(body, m.GetChunk()...)
		if limit > 0 && len(body) > limit {
			return nil, nil, false, errBodyTooLarge
		}
		if m.GetEnd() {
			return h, body, false, nil
		}
	}
}

// responseReceiver is the receiving half of a stream that carries a
// response.
type responseReceiver interface {
	Recv() (*pb.HandleResponse, error)
}

// readReply receives the header of an answer and returns a Reply whose
// Body reads the chunks up to the end mark. done is called once when the
// body is closed, with whether the whole answer was read (the stream can
// then carry another request).
func readReply(r responseReceiver, done func(complete bool)) (*sdk.Reply, error) {
	first, err := r.Recv()
	if err != nil {
		done(false)
		return nil, fmt.Errorf("receive response header: %w", err)
	}
	h := first.GetHeader()
	if h == nil {
		done(false)
		return nil, errors.New("response stream did not start with a header")
	}
	cr := &chunkReader{r: r, done: done, cur: first.GetChunk()}
	if first.GetEnd() {
		cr.err = io.EOF
		cr.complete = true
	}
	return &sdk.Reply{Status: int(h.GetStatus()), ContentType: h.GetContentType(), Body: cr}, nil
}

// chunkReader reads an answer's body off a stream.
type chunkReader struct {
	r        responseReceiver
	done     func(complete bool)
	cur      []byte
	err      error
	complete bool
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for len(c.cur) == 0 {
		if c.err != nil {
			return 0, c.err
		}
		c.next()
	}
	n := copy(p, c.cur)
	c.cur = c.cur[n:]
	return n, nil
}

// WriteTo writes the rest of the body to w as it arrives, chunk by
// chunk, without a buffer of its own (io.Copy uses it).
func (c *chunkReader) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for {
		if len(c.cur) > 0 {
			m, err := w.Write(c.cur)
			n += int64(m)
			c.cur = c.cur[m:]
			if err != nil {
				return n, err
			}
		}
		if c.err != nil {
			if errors.Is(c.err, io.EOF) {
				return n, nil
			}
			return n, c.err
		}
		c.next()
	}
}

// next receives the next message into cur, or the end or error into err.
func (c *chunkReader) next() {
	m, err := c.r.Recv()
	switch {
	case errors.Is(err, io.EOF):
		c.err = io.EOF
	case err != nil:
		c.err = fmt.Errorf("receive response chunk: %w", err)
	default:
		c.cur = m.GetChunk()
		if m.GetEnd() {
			c.err, c.complete = io.EOF, true
		}
	}
}

func (c *chunkReader) Close() error {
	if c.done != nil {
		c.done(c.complete && len(c.cur) == 0)
		c.done = nil
	}
	return nil
}
