package fastjson

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/hops-dev/hops/builtin/internal/fastjson/jsontest"
)

// stdValue decodes one JSON value as encoding/json with UseNumber does,
// refusing trailing data.
func stdValue(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, strconv.ErrSyntax
	}
	return v, nil
}

// checkCanonical fails t when Canonical says yes to text that is not what
// the encoders write for its decoding: the property callers rely on to
// copy text instead of re-encoding it.
func checkCanonical(t *testing.T, text []byte) bool {
	t.Helper()
	if !Canonical(text) {
		return false
	}
	v, err := stdValue(text)
	if err != nil {
		t.Fatalf("Canonical(%q) but encoding/json refuses it: %v", text, err)
	}
	var e Encoder
	got, err := e.AppendValue(nil, v)
	if err != nil || !bytes.Equal(got, text) {
		t.Fatalf("Canonical(%q) but Encoder writes %q (%v)", text, got, err)
	}
	if s, ok := v.(string); ok {
		if js := AppendStringJS(nil, s); !bytes.Equal(js, text) {
			t.Fatalf("Canonical(%q) but AppendStringJS writes %q", text, js)
		}
	}
	return true
}

// safeValue is a random value whose every string needs no escape, so its
// encoding must be canonical.
func safeValue(rng *rand.Rand, depth int) any {
	words := []string{"", "a", "Zeta", "user 12", "é✓𝄞", "<b>&</b>", "x/y", "~\x7f"}
	n := 5
	if depth > 0 {
		n = 7
	}
	switch rng.IntN(n) {
	case 0:
		return nil
	case 1:
		return rng.IntN(2) == 0
	case 2:
		return words[rng.IntN(len(words))]
	case 3:
		return jsontest.TrickyNumbers[1+rng.IntN(len(jsontest.TrickyNumbers)-1)]
	case 4:
		return json.Number(strconv.FormatInt(rng.Int64()>>rng.IntN(64), 10))
	case 5:
		m := map[string]any{}
		for k := rng.IntN(4); k > 0; k-- {
			m[words[rng.IntN(len(words))]] = safeValue(rng, depth-1)
		}
		return m
	}
	s := make([]any, rng.IntN(4))
	for i := range s {
		s[i] = safeValue(rng, depth-1)
	}
	return s
}

func TestCanonicalAcceptsWhatEncoderWrites(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for i := range 3000 {
		v := safeValue(rng, 3)
		text := []byte(jsontest.StdJSON(t, v))
		if !checkCanonical(t, text) {
			t.Fatalf("value %d: Encoder's own text %q is not canonical", i, text)
		}
	}
}

// variants are texts near text: with a space, with an escape, cut short,
// with keys swapped, so that both answers of Canonical are exercised.
func variants(rng *rand.Rand, text string) []string {
	out := []string{text}
	if len(text) > 1 {
		i := 1 + rng.IntN(len(text)-1)
		out = append(out, text[:i]+" "+text[i:], text[:i], text[:i]+`\u0041`+text[i:])
	}
	out = append(out, strings.Replace(text, `"a"`, `"\u0061"`, 1), strings.Replace(text, "1", "01", 1))
	return out
}

func TestCanonicalRefusesWhatDecodesDifferently(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	yes, no := 0, 0
	try := func(text string) {
		if checkCanonical(t, []byte(text)) {
			yes++
		} else {
			no++
		}
	}
	for _, s := range jsontest.DecodeSeeds {
		try(s)
		try(strings.TrimSpace(s))
	}
	for _, s := range jsontest.TrickyStrings {
		try(string(AppendString(nil, s)))
		try(string(AppendStringJS(nil, s)))
	}
	for range 3000 {
		for _, text := range variants(rng, jsontest.StdJSON(t, jsontest.RandomValue(rng, 3))) {
			try(text)
		}
	}
	for _, text := range []string{`{"b":1,"a":2}`, `{"a":1,"a":1}`, `[1 ]`, `1.`, `"\/"`, `nul`, `{"a":1}}`, `[1,]`} {
		if Canonical([]byte(text)) {
			t.Errorf("Canonical(%q) = true", text)
		}
	}
	if yes == 0 || no == 0 {
		t.Fatalf("the inputs must exercise both answers: %d canonical, %d not", yes, no)
	}
}

