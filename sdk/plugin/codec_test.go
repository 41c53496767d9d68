package plugin

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	pb "github.com/hops-dev/hops/sdk/internal/proto"
)

// codecMessages are requests and answers in the shapes the lanes send,
// plus edge cases: empty, zero values, negative status, long fields.
func codecMessages(r *rand.Rand) []proto.Message {
	str := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('a' + r.IntN(26))
		}
		return string(b)
	}
	blob := func(n int) []byte {
		if n == 0 {
			return nil
		}
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		return b
	}
	msgs := []proto.Message{
		&pb.HandleRequest{},
		&pb.HandleResponse{},
		&pb.HandleRequest{End: true},
		&pb.HandleRequest{Header: &pb.RequestHeader{}},
		&pb.HandleRequest{Header: &pb.RequestHeader{Caller: &pb.Caller{}}},
		&pb.HandleResponse{Header: &pb.ResponseHeader{}},
		&pb.HandleResponse{Header: &pb.ResponseHeader{Status: -1}, End: true},
		&pb.HandleResponse{Header: &pb.ResponseHeader{Status: 200, ContentType: "application/json"},
			Chunk: []byte(`{"id":"primary"}` + "\n"), End: true},
		&pb.HandleRequest{Header: &pb.RequestHeader{Operation: "get_status", RequestId: "r1",
			Caller: &pb.Caller{Username: "admin", Role: "super_user", SuperUser: true, Permissions: []byte(`{"super_user":true}`), Token: "tok"}},
			Chunk: []byte(`{"operation":"get_status","id":"primary"}`), End: true},
	}
	for range 200 {
		msgs = append(msgs,
			&pb.HandleRequest{
				Header: &pb.RequestHeader{Operation: str(r.IntN(40)), RequestId: str(r.IntN(40)),
					Caller: &pb.Caller{Username: str(r.IntN(20)), Role: str(r.IntN(20)), SuperUser: r.IntN(2) == 0,
						Permissions: blob(r.IntN(300)), Token: str(r.IntN(200))}},
				Chunk: blob(r.IntN(1000)), End: r.IntN(2) == 0},
			&pb.HandleRequest{Chunk: blob(r.IntN(ChunkSize + 1)), End: r.IntN(2) == 0},
			&pb.HandleResponse{
				Header: &pb.ResponseHeader{Status: int32(r.IntN(600)), ContentType: str(r.IntN(30))},
				Chunk:  blob(r.IntN(1000)), End: r.IntN(2) == 0},
			&pb.HandleResponse{Chunk: blob(r.IntN(ChunkSize + 1)), End: r.IntN(2) == 0},
		)
	}
	return msgs
}

func newLike(m proto.Message) proto.Message {
	return m.ProtoReflect().New().Interface()
}

// TestWireCodecIsProtobuf checks that the hand codec writes exactly the
// bytes protobuf writes and reads back what protobuf reads, so either end
// may be a family built with or without it.
func TestWireCodecIsProtobuf(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i, m := range codecMessages(r) {
		want, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := wireCodec{}.Marshal(m)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if !bytes.Equal(got.Materialize(), want) {
			t.Fatalf("message %d: wrote\n%x\nprotobuf writes\n%x", i, got.Materialize(), want)
		}
		back := newLike(m)
		if err := (wireCodec{}).Unmarshal(mem.BufferSlice{mem.SliceBuffer(want)}, back); err != nil {
			t.Fatalf("message %d: read: %v", i, err)
		}
		viaProto := newLike(m)
		if err := proto.Unmarshal(want, viaProto); err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(back, viaProto) {
			t.Fatalf("message %d: read %v, protobuf reads %v", i, back, viaProto)
		}
	}
}

// TestWireCodecReadsWhatItDoesNotWrite checks messages the hand reader
// leaves to protobuf (unknown fields, a header sent twice, a message
// split across buffers) and what protobuf refuses (strings that are not
// UTF-8, a cut message): read as protobuf reads them.
func TestWireCodecReadsWhatItDoesNotWrite(t *testing.T) {
	base, err := proto.Marshal(&pb.HandleRequest{Header: &pb.RequestHeader{Operation: "get_status", Caller: &pb.Caller{Username: "u"}}, Chunk: []byte("{}"), End: true})
	if err != nil {
		t.Fatal(err)
	}
	unknown := protowire.AppendTag(append([]byte(nil), base...), 9, protowire.VarintType)
	unknown = protowire.AppendVarint(unknown, 7)
	header2, _ := proto.Marshal(&pb.HandleRequest{Header: &pb.RequestHeader{RequestId: "x"}})
	twice := append(append([]byte(nil), base...), header2...)
	badUTF8 := protowire.AppendTag(nil, 1, protowire.BytesType)
	badUTF8 = protowire.AppendBytes(badUTF8, protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), []byte{0xff, 'x'}))
	cases := map[string]mem.BufferSlice{
		"unknown field":  {mem.SliceBuffer(unknown)},
		"header twice":   {mem.SliceBuffer(twice)},
		"split":          {mem.SliceBuffer(base[:5]), mem.SliceBuffer(base[5:])},
		"not UTF-8":      {mem.SliceBuffer(badUTF8)},
		"cut":            {mem.SliceBuffer(base[:len(base)-3])},
		"wrong wiretype": {mem.SliceBuffer(protowire.AppendVarint(protowire.AppendTag(nil, 2, protowire.VarintType), 1))},
	}
	for name, data := range cases {
		got := &pb.HandleRequest{}
		gotErr := wireCodec{}.Unmarshal(data, got)
		want := &pb.HandleRequest{}
		wantErr := proto.Unmarshal(data.Materialize(), want)
		if (gotErr == nil) != (wantErr == nil) {
			t.Errorf("%s: error %v, protobuf's %v", name, gotErr, wantErr)
			continue
		}
		if gotErr == nil && !proto.Equal(got, want) {
			t.Errorf("%s: read %v, protobuf reads %v", name, got, want)
		}
	}
	// A message read into is emptied first, as protobuf empties it.
	used := &pb.HandleRequest{Header: &pb.RequestHeader{Operation: "x"}, Chunk: []byte("old"), End: true}
	if err := (wireCodec{}).Unmarshal(mem.BufferSlice{mem.SliceBuffer(header2)}, used); err != nil {
		t.Fatal(err)
	}
	if want := (&pb.HandleRequest{Header: &pb.RequestHeader{RequestId: "x"}}); !proto.Equal(used, want) {
		t.Errorf("read into a used message: %v", used)
	}
	// Writing a string that is not UTF-8 fails as protobuf's does.
	bad := &pb.HandleRequest{Header: &pb.RequestHeader{Operation: "\xff"}}
	if _, err := (wireCodec{}).Marshal(bad); err == nil {
		t.Error("wrote an operation name that is not UTF-8")
	}
	// Other messages are protobuf's.
	d := &pb.DescribeResponse{Name: "status", ApiVersion: 2}
	got, err := wireCodec{}.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	back := &pb.DescribeResponse{}
	if err := (wireCodec{}).Unmarshal(got, back); err != nil || !proto.Equal(back, d) {
		t.Fatalf("describe: %v %v", back, err)
	}
}

