package plugin

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"google.golang.org/grpc/encoding"
	_ "google.golang.org/grpc/encoding/proto" // registers the codec wireCodec falls back to
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"

	pb "github.com/hops-dev/hops/sdk/internal/proto"
)

// wireCodec is the gRPC codec of every host<->family connection. It
// writes and reads the messages of a request or an answer (HandleRequest
// and HandleResponse, on Handle and Dispatch streams) by hand, in exactly
// the protobuf encoding the generated code writes (fields in number
// order, zero values left out), and hands every other message (Describe,
// Configure, go-plugin's own services) to gRPC's protobuf codec. The
// bytes on the wire are protobuf's either way, so a family built with
// another version of this package, or with none, reads them alike; what
// it saves is the reflection protobuf walks each message with, twice a
// call on each side. A message it cannot read as it expects (a field it
// does not know, a wire type it does not expect) is read again by
// protobuf, which keeps unknown fields as it always did.
//
// Its name is "proto", so the content type stays application/grpc+proto.
type wireCodec struct{}

// protoCodec is gRPC's own protobuf codec.
var protoCodec = encoding.GetCodecV2("proto")

func (wireCodec) Name() string { return "proto" }

func (wireCodec) Marshal(v any) (mem.BufferSlice, error) {
	var b []byte
	switch m := v.(type) {
	case *pb.HandleRequest:
		if !validRequest(m) {
			return protoCodec.Marshal(v) // which refuses it, as it always has
		}
		n := sizeHandleRequest(m)
		if n >= minPooledMessage {
			bp := messageBuffers.Get(n)
			*bp = appendHandleRequest((*bp)[:0], m)
			return mem.BufferSlice{mem.NewBuffer(bp, messageBuffers)}, nil
		}
		b = appendHandleRequest(make([]byte, 0, n), m)
	case *pb.HandleResponse:
		if m.Header != nil && !utf8.ValidString(m.Header.ContentType) {
			return protoCodec.Marshal(v)
		}
		n := sizeHandleResponse(m)
		if n >= minPooledMessage {
			bp := messageBuffers.Get(n)
			*bp = appendHandleResponse((*bp)[:0], m)
			return mem.BufferSlice{mem.NewBuffer(bp, messageBuffers)}, nil
		}
		b = appendHandleResponse(make([]byte, 0, n), m)
	default:
		return protoCodec.Marshal(v)
	}
	return mem.BufferSlice{mem.SliceBuffer(b)}, nil
}

// minPooledMessage is the smallest encoded message Marshal writes into a
// pooled buffer (messageBuffers): a chunk of a large body, up to
// ChunkSize, which would otherwise be an allocation of its own per
// message for the garbage collector to clear. Smaller ones are a plain
// allocation, as gRPC itself leaves them.
const minPooledMessage = 32 << 10

// messageBuffers are the buffers large messages are encoded into (gRPC
// gives each back, mem.Buffer's Free, once the message is written to the
// connection) and gathered into when received (Unmarshal). Unlike gRPC's
// default pool it does not clear a buffer it hands out: both overwrite
// it whole.
var messageBuffers = &bufferPool{}

// bufferPool is a mem.BufferPool of buffers of at least ChunkSize plus a
// message's framing (maxFraming).
type bufferPool struct{ p sync.Pool }

// maxFraming bounds what an encoded message adds to its chunk: the
// header's fields, tags and lengths.
const maxFraming = 4 << 10

// Get returns a buffer of length n.
func (bp *bufferPool) Get(n int) *[]byte {
	if b, _ := bp.p.Get().(*[]byte); b != nil && cap(*b) >= n {
		*b = (*b)[:n]
		return b
	}
	b := make([]byte, n, max(n, ChunkSize+maxFraming))
	return &b
}

// Put keeps b for a later Get unless it is larger than a chunk's
// message needs.
func (bp *bufferPool) Put(b *[]byte) {
	if cap(*b) <= ChunkSize+maxFraming {
		bp.p.Put(b)
	}
}