// shuffledObject writes m compactly with its keys in random order.
func shuffledObject(t *testing.T, rng *rand.Rand, m map[string]any) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(jsontest.StdJSON(t, k) + ":" + jsontest.StdJSON(t, m[k]))
	}
	b.WriteByte('}')
	return b.String()
}

// walk decodes text through members as a caller does: canonical values
// decoded from their text, the others by DecodeValue. ok=false when the
// walk or a value refuses, so the caller would decode the whole text.
func walk(t *testing.T, text []byte) (map[string]any, bool) {
	t.Helper()
	m := map[string]any{}
	var rebuilt []byte
	it := newMembers(text)
	for it.Next() {
		if len(rebuilt) == 0 {
			rebuilt = append(rebuilt, '{')
		} else {
			rebuilt = append(rebuilt, ',')
		}
		rebuilt = append(append(append(append(rebuilt, '"'), it.Key()...), '"', ':'), it.Value()...)
		if it.Canonical() && !checkCanonical(t, it.Value()) {
			t.Fatalf("%q: member %q reported canonical, Canonical disagrees", text, it.Value())
		}
		v, ok := DecodeValue(it.Value())
		if !ok {
			return nil, false
		}
		m[string(it.Key())] = v
	}
	if !it.Done() {
		return nil, false
	}
	if len(rebuilt) == 0 {
		rebuilt = append(rebuilt, '{')
	}
	if rebuilt = append(rebuilt, '}'); !bytes.Equal(rebuilt, text) {
		t.Fatalf("the members of %q rebuild %q", text, rebuilt)
	}
	return m, true
}

// randomObject is the i-th random value of the walk tests, and whether
// it is an object: every other one is drawn from safeValue (no escapes
// needed), so both the copying and the decoding paths get exercised.
func randomObject(rng *rand.Rand, i int) (map[string]any, bool) {
	v := jsontest.RandomValue(rng, 3)
	if i%2 == 1 {
		v = safeValue(rng, 3)
	}
	m, isMap := v.(map[string]any)
	return m, isMap && m != nil
}

