package replpack

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	raw := []byte(`[{"seq":1,"ts":1.5,"op":"put","record":{"id":1,"name":"a \"quoted\" name"}},` +
		strings.Repeat(`{"seq":2,"ts":2,"op":"put","record":{"id":2}},`, 500) + `{"seq":3}]`)
	text := Append([]byte("x"), raw)
	if text[0] != 'x' || !Is(text[1:]) {
		t.Fatalf("not a pack: %.40s", text)
	}
	var s string
	if err := json.Unmarshal(text[1:], &s); err != nil {
		t.Fatalf("not a JSON string: %v", err)
	}
	if len(text) > len(raw)/4 {
		t.Errorf("%d bytes packed from %d: not compressed", len(text), len(raw))
	}
	got, err := Decode(text[1:])
	if err != nil || !bytes.Equal(got, raw) {
		t.Fatalf("decode: %v %.80s", err, got)
	}
	if Is(raw) || Is([]byte(`{"seq":1}`)) {
		t.Error("an array or an entry taken for a pack")
	}
}

func TestDecodeRefusesDamage(t *testing.T) {
	good := Append(nil, []byte(`[{"seq":1}]`))
	for name, text := range map[string][]byte{
		"not a string": []byte(`[{"seq":1}]`),
		"bad base64":   []byte(`"!!!!"`),
		"truncated":    append(append([]byte{}, good[:len(good)-5]...), '"'),
		"not a list":   Append(nil, []byte(`{"seq":1}`)),
		"empty":        []byte(`""`),
		"one quote":    []byte(`"`),
	} {
		if _, err := Decode(text); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

// Blocks compressed one by one and joined decode to the JSON array of
// their texts, whatever their sizes (a one-byte text, texts under and
// over the encoder's 64 KiB fragments) and however much the texts repeat
// each other; the joined message is no larger than the blocks.
func TestJoinBlocks(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 11))
	entry := func(i int) string {
		return fmt.Sprintf(`{"seq":%d,"ts":%d.%03d,"node":"node-a","op":"put","database":"db","table":"t","primary_key":"id","key":%d,"record":{"id":%d,"name":"name %d","pad":%q}}`,
			i, 1_700_000_000_000+i, rng.IntN(1000), i, i, rng.IntN(50), strings.Repeat("xy", rng.IntN(40)))
	}
	for _, sizes := range [][]int{{1}, {1, 1, 1}, {3, 700, 2}, {2000, 1, 900}, {40, 40, 40, 40, 40, 40, 40, 40}} {
		var texts []string
		var blocks [][]byte
		seq, encSize := 0, 0
		for _, n := range sizes {
			parts := make([]string, n)
			for j := range parts {
				seq++
				parts[j] = entry(seq)
			}
			text := strings.Join(parts, ",")
			texts = append(texts, text)
			b := Compress(nil, []byte(text))
			blocks = append(blocks, b)
			encSize += len(b)
		}
		joined, err := JoinBlocks([]byte("keep"), blocks)
		if err != nil || string(joined[:4]) != "keep" {
			t.Fatalf("%v: join: %v %.10q", sizes, err, joined)
		}
		want := "[" + strings.Join(texts, ",") + "]"
		got, err := DecodeBlock(nil, joined[4:], MaxRaw)
		if err != nil || string(got) != want {
			t.Fatalf("%v: decoded %d bytes (%v), want %d", sizes, len(got), err, len(want))
		}
		if n := len(joined) - 4; n > encSize+16 {
			t.Errorf("%v: joined %d bytes from blocks of %d", sizes, n, encSize)
		}
		// The joined block is what Decode reads from a message.
		if got, err := Decode(AppendCompressed(nil, joined[4:])); err != nil || string(got) != want {
			t.Fatalf("%v: message decoded: %v", sizes, err)
		}
	}
}

func TestDecodeBlockRefusesDamage(t *testing.T) {
	good := Compress(nil, []byte(strings.Repeat(`{"seq":1},`, 100)))
	for name, enc := range map[string][]byte{
		"truncated": good[:len(good)/2],
		"empty":     {},
		"too large": binary.AppendUvarint(nil, MaxRaw+1),
	} {
		if _, err := DecodeBlock(nil, enc, MaxRaw); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}
