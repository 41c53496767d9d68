// Package replpack compresses the records source's replication messages:
// a packed message (a JSON array of outbox entries) travels as a JSON
// string holding the S2 block encoding of the array, in standard base64:
//
//	"<base64 of s2(JSON array of entries)>"
//
// The records family writes them into its outbox answer when the
// clustering family asks for Encoding, the clustering family publishes
// them as they are, and a follower's records family reads them back in
// repl_records_apply ("packs"). A JSON string is never an entry (entries
// are objects) nor a packed array, so the first byte tells a compressed
// message from the others.
package replpack

import (
	"encoding/base64"
	"errors"
	"fmt"
	"slices"

	"github.com/klauspost/compress/s2"
)

// Encoding is the name the outbox request and the pack heads use for this
// format.
const Encoding = "s2"

// MaxRaw bounds the decoded size of one pack: a message is at most a few
// MiB of entries; more is a damaged or hostile pack.
const MaxRaw = 64 << 20

// Is reports whether a message's data is a compressed pack.
func Is(data []byte) bool { return len(data) > 0 && data[0] == '"' }

// Append appends raw (a JSON array of entries) compressed, as a JSON
// string.
func Append(dst, raw []byte) []byte {
	return AppendCompressed(dst, Compress(nil, raw))
}

// MaxCompressedLen is the most bytes Compress may need for n bytes.
func MaxCompressedLen(n int) int { return s2.MaxEncodedLen(n) }

// Compress returns raw's S2 block encoding, written at the start of buf
// when buf is at least MaxCompressedLen(len(raw)) long (else allocated).
func Compress(buf, raw []byte) []byte { return s2.Encode(buf, raw) }

// Separators of JoinBlocks: the S2 blocks of "[", "," and "]".
var (
	openBlock  = s2.Encode(nil, []byte("["))
	commaBlock = s2.Encode(nil, []byte(","))
	closeBlock = s2.Encode(nil, []byte("]"))
)

// JoinBlocks returns, appended to dst, the S2 block of the JSON array
// whose members are the texts the blocks hold (each a block Compress
// wrote of one or more entries joined by commas): the block of
// "[" t1 "," t2 ... "]", made by joining the blocks' encoded elements
// (an S2 block's copies reach only back into its own text), without
// compressing again.
func JoinBlocks(dst []byte, blocks [][]byte) ([]byte, error) {
	list := make([][]byte, 0, 2*len(blocks)+1)
	list = append(list, openBlock)
	for i, b := range blocks {
		if i > 0 {
			list = append(list, commaBlock)
		}
		list = append(list, b)
	}
	list = append(list, closeBlock)
	out, err := s2.ConcatBlocks(dst, list...)
	if err != nil {
		return nil, fmt.Errorf("joining compressed entries: %w", err)
	}
	return out, nil
}

// DecodeBlock returns the text a block Compress wrote holds, appended to
// dst; it refuses a block that decodes to more than most bytes.
func DecodeBlock(dst, enc []byte, most int) ([]byte, error) {
	size, err := s2.DecodedLen(enc)
	if err != nil {
		return nil, fmt.Errorf("compressed entries: %w", err)
	}
	if size > most {
		return nil, fmt.Errorf("compressed entries: %d bytes decoded, more than %d", size, most)
	}
	n := len(dst)
	dst = slices.Grow(dst, size)[:n+size]
	if _, err := s2.Decode(dst[n:], enc); err != nil {
		return nil, fmt.Errorf("compressed entries: %w", err)
	}
	return dst, nil
}

// DecodedLen is the size of the text a block Compress wrote holds.
func DecodedLen(enc []byte) (int, error) {
	n, err := s2.DecodedLen(enc)
	if err != nil {
		return 0, fmt.Errorf("compressed entries: %w", err)
	}
	return n, nil
}

// TextLen is the length of the JSON string AppendCompressed writes for n
// compressed bytes.
func TextLen(n int) int { return 2 + base64.StdEncoding.EncodedLen(n) }

// AppendCompressed appends what Compress returned as the JSON string of a
// compressed pack.
func AppendCompressed(dst, enc []byte) []byte {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, enc)
	return append(dst, '"')
}

// Decode returns the JSON array a compressed pack (its JSON string text)
// holds.
func Decode(text []byte) ([]byte, error) {
	if len(text) < 2 || text[0] != '"' || text[len(text)-1] != '"' {
		return nil, errors.New("compressed pack: not a JSON string")
	}
	b64 := text[1 : len(text)-1]
	enc := make([]byte, base64.StdEncoding.DecodedLen(len(b64)))
	n, err := base64.StdEncoding.Decode(enc, b64)
	if err != nil {
		return nil, fmt.Errorf("compressed pack: %w", err)
	}
	enc = enc[:n]
	size, err := s2.DecodedLen(enc)
	if err != nil {
		return nil, fmt.Errorf("compressed pack: %w", err)
	}
	if size > MaxRaw {
		return nil, fmt.Errorf("compressed pack: %d bytes decoded, more than %d", size, MaxRaw)
	}
	raw, err := s2.Decode(make([]byte, size), enc)
	if err != nil {
		return nil, fmt.Errorf("compressed pack: %w", err)
	}
	if len(raw) < 2 || raw[0] != '[' || raw[len(raw)-1] != ']' {
		return nil, errors.New("compressed pack: not a list of entries")
	}
	return raw, nil
}
