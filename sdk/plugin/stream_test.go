package plugin

import (
	"bytes"
	"errors"
	"io"
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