func (wireCodec) Unmarshal(data mem.BufferSlice, v any) error {
	switch v.(type) {
	case *pb.HandleRequest, *pb.HandleResponse:
	default:
		return protoCodec.Unmarshal(data, v)
	}
	// The message is one buffer unless it crossed frames; the fields
	// read out of it are copies, so the buffer goes back when done. A
	// large one (a body's chunk) is gathered into a buffer of
	// messageBuffers, which it overwrites whole: gRPC's default pool
	// would clear it first.
	pool := mem.DefaultBufferPool()
	if data.Len() >= minPooledMessage {
		pool = messageBuffers
	}
	buf := data.MaterializeToBuffer(pool)
	defer buf.Free()
	// Read into an empty message, as protobuf does (it resets m).
	var err error
	switch m := v.(type) {
	case *pb.HandleRequest:
		m.Header, m.Chunk, m.End = nil, nil, false
		err = readHandleRequest(buf.ReadOnlyData(), m)
	case *pb.HandleResponse:
		m.Header, m.Chunk, m.End = nil, nil, false
		err = readHandleResponse(buf.ReadOnlyData(), m)
	}
	if err != nil {
		if !errors.Is(err, errUnexpected) {
			return err
		}
		return protoCodec.Unmarshal(data, v)
	}
	return nil
}

// validRequest reports whether m's strings are UTF-8, which protobuf
// requires of a proto3 string field (it refuses to write or read others).
func validRequest(m *pb.HandleRequest) bool {
	h := m.Header
	if h == nil {
		return true
	}
	if !utf8.ValidString(h.Operation) || !utf8.ValidString(h.RequestId) {
		return false
	}
	c := h.Caller
	return c == nil || utf8.ValidString(c.Username) && utf8.ValidString(c.Role) && utf8.ValidString(c.Token)
}

// str is v as a string field: errUnexpected when it is not UTF-8
// (protobuf then reads the message, and refuses it).
func str(v []byte) (string, error) {
	if !utf8.Valid(v) {
		return "", errUnexpected
	}
	return string(v), nil
}

// Interning slots: the fields whose text repeats from one message to the
// next (one operation, one caller, one content type under load).
const (
	slotOperation = iota
	slotUsername
	slotRole
	slotToken
	slotContentType
	slots
)

// interned holds the last string read for each slot.
var interned [slots]atomic.Pointer[string]

// strIn is str, answering the string read last for the slot when v
// spells it again: no allocation for the text that repeats. Strings
// are immutable, so sharing one between requests is safe.
func strIn(slot int, v []byte) (string, error) {
	if p := interned[slot].Load(); p != nil && *p == string(v) {
		return *p, nil
	}
	s, err := str(v)
	if err == nil {
		interned[slot].Store(&s)
	}
	return s, err
}

// errUnexpected is what a hand reader returns for a message it does not
// read itself (protobuf then reads it).
var errUnexpected = errors.New("message not in the expected form")

// Field numbers of family.proto's request and answer messages.
const (
	fHeader      = 1 // HandleRequest.header, HandleResponse.header
	fChunk       = 2
	fEnd         = 3
	fOperation   = 1 // RequestHeader
	fCaller      = 2
	fRequestID   = 3
	fUsername    = 1 // Caller
	fRole        = 2
	fSuperUser   = 3
	fPermissions = 4
	fToken       = 5
	fStatus      = 1 // ResponseHeader
	fContentType = 2
)

// sizeBytes is the encoded size of a length-delimited field of n bytes
// (left out when n is 0, as proto3 does).
func sizeBytes(n int) int {
	if n == 0 {
		return 0
	}
	return 1 + protowire.SizeBytes(n)
}

func sizeBool(b bool) int {
	if b {
		return 2
	}
	return 0
}

