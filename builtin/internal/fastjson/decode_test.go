package fastjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/hops-dev/hops/builtin/internal/fastjson/jsontest"
)

func TestDecodeObjectMatchesEncodingJSON(t *testing.T) {
	for _, seed := range jsontest.DecodeSeeds {
		checkDecode(t, []byte(seed))
	}
}

// checkDecode compares the parser with encoding/json on b: when the parser
// accepts, encoding/json must accept with the same result. It decodes b
// twice: the second time its keys come from the key cache.
func checkDecode(t *testing.T, b []byte) {
	t.Helper()
	want, err := jsontest.StdDecode(b)
	for range 2 {
		got, ok := DecodeObject(b)
		if !ok {
			continue // the caller falls back to encoding/json
		}
		if err != nil {
			t.Fatalf("fast parser accepted %q, encoding/json refused: %v", b, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q\nfast %#v\n std %#v", b, got, want)
		}
	}
}

// TestDecodeObjectAcceptsOrdinaryObjects pins that the fast path is taken
// for what encoding/json writes: a parser refusing everything would pass
// the comparison above and be useless.
func TestDecodeObjectAcceptsOrdinaryObjects(t *testing.T) {
	seeds := jsontest.DecodeSeeds
	accepted := []string{seeds[0], seeds[1], seeds[2], seeds[3], seeds[4], seeds[7]}
	rec := map[string]any{"id": 7, "s": "é\"\n\u2028<>&", "w": 12.5, "a": []any{map[string]any{"x": nil}}, "t": true}
	written, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range append(accepted, string(written)) {
		got, ok := DecodeObject([]byte(text))
		want, err := jsontest.StdDecode([]byte(text))
		if !ok || err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: ok %v (err %v)\nfast %#v\n std %#v", text, ok, err, got, want)
		}
	}
}

func TestDecodeObjectRefusesWhatItIsNotSureOf(t *testing.T) {
	deep := strings.Repeat(`{"a":`, maxJSONDepth+1) + "1" + strings.Repeat("}", maxJSONDepth+1)
	for _, text := range []string{`{"lone":"\ud800x"}`, "{\"bad utf8\":\"\xff\"}", `[1,2]`, `null`, ``, `{"a":1}x`, deep} {
		if _, ok := DecodeObject([]byte(text)); ok {
			t.Errorf("accepted %.40q", text)
		}
	}
}

func TestDecodeObjectDoesNotAliasItsInput(t *testing.T) {
	b := []byte(`{"key":"value","n":12,"e":"a\nb"}`)
	got, ok := DecodeObject(b)
	if !ok {
		t.Fatal("refused")
	}
	for i := range b {
		b[i] = 'X'
	}
	want := map[string]any{"key": "value", "n": json.Number("12"), "e": "a\nb"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("the result changed with its input: %#v", got)
	}
}

func TestDecodeObjectKeyCache(t *testing.T) {
	long := strings.Repeat("k", maxCachedKeyLen+1)
	texts := []string{
		`{"a":1,"é":2,"a\"b":3,"` + long + `":4,"tab\tkey":5}`,
		`{"\u0061":1,"\u00e9":2}`, // escapes spelling cached keys
		"{\"\xff\":1}",            // never cached: invalid UTF-8
		`{"ab":1,"a":2,"":3}`,
	}
	for round := range 3 {
		for _, text := range texts {
			checkDecode(t, []byte(text))
		}
		// Overflow the cache: it starts again and keys stay right.
		for i := range maxCachedKeys + 10 {
			checkDecode(t, fmt.Appendf(nil, `{"key%d_%d":%d}`, round, i, i))
		}
	}
	if _, ok := DecodeObject([]byte("{\"\xff\":1}")); ok {
		t.Fatal("an invalid UTF-8 key was accepted")
	}
}

func TestDecodeObjectReusesKeyStrings(t *testing.T) {
	text := []byte(`{"attribute":1}`)
	p := &jsonParser{}
	first, ok1 := p.decode(text)
	second, ok2 := p.decode(text)
	if !ok1 || !ok2 {
		t.Fatal("refused")
	}
	for k1 := range first {
		for k2 := range second {
			if unsafe.StringData(k1) != unsafe.StringData(k2) {
				t.Fatalf("the key %q was allocated twice", k1)
			}
		}
	}
}

func TestDecodeObjectConcurrently(t *testing.T) {
	const goroutines, rounds = 4, 200
	var wg sync.WaitGroup
	errs := make(chan string, goroutines)
	for g := range goroutines {
		wg.Go(func() {
			for i := range rounds {
				text := fmt.Sprintf(`{"g":%d,"i":%d,"s":"v%d","n":{"k%d":[%d]}}`, g, i, i, g, i)
				got, ok := DecodeObject([]byte(text))
				want, err := jsontest.StdDecode([]byte(text))
				if !ok || err != nil || !reflect.DeepEqual(got, want) {
					errs <- fmt.Sprintf("%s: %#v, want %#v", text, got, want)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestValidNumberAgreesWithEncodingJSON(t *testing.T) {
	for _, n := range []string{"0", "-0", "12", "-1.5e3", "1E+2", "0.25", "01", "1.", "-", "+1", ".5", "1e", "1 ", " 1", "0x10", "NaN", ""} {
		_, err := json.Marshal(json.Number(n))
		want := err == nil && n != "" // encoding/json writes "" as 0
		if got := ValidNumber(n); got != want {
			t.Errorf("ValidNumber(%q) = %v, encoding/json accepts it: %v", n, got, want)
		}
	}
}

func FuzzDecodeObject(f *testing.F) {
	for _, seed := range jsontest.DecodeSeeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkDecode(t, b)
	})
}

// TestDecodeAnswersAsEncodingJSON: Decode gives encoding/json's map or
// refuses what it refuses, whichever parser answered.
func TestDecodeAnswersAsEncodingJSON(t *testing.T) {
	texts := append([]string{`{"a":1} {}`, `{"a":1}x`, ` {"a":[1,{"b":"\u00e9"}]} `, `null`}, jsontest.DecodeSeeds...)
	for _, text := range texts {
		got, err := Decode([]byte(text))
		want, wantErr := jsontest.StdDecode([]byte(text))
		if (err != nil) != (wantErr != nil) || !reflect.DeepEqual(got, want) {
			t.Errorf("Decode(%q) = %#v, %v; encoding/json: %#v, %v", text, got, err, want, wantErr)
		}
	}
	if _, err := Decode([]byte(`{"a":1} {}`)); !errors.Is(err, ErrTrailing) {
		t.Errorf("text after the object: %v, want ErrTrailing", err)
	}
}
