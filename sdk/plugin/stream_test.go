package plugin

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	pb "github.com/hops-dev/hops/sdk/internal/proto"
)

// fakeReceiver hands out msgs, then err.
type fakeReceiver struct {
	msgs []*pb.HandleResponse
	err  error
}

func (f *fakeReceiver) Recv() (*pb.HandleResponse, error) {
	if len(f.msgs) == 0 {
		return nil, f.err
	}
	m := f.msgs[0]
	f.msgs = f.msgs[1:]
	return m, nil
}

// TestReplyWriteToMatchesRead: a reply copied by its WriteTo (what the
// server does) gives the bytes Read gives, reports whether it was read to
// its end, and passes on a stream cut short as an error.
func TestReplyWriteToMatchesRead(t *testing.T) {
	msgs := func() []*pb.HandleResponse {
		return []*pb.HandleResponse{
			{Header: &pb.ResponseHeader{Status: 200}, Chunk: []byte("[1,")},
			{Chunk: []byte("2,")},
			{},
			{Chunk: []byte("3]"), End: true},
		}
	}
	for _, viaWriteTo := range []bool{false, true} {
		var complete bool
		r, err := readReply(&fakeReceiver{msgs: msgs(), err: io.EOF}, func(c bool) { complete = c })
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if viaWriteTo {
			_, err = r.Body.(io.WriterTo).WriteTo(&got)
		} else {
			_, err = io.Copy(&got, struct{ io.Reader }{r.Body})
		}
		r.Body.Close()
		if err != nil || got.String() != "[1,2,3]" || !complete {
			t.Fatalf("WriteTo %v: %q, %v, complete %v", viaWriteTo, got.String(), err, complete)
		}
	}

	cut := errors.New("transport closing")
	m := msgs()[:2]
	var complete bool
	r, err := readReply(&fakeReceiver{msgs: m, err: cut}, func(c bool) { complete = c })
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	_, err = r.Body.(io.WriterTo).WriteTo(&got)
	r.Body.Close()
	if !errors.Is(err, cut) || got.String() != "[1,2," || complete {
		t.Fatalf("a cut answer: %q, %v, complete %v", got.String(), err, complete)
	}
}

// copyingSender keeps a copy of every chunk sent, as gRPC encodes a
// message before Send returns.
type copyingSender struct {
	chunks [][]byte
	ends   int
}

func (s *copyingSender) Send(m *pb.HandleResponse) error {
	s.chunks = append(s.chunks, bytes.Clone(m.Chunk))
	if m.End {
		s.ends++
	}
	return nil
}

// TestLaneWriterAnswersOfEverySize: one lane's writer answers small and
// large bodies one after another (a large one in a pooled ChunkSize
// buffer, given back at its end), written in pieces of every size, and
// each answer arrives whole, in ChunkSize chunks at most.
func TestLaneWriterAnswersOfEverySize(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	s := &copyingSender{}
	w := laneWriter(s)
	for i, size := range []int{100, keptBuffer - 1, keptBuffer + 1, 300 << 10, 10, ChunkSize, 3*ChunkSize + 7, 5 << 10, 0, 700 << 10} {
		body := make([]byte, size)
		for j := range body {
			body[j] = byte(r.IntN(256))
		}
		s.chunks = s.chunks[:0]
		w.start(200, "application/json")
		for rest := body; len(rest) > 0; {
			n := min(len(rest), 1+r.IntN(40<<10))
			if got, err := w.Write(rest[:n]); err != nil || got != n {
				t.Fatalf("answer %d: Write = %d, %v", i, got, err)
			}
			rest = rest[n:]
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		var got []byte
		for _, c := range s.chunks {
			if len(c) > ChunkSize {
				t.Fatalf("answer %d: a chunk of %d bytes", i, len(c))
			}
			got = append(got, c...)
		}
		if !bytes.Equal(got, body) || s.ends != i+1 {
			t.Fatalf("answer %d (%d bytes): got %d bytes, %d ends", i, size, len(got), s.ends)
		}
		if w.big != nil || cap(w.buf) > keptBuffer {
			t.Fatalf("answer %d: the writer kept a buffer of %d bytes", i, cap(w.buf))
		}
	}
	// An answer discarded before anything was sent gives its buffer back.
	w.start(200, "application/json")
	if _, err := w.Write(make([]byte, 100<<10)); err != nil {
		t.Fatal(err)
	}
	if !w.discard() || w.big != nil || w.buf != nil {
		t.Fatal("discard kept the buffer")
	}
}