func TestMembersWalkEqualsDecode(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	walked := 0
	for i := range 4000 {
		m, ok := randomObject(rng, i)
		if !ok {
			continue
		}
		for _, text := range []string{jsontest.StdJSON(t, m), shuffledObject(t, rng, m)} {
			got, ok := walk(t, []byte(text))
			want, err := jsontest.StdDecode([]byte(text))
			if err != nil {
				t.Fatalf("reference refuses %q: %v", text, err)
			}
			if !ok {
				if !strings.Contains(text, `\`) {
					t.Fatalf("compact %q without escapes must walk", text)
				}
				continue
			}
			walked++
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%q: walked %#v, decoded %#v", text, got, want)
			}
		}
	}
	if walked < 500 {
		t.Fatalf("only %d objects walked", walked)
	}
}

func TestMembersStopsOnWhatItCannotWalk(t *testing.T) {
	for _, text := range []string{``, `{`, `[]`, `{"a":1`, `{"a" :1}`, `{"a":1,}`, `{"\u0061":1}`, `{"a":1}x`, `{} `, `{"a":"x}`} {
		it := newMembers([]byte(text))
		for it.Next() {
		}
		if it.Done() {
			t.Errorf("%q: Done after a walk that cannot be right", text)
		}
	}
	it := newMembers([]byte(`{}`))
	if it.Next() || !it.Done() {
		t.Error(`{} is an object without members`)
	}
}

func TestDecodeValueMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	texts := append([]string{`1`, `"x"`, `null`, `[1,{"a":[]}]`, ` 1`, `1 `, `tru`}, jsontest.DecodeSeeds...)
	for range 1000 {
		texts = append(texts, jsontest.StdJSON(t, jsontest.RandomValue(rng, 3)))
	}
	for _, text := range texts {
		got, ok := DecodeValue([]byte(text))
		want, err := stdValue([]byte(text))
		if !ok {
			continue // "not sure" is always allowed
		}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("DecodeValue(%q) = %#v; encoding/json: %#v, %v", text, got, want, err)
		}
	}
}

// FuzzMembers checks the promise callers build on: a walk that is Done,
// whose values all decode, read the same object encoding/json reads.
func FuzzMembers(f *testing.F) {
	for _, s := range jsontest.DecodeSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"a":{"b":1,"a":2},"c":[1,"]"],"d":"}"}`))
	f.Fuzz(func(t *testing.T, text []byte) {
		got, ok := walk(t, text)
		if !ok {
			return
		}
		want, err := jsontest.StdDecode(text)
		if err != nil {
			t.Fatalf("walked %q, which encoding/json refuses: %v", text, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: walked %#v, decoded %#v", text, got, want)
		}
	})
}

func TestSlotsFill(t *testing.T) {
	s := NewSlots([]string{"id", "b", "a"})
	cases := []struct {
		text   string
		others bool
		ok     bool
		want   []string // each column's text, "" when absent
	}{
		{`{"id":1,"b":"x","a":[1]}`, false, true, []string{"1", `"x"`, "[1]"}},
		{`{"a":{"z":1,"y":2},"id":"k"}`, false, true, []string{`"k"`, "", `{"z":1,"y":2}`}},
		{`{"b":true,"a":null,"id":2}`, false, true, []string{"2", "true", "null"}},
		{`{"id":1,"c":2}`, false, false, nil},
		{`{"id":1,"c":2,"a":3}`, true, true, []string{"1", "", "3"}},
		{`{"id":1,"id":2}`, true, false, nil},
		{`{"id":1, "b":2}`, true, false, nil},
		{`{}`, false, true, []string{"", "", ""}},
		// Orders that differ from the last object's, so Fill's learned
		// guesses are wrong: the values must still land in their columns.
		{`{"a":1,"b":2,"id":3}`, false, true, []string{"3", "2", "1"}},
		{`{"a":1,"b":2,"id":3}`, false, true, []string{"3", "2", "1"}},
		{`{"id":3,"a":1,"b":2}`, false, true, []string{"3", "2", "1"}},
		{`{"a":1,"c":0,"b":2}`, true, true, []string{"", "2", "1"}},
		{`{"a":1,"b":2,"a":3}`, false, false, nil},
		{`{"b":2}`, false, true, []string{"", "2", ""}},
		{`{"id":1,"b":"x","a":[1]}`, false, true, []string{"1", `"x"`, "[1]"}},
		{`{"id":1,"b":"x\n","a":[1]}`, false, true, []string{"1", `"x\n"`, "[1]"}},
		{`{"id":1,"b":"x","a":[1],"c":2}`, true, true, []string{"1", `"x"`, "[1]"}},
		{`{"id":1,"a":[1],"b":"x"}`, false, true, []string{"1", `"x"`, "[1]"}},
		// Members in column order first (Fill matches them without a
		// lookup), then something else: the walk goes on from there.
		{`{"id":1,"b":2,"id":3}`, true, false, nil},
		{`{"id":1,"b":2,"a":3,"b":4}`, true, false, nil},
		{`{"id":1,"b":2,"a":3,"c":4}`, false, false, nil},
		{`{"id":1,"b":2}`, false, true, []string{"1", "2", ""}},
		{`{"id":1,"b":2,"a":3}x`, false, false, nil},
		{`{"id":1,"b":2,"a":3 }`, false, false, nil},
		{`{"id":1,"b":2,"a":3,}`, true, false, nil},
		{`{"id":1,"b":{"y":1,"x":2},"a":3}`, false, true, []string{"1", `{"y":1,"x":2}`, "3"}},
		{`{"id":1,"bb":2,"a":3}`, true, true, []string{"1", "", "3"}},
		{`{"id":1,"b":2,"a":3}`, false, true, []string{"1", "2", "3"}},
	}
	for _, c := range cases {
		ok := s.Fill([]byte(c.text), c.others)
		if ok != c.ok {
			t.Errorf("Fill(%s, %v) = %v", c.text, c.others, ok)
			continue
		}
		for i, want := range c.want {
			got, canon := s.Value(i)
			if string(got) != want || (got != nil && canon != Canonical(got)) {
				t.Errorf("Fill(%s): column %d = %q (canonical %v), want %q", c.text, i, got, canon, want)
			}
		}
	}
}

// TestSlotsWhole: Whole is true exactly when the object filled is the
// columns' members, in column order, each canonical, and nothing else;
// its text is then what AppendObject writes. A FillSome or FillLax after
// a whole Fill is never whole.
func TestSlotsWhole(t *testing.T) {
	cols := []string{"id", "a", "b"}
	s := NewSlots(cols)
	names := make([][]byte, len(cols))
	for i, c := range cols {
		names[i] = []byte(`"` + c + `":`)
	}
	appendValue := func(b []byte, _ int, v any) ([]byte, error) { return (&Encoder{}).AppendValue(b, v) }
	cases := []struct {
		text   string
		others bool
		whole  bool
	}{
		{`{"id":1,"a":"x","b":[1,{"k":2}]}`, false, true},
		{`{"id":"k","a":null,"b":true}`, true, true},
		{`{"id":1,"b":2,"a":3}`, false, false},      // out of column order
		{`{"a":3,"id":1,"b":2}`, false, false},      // out of column order
		{`{"id":1,"a":2}`, false, false},            // a column missing
		{`{"id":1,"a":2,"b":3,"c":4}`, true, false}, // a member that is no column
		{`{"c":4,"id":1,"a":2,"b":3}`, true, false},
		{`{"id":1,"x":0,"a":2,"b":3}`, true, false},
		{`{"id":1,"a":"x\n","b":3}`, false, false}, // a value not canonical
		{`{"id":1,"a":1.50,"b":{"z":1,"a":2}}`, false, false},
		{`{"id":1,"a":1.50,"b":{"a":1,"z":2}}`, false, true},
	}
	for _, c := range cases {
		if !s.Fill([]byte(c.text), c.others) {
			t.Fatalf("Fill(%s) failed", c.text)
		}
		if s.Whole() != c.whole {
			t.Errorf("Fill(%s, %v): Whole() = %v, want %v", c.text, c.others, s.Whole(), c.whole)
		}
		if s.Whole() {
			got, ok, err := s.AppendObject(nil, names, appendValue)
			if !ok || err != nil || string(got) != c.text {
				t.Errorf("Fill(%s): whole, but AppendObject wrote %s (%v, %v)", c.text, got, ok, err)
			}
		}
	}
	whole := []byte(`{"id":1,"a":2,"b":3}`)
	if !s.Fill(whole, false) || !s.Whole() {
		t.Fatal("not whole")
	}
	if !s.FillSome(whole) || s.Whole() {
		t.Error("FillSome left Whole set")
	}
	s.Fill(whole, false)
	if !s.FillLax(whole) || s.Whole() {
		t.Error("FillLax left Whole set")
	}
	s.Fill(whole, false)
	if s.Fill([]byte(`{"id":1,"a":2,"b":3`), false) || s.Whole() {
		t.Error("a failed Fill left Whole set")
	}
}

// TestSlotsFillSome: FillSome finds the same values as Fill, stopping as
// soon as it has every column (so what follows is not read: a repeated
// key or broken text after that point goes unseen), and fails as Fill
// does on what comes before.
func TestSlotsFillSome(t *testing.T) {
	s := NewSlots([]string{"id", "b"})
	cases := []struct {
		text string
		ok   bool
		want []string // each column's text, "" when absent
	}{
		{`{"id":1,"b":"x","a":[1]}`, true, []string{"1", `"x"`}},
		{`{"a":{"z":1,"y":[2,"}"]},"b":"q\"]","id":"k"}`, true, []string{`"k"`, `"q\"]"`}},
		{`{"b":true,"c":null}`, true, []string{"", "true"}},
		{`{}`, true, []string{"", ""}},
		{`{"id":1,"b":2,"id":3}`, true, []string{"1", "2"}}, // stopped before the repeat
		{`{"id":1,"b":2,broken`, true, []string{"1", "2"}},
		{`{"id":1,"id":2,"b":3}`, false, nil},
		{`{"id":1,broken`, false, nil},
		{`{"id":1, "b":2}`, false, nil},
		{`{"b":[1,2`, false, nil},
	}
	for _, c := range cases {
		ok := s.FillSome([]byte(c.text))
		if ok != c.ok {
			t.Errorf("FillSome(%s) = %v", c.text, ok)
			continue
		}
		for i, want := range c.want {
			if got, canon := s.Value(i); string(got) != want || canon {
				t.Errorf("FillSome(%s): column %d = %q (canonical %v), want %q", c.text, i, got, canon, want)
			}
		}
	}
}

// TestSlotsFillLax: FillLax finds what Fill finds, cutting values by
// structure alone (never canonical, not checked: "01" and "\x" pass), and
// walks to the end, so a repeated key or broken text anywhere fails it.
func TestSlotsFillLax(t *testing.T) {
	s := NewSlots([]string{"id", "b"})
	cases := []struct {
		text string
		ok   bool
		want []string // each column's text, "" when absent
	}{
		{`{"id":1,"b":"x","a":[1]}`, true, []string{"1", `"x"`}},
		{`{"a":{"z":1,"y":[2,"}"]},"b":"q\"]","id":"k"}`, true, []string{`"k"`, `"q\"]"`}},
		{`{"b":true,"c":null}`, true, []string{"", "true"}},
		{`{}`, true, []string{"", ""}},
		{`{"id":01,"b":"\x"}`, true, []string{"01", `"\x"`}},
		{`{"id":1,"b":2,"id":3}`, false, nil},
		{`{"id":1,"b":2,broken`, false, nil},
		{`{"id":1, "b":2}`, false, nil},
		{`{"b":[1,2`, false, nil},
		{`{"id":1}x`, false, nil},
	}
	for _, c := range cases {
		ok := s.FillLax([]byte(c.text))
		if ok != c.ok {
			t.Errorf("FillLax(%s) = %v", c.text, ok)
			continue
		}
		for i, want := range c.want {
			if got, canon := s.Value(i); string(got) != want || canon {
				t.Errorf("FillLax(%s): column %d = %q (canonical %v), want %q", c.text, i, got, canon, want)
			}
		}
	}
}

// TestSlotsFillLaxPrefix: FillLaxPrefix reads the object at the start of
// a text as FillLax reads it alone, and says where it ends.
func TestSlotsFillLaxPrefix(t *testing.T) {
	s := NewSlots([]string{"id", "b"})
	cases := []struct {
		text string
		n    int // the object's length; 0: fails
		want []string
	}{
		{`{"id":1,"b":"x"},{"id":2}`, 16, []string{"1", `"x"`}},
		{`{"a":{"z":"}"},"b":[1,"]"]}]`, 27, []string{"", `[1,"]"]`}},
		{`{},{"id":1}`, 2, []string{"", ""}},
		{`{"id":1}`, 8, []string{"1", ""}},
		{`{"id":1,"id":2},`, 0, nil},
		{`{"id":1, "b":2}`, 0, nil},
		{`{"id":1`, 0, nil},
		{` {"id":1}`, 0, nil},
	}
	for _, c := range cases {
		n, ok := s.FillLaxPrefix([]byte(c.text))
		if ok != (c.n > 0) || n != c.n {
			t.Errorf("FillLaxPrefix(%s) = %d, %v; want %d", c.text, n, ok, c.n)
			continue
		}
		for i, want := range c.want {
			if got, _ := s.Value(i); string(got) != want {
				t.Errorf("FillLaxPrefix(%s): column %d = %q, want %q", c.text, i, got, want)
			}
		}
	}
}