// BenchmarkWireCodec is one request and its answer written and read, as
// a get_status crosses the wire, by the hand codec and by protobuf's.
func BenchmarkWireCodec(b *testing.B) {
	req := &pb.HandleRequest{Header: &pb.RequestHeader{Operation: "get_status", RequestId: "0123456789abcdef",
		Caller: &pb.Caller{Username: "admin", Role: "super_user", SuperUser: true, Permissions: []byte(`{"super_user":true}`),
			Token: "eyJ1IjoiYWRtaW4iLCJlIjoxNzk1NDI1NDcwfQ.3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}},
		Chunk: []byte(`{"operation":"get_status","id":"primary"}`), End: true}
	resp := &pb.HandleResponse{Header: &pb.ResponseHeader{Status: 200, ContentType: "application/json"},
		Chunk: []byte(`{"id":"primary","status":"up","__createdtime__":1795425470050,"__updatedtime__":1795425470050}` + "\n"), End: true}
	for _, c := range []struct {
		name  string
		codec interface {
			Marshal(any) (mem.BufferSlice, error)
			Unmarshal(mem.BufferSlice, any) error
		}
	}{{"hand", wireCodec{}}, {"protobuf", protoCodec}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				d, err := c.codec.Marshal(req)
				if err != nil {
					b.Fatal(err)
				}
				if err := c.codec.Unmarshal(d, &pb.HandleRequest{}); err != nil {
					b.Fatal(err)
				}
				d, err = c.codec.Marshal(resp)
				if err != nil {
					b.Fatal(err)
				}
				if err := c.codec.Unmarshal(d, &pb.HandleResponse{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestWireCodecReusesLargeBuffers: large messages are written into pooled
// buffers that gRPC frees after writing them; a buffer given back and
// handed out again holds exactly the next message's bytes, whatever the
// one before held.
func TestWireCodecReusesLargeBuffers(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for i, size := range []int{ChunkSize, minPooledMessage, 100, ChunkSize - 1, 40 << 10, ChunkSize, 2 * ChunkSize} {
		chunk := make([]byte, size)
		for j := range chunk {
			chunk[j] = byte(r.IntN(256))
		}
		var m proto.Message = &pb.HandleResponse{Chunk: chunk, End: i%2 == 0}
		if i%3 == 1 {
			m = &pb.HandleRequest{Chunk: chunk}
		}
		want, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := wireCodec{}.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Materialize(), want) {
			t.Fatalf("message %d (%d bytes): not protobuf's bytes", i, size)
		}
		got.Free()
	}
}

// TestWireCodecReadsLargeSplitMessages: a large message that arrives in
// many frames is gathered into a pooled buffer that is not cleared
// first; each read gives exactly its own message, whatever the buffer
// held before.
func TestWireCodecReadsLargeSplitMessages(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	var gots, wants []*pb.HandleResponse
	for i, size := range []int{ChunkSize, minPooledMessage, ChunkSize / 2, 50 << 10, ChunkSize} {
		chunk := make([]byte, size)
		for j := range chunk {
			chunk[j] = byte(r.IntN(256))
		}
		want := &pb.HandleResponse{Chunk: chunk, End: i%2 == 0}
		if i == 2 {
			want.Header = &pb.ResponseHeader{Status: 200, ContentType: "application/json"}
		}
		wire, err := proto.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		var frames mem.BufferSlice
		for rest := wire; len(rest) > 0; {
			n := min(len(rest), 16<<10)
			frames = append(frames, mem.SliceBuffer(rest[:n]))
			rest = rest[n:]
		}
		got := &pb.HandleResponse{}
		if err := (wireCodec{}).Unmarshal(frames, got); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		gots, wants = append(gots, got), append(wants, want)
	}
	// Read last, so a message still pointing into a buffer the next one
	// was read into would show.
	for i := range gots {
		if !proto.Equal(gots[i], wants[i]) {
			t.Fatalf("message %d: read a different message", i)
		}
	}
}
