package replpack

import (
	"bytes"
	"encoding/json"
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
