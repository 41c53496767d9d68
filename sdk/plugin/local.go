package plugin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/hashicorp/go-hclog"

	"github.com/hops-dev/hops/sdk"
	pb "github.com/hops-dev/hops/sdk/internal/proto"
)

// Local runs one of the host's own operations in the host's process and
// returns its answer as a family's would come back: the handler's
// Response or error goes through the same path as in a family's process
// (status and content type defaults, JSON encoding, the status of an
// *sdk.Error or sdk.StatusError, a 500 with a logged error id for any
// other error or a panic), and the body streams through the returned
// Reply. Close the Reply's body when done; closing it early stops a
// streaming handler's writes.
func Local(ctx context.Context, h sdk.Handler, req *sdk.Request, log hclog.Logger) (*sdk.Reply, error) {
	if log == nil {
		log = hclog.NewNullLogger()
	}
	s := newMemStream()
	go func() { s.finish(serveRequest(ctx, h, req, &chunkWriter{s: s}, log)) }()
	return readReply(s, func(bool) { s.close() })
}

// errLocalClosed is what a local handler's writes return once the reader
// has closed the answer.
var errLocalClosed = errors.New("answer closed by its reader")

// memStream carries one answer between a local handler and its reader, in
// the messages a family's Handle stream carries.
type memStream struct {
	msgs   chan *pb.HandleResponse
	closed chan struct{}
	once   sync.Once
	err    error // set before msgs is closed
}

func newMemStream() *memStream {
	return &memStream{msgs: make(chan *pb.HandleResponse, 1), closed: make(chan struct{})}
}

// Send passes m to the reader. A chunk before the last is copied: the
// sender reuses its buffer once Send returns, as gRPC lets it; the last
// one's buffer is the sender's no more (chunkWriter drops it).
func (s *memStream) Send(m *pb.HandleResponse) error {
	if !m.End {
		m.Chunk = bytes.Clone(m.Chunk)
	}
	select {
	case s.msgs <- m:
		return nil
	case <-s.closed:
		return errLocalClosed
	}
}

// Recv returns the next message; after the last, the handler's outcome
// (io.EOF when it ended cleanly).
func (s *memStream) Recv() (*pb.HandleResponse, error) {
	m, ok := <-s.msgs
	if !ok {
		return nil, s.err
	}
	return m, nil
}

// finish ends the stream with the handler's outcome.
func (s *memStream) finish(err error) {
	if err == nil {
		err = io.EOF
	} else {
		err = fmt.Errorf("local answer: %w", err)
	}
	s.err = err
	close(s.msgs)
}

// close releases a handler still writing after its reader is done.
func (s *memStream) close() { s.once.Do(func() { close(s.closed) }) }