func appendBytes(b []byte, num protowire.Number, v []byte) []byte {
	if len(v) == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func appendString(b []byte, num protowire.Number, v string) []byte {
	if v == "" {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, v)
}

func appendBool(b []byte, num protowire.Number, v bool) []byte {
	if !v {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return append(b, 1)
}

func sizeCaller(c *pb.Caller) int {
	return sizeBytes(len(c.Username)) + sizeBytes(len(c.Role)) + sizeBool(c.SuperUser) +
		sizeBytes(len(c.Permissions)) + sizeBytes(len(c.Token))
}

func sizeRequestHeader(h *pb.RequestHeader) int {
	n := sizeBytes(len(h.Operation)) + sizeBytes(len(h.RequestId))
	if h.Caller != nil {
		n += 1 + protowire.SizeBytes(sizeCaller(h.Caller))
	}
	return n
}

func sizeHandleRequest(m *pb.HandleRequest) int {
	n := sizeBytes(len(m.Chunk)) + sizeBool(m.End)
	if m.Header != nil {
		n += 1 + protowire.SizeBytes(sizeRequestHeader(m.Header))
	}
	return n
}

func appendHandleRequest(b []byte, m *pb.HandleRequest) []byte {
	if h := m.Header; h != nil {
		b = protowire.AppendTag(b, fHeader, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(sizeRequestHeader(h)))
		b = appendString(b, fOperation, h.Operation)
		if c := h.Caller; c != nil {
			b = protowire.AppendTag(b, fCaller, protowire.BytesType)
			b = protowire.AppendVarint(b, uint64(sizeCaller(c)))
			b = appendString(b, fUsername, c.Username)
			b = appendString(b, fRole, c.Role)
			b = appendBool(b, fSuperUser, c.SuperUser)
			b = appendBytes(b, fPermissions, c.Permissions)
			b = appendString(b, fToken, c.Token)
		}
		b = appendString(b, fRequestID, h.RequestId)
	}
	b = appendBytes(b, fChunk, m.Chunk)
	return appendBool(b, fEnd, m.End)
}

func sizeResponseHeader(h *pb.ResponseHeader) int {
	n := sizeBytes(len(h.ContentType))
	if h.Status != 0 {
		// int32 is encoded as the varint of its sign extension.
		n += 1 + protowire.SizeVarint(uint64(int64(h.Status)))
	}
	return n
}

func sizeHandleResponse(m *pb.HandleResponse) int {
	n := sizeBytes(len(m.Chunk)) + sizeBool(m.End)
	if m.Header != nil {
		n += 1 + protowire.SizeBytes(sizeResponseHeader(m.Header))
	}
	return n
}

func appendHandleResponse(b []byte, m *pb.HandleResponse) []byte {
	if h := m.Header; h != nil {
		b = protowire.AppendTag(b, fHeader, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(sizeResponseHeader(h)))
		if h.Status != 0 {
			b = protowire.AppendTag(b, fStatus, protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(int64(h.Status)))
		}
		b = appendString(b, fContentType, h.ContentType)
	}
	b = appendBytes(b, fChunk, m.Chunk)
	return appendBool(b, fEnd, m.End)
}

// fieldReader walks the fields of one message.
type fieldReader struct {
	b   []byte
	num protowire.Number
	typ protowire.Type
}

// next reads the next field's tag; false at the end of the message.
func (r *fieldReader) next() (bool, error) {
	if len(r.b) == 0 {
		return false, nil
	}
	num, typ, n := protowire.ConsumeTag(r.b)
	if n < 0 {
		return false, fmt.Errorf("read message: %w", protowire.ParseError(n))
	}
	r.b, r.num, r.typ = r.b[n:], num, typ
	return true, nil
}

// bytes reads a length-delimited value (not copied).
func (r *fieldReader) bytes() ([]byte, error) {
	if r.typ != protowire.BytesType {
		return nil, errUnexpected
	}
	v, n := protowire.ConsumeBytes(r.b)
	if n < 0 {
		return nil, fmt.Errorf("read message: %w", protowire.ParseError(n))
	}
	r.b = r.b[n:]
	return v, nil
}

func (r *fieldReader) varint() (uint64, error) {
	if r.typ != protowire.VarintType {
		return 0, errUnexpected
	}
	v, n := protowire.ConsumeVarint(r.b)
	if n < 0 {
		return 0, fmt.Errorf("read message: %w", protowire.ParseError(n))
	}
	r.b = r.b[n:]
	return v, nil
}

// copyBytes is a copy of v that is nil when v is empty, as protobuf
// leaves an absent bytes field.
func copyBytes(v []byte) []byte {
	if len(v) == 0 {
		return nil
	}
	return append([]byte(nil), v...)
}

func readHandleRequest(b []byte, m *pb.HandleRequest) error {
	r := fieldReader{b: b}
	for {
		ok, err := r.next()
		if !ok || err != nil {
			return err
		}
		switch r.num {
		case fHeader:
			v, err := r.bytes()
			if err != nil {
				return err
			}
			if m.Header != nil {
				return errUnexpected // a repeated message field merges: protobuf's work
			}
			m.Header = &pb.RequestHeader{}
			if err := readRequestHeader(v, m.Header); err != nil {
				return err
			}
		case fChunk:
			v, err := r.bytes()
			if err != nil {
				return err
			}
			m.Chunk = copyBytes(v)
		case fEnd:
			v, err := r.varint()
			if err != nil {
				return err
			}
			m.End = v != 0
		default:
			return errUnexpected
		}
	}
}

func readRequestHeader(b []byte, h *pb.RequestHeader) error {
	r := fieldReader{b: b}
	for {
		ok, err := r.next()
		if !ok || err != nil {
			return err
		}
		switch r.num {
		case fOperation, fRequestID:
			v, err := r.bytes()
			if err != nil {
				return err
			}
			if r.num == fOperation {
				h.Operation, err = strIn(slotOperation, v)
			} else {
				h.RequestId, err = str(v)
			}
			if err != nil {
				return err
			}
		case fCaller:
			v, err := r.bytes()
			if err != nil {
				return err
			}
			if h.Caller != nil {
				return errUnexpected
			}
			h.Caller = &pb.Caller{}
			if err := readCaller(v, h.Caller); err != nil {
				return err
			}
		default:
			return errUnexpected
		}
	}
}

func readCaller(b []byte, c *pb.Caller) error {
	r := fieldReader{b: b}
	for {
		ok, err := r.next()
		if !ok || err != nil {
			return err
		}
		if r.num == fSuperUser {
			v, err := r.varint()
			if err != nil {
				return err
			}
			c.SuperUser = v != 0
			continue
		}
		v, err := r.bytes()
		if err != nil {
			return err
		}
		if r.num == fPermissions {
			c.Permissions = copyBytes(v)
			continue
		}
		switch r.num {
		case fUsername:
			c.Username, err = strIn(slotUsername, v)
		case fRole:
			c.Role, err = strIn(slotRole, v)
		case fToken:
			c.Token, err = strIn(slotToken, v)
		default:
			return errUnexpected
		}
		if err != nil {
			return err
		}
	}
}

func readHandleResponse(b []byte, m *pb.HandleResponse) error {
	r := fieldReader{b: b}
	for {
		ok, err := r.next()
		if !ok || err != nil {
			return err
		}
		switch r.num {
		case fHeader:
			v, err := r.bytes()
			if err != nil {
				return err
			}
			if m.Header != nil {
				return errUnexpected
			}
			m.Header = &pb.ResponseHeader{}
			if err := readResponseHeader(v, m.Header); err != nil {
				return err
			}
		case fChunk:
			v, err := r.bytes()
			if err != nil {
				return err
			}
			m.Chunk = copyBytes(v)
		case fEnd:
			v, err := r.varint()
			if err != nil {
				return err
			}
			m.End = v != 0
		default:
			return errUnexpected
		}
	}
}

func readResponseHeader(b []byte, h *pb.ResponseHeader) error {
	r := fieldReader{b: b}
	for {
		ok, err := r.next()
		if !ok || err != nil {
			return err
		}
		switch r.num {
		case fStatus:
			v, err := r.varint()
			if err != nil {
				return err
			}
			if int64(v) < math.MinInt32 || int64(v) > math.MaxInt32 {
				// protobuf truncates; leave that to it.
				return errUnexpected
			}
			h.Status = int32(v)
		case fContentType:
			v, err := r.bytes()
			if err != nil {
				return err
			}
			if h.ContentType, err = strIn(slotContentType, v); err != nil {
				return err
			}
		default:
			return errUnexpected
		}
	}
}
