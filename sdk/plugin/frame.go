package plugin

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"

	"google.golang.org/protobuf/proto"

	pb "github.com/hops-dev/hops/sdk/internal/proto"
)

// The data plane's framing: Handle's messages (HandleRequest,
// HandleResponse), each as a 4-byte big-endian length and its protobuf
// encoding, on a unix socket that carries one request at a time. The
// message shapes, and so the code that writes and reads requests and
// answers (sendRequest, recvRequest, chunkWriter, readReply), are those of
// the gRPC Handle stream; only the transport differs.

// frameBufSize is the read buffer of a frame connection, and the largest
// write buffer it keeps between messages (a chunk's buffer is dropped).
const frameBufSize = 32 << 10

// tokenSize is the length of a data plane's token.
const tokenSize = 32

// frameConn reads and writes frames on one connection. Its methods are
// not safe for concurrent use, except close.
type frameConn struct {
	c    net.Conn
	r    *bufio.Reader
	wbuf []byte
	rbuf []byte
}

func newFrameConn(c net.Conn) *frameConn {
	return &frameConn{c: c, r: bufio.NewReaderSize(c, frameBufSize)}
}

// errFrameTooLarge is a frame whose length exceeds maxMsgSize: the peer
// is broken, the connection is not used again.
var errFrameTooLarge = errors.New("frame too large")

// writeMsg writes m as one frame, in one write.
func (f *frameConn) writeMsg(m proto.Message) error {
	b := append(f.wbuf[:0], 0, 0, 0, 0)
	b, err := proto.MarshalOptions{}.MarshalAppend(b, m)
	if err != nil {
		return fmt.Errorf("encode frame: %w", err)
	}
	if len(b)-4 > maxMsgSize {
		return errFrameTooLarge
	}
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	_, err = f.c.Write(b)
	if cap(b) <= frameBufSize {
		f.wbuf = b[:0]
	}
	if err != nil {
		return fmt.Errorf("write frame: %w", err)
	}
	return nil
}

// readMsg reads one frame into m. A connection closed between frames is
// io.EOF; inside one, io.ErrUnexpectedEOF.
func (f *frameConn) readMsg(m proto.Message) error {
	var hdr [4]byte
	if _, err := io.ReadFull(f.r, hdr[:]); err != nil {
		return err
	}
	n := int(binary.BigEndian.Uint32(hdr[:]))
	if n > maxMsgSize {
		return errFrameTooLarge
	}
	if cap(f.rbuf) < n {
		f.rbuf = make([]byte, n)
	}
	b := f.rbuf[:n]
	if _, err := io.ReadFull(f.r, b); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	// Unmarshal copies bytes fields, so the buffer is free for the next
	// frame; one that grew for a chunk is not kept.
	err := proto.Unmarshal(b, m)
	if cap(f.rbuf) > frameBufSize {
		f.rbuf = nil
	}
	if err != nil {
		return fmt.Errorf("decode frame: %w", err)
	}
	return nil
}

func (f *frameConn) close() { _ = f.c.Close() }

// Send and Recv make a frameConn the host's end of a request: it sends
// the request (requestSender) and receives the answer (responseReceiver).
func (f *frameConn) Send(m *pb.HandleRequest) error { return f.writeMsg(m) }

// Recv reads the next message of an answer. An answer ends with its end
// mark, never with the connection: a connection closed before it is
// io.ErrUnexpectedEOF, so a cut answer is never taken for a whole one.
func (f *frameConn) Recv() (*pb.HandleResponse, error) {
	m := new(pb.HandleResponse)
	if err := f.readMsg(m); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("data plane: %w", err)
	}
	return m, nil
}
