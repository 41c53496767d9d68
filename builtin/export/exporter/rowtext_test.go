package exporter

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/hops-dev/hops/builtin/internal/fastjson"
	"github.com/hops-dev/hops/builtin/internal/fastjson/jsontest"
)

// searchText is a record as a search answers it: compact, the columns in
// order (fastjson.Encoder with members in map order for the nested
// values, as the store keeps them, or sorted, as the records family
// writes them), and now and then rewritten in a way RowText must notice
// (jsontest.Twist).
func searchText(t *testing.T, rng *rand.Rand, cols []string, rec map[string]any) []byte {
	t.Helper()
	enc := fastjson.Encoder{MapOrder: rng.IntN(4) == 0}
	b := []byte{'{'}
	n := 0
	for _, k := range append(cols, "extra") {
		v, ok := rec[k]
		if !ok {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = append(fastjson.AppendString(b, k), ':')
		var err error
		if b, err = enc.AppendValue(b, v); err != nil {
			t.Fatal(err)
		}
	}
	return jsontest.Twist(rng, append(b, '}'))
}

// TestRowTextMatchesRow: for both formats and every kind of column list,
// a record written from its text is byte for byte the record written from
// its decoding, and most records take the copying path.
func TestRowTextMatchesRow(t *testing.T) {
	cols := []string{"id", "name", "age", "tags", "address", "é✓", "a q", "<b>", "__createdtime__"}
	columnLists := map[string][]string{"all": cols, "fewer": {"id", "name", "missing"}, "unknown": nil}
	for _, format := range []string{FormatJSON, FormatCSV} {
		for name, columns := range columnLists {
			rng := rand.New(rand.NewPCG(31, 32))
			var viaText, viaMap, viaPrefix bytes.Buffer
			te, _ := NewEncoder(format, &viaText)
			me, _ := NewEncoder(format, &viaMap)
			pe, _ := NewEncoder(format, &viaPrefix)
			for _, e := range []Encoder{te, me, pe} {
				if err := e.Begin(columns); err != nil {
					t.Fatal(err)
				}
			}
			prefixed := 0
			const n = 2000
			for i := range n {
				rec := map[string]any{}
				for _, k := range cols {
					if rng.IntN(8) > 0 {
						rec[k] = jsontest.RandomValue(rng, 2)
					}
				}
				if rng.IntN(3) > 0 { // plain values, as most records hold
					rec["name"], rec["age"], rec["id"] = "user, "+strconv.Itoa(i), json.Number(strconv.Itoa(i%90)), json.Number(strconv.Itoa(i))
					rec["address"] = map[string]any{"zip": "01234", "city": "Quito", "street": "1 \"Main\" St"}
					rec["tags"] = []any{"vip", "new"}
				}
				if rng.IntN(10) == 0 {
					rec["extra"] = "x"
				}
				text := searchText(t, rng, cols, rec)
				decoded, err := DecodeRecord(text)
				if err != nil {
					t.Fatalf("%s", text)
				}
				if err := te.RowText(text); err != nil {
					t.Fatalf("%s %s: RowText(%s): %v", format, name, text, err)
				}
				if err := me.Row(decoded); err != nil {
					t.Fatal(err)
				}
				// RowPrefix sees the record followed by the next ones,
				// or cut where a read buffer might end.
				buf := append(slices.Clip(text), `,{"id":1}]`...)
				if rng.IntN(4) == 0 {
					buf = text[:rng.IntN(len(text))]
				}
				n, err := pe.RowPrefix(buf)
				switch {
				case err != nil:
					t.Fatalf("%s %s: RowPrefix(%s): %v", format, name, buf, err)
				case n == 0:
					err = pe.RowText(text)
				case n != len(text):
					t.Fatalf("%s %s: RowPrefix(%s) took %d bytes, want %d", format, name, buf, n, len(text))
				default:
					prefixed++
				}
				if err != nil {
					t.Fatalf("%s %s: RowText(%s): %v", format, name, text, err)
				}
			}
			for _, e := range []Encoder{te, me, pe} {
				if err := e.End(); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(viaPrefix.Bytes(), viaMap.Bytes()) {
				t.Fatalf("%s %s: RowPrefix's output differs from Row's", format, name)
			}
			if name == "all" && prefixed < n/3 {
				t.Errorf("%s %s: only %d of %d records took RowPrefix", format, name, prefixed, n)
			}
			if !bytes.Equal(viaText.Bytes(), viaMap.Bytes()) {
				a, b := viaText.Bytes(), viaMap.Bytes()
				i := 0
				for i < len(a) && i < len(b) && a[i] == b[i] {
					i++
				}
				t.Fatalf("%s %s: outputs differ at byte %d:\ntext: %.200s\nmap:  %.200s", format, name, i, a[i:], b[i:])
			}
			whole := 0
			switch e := te.(type) {
			case *jsonEncoder:
				whole = e.decodedWhole
			case *csvEncoder:
				whole = e.decodedWhole
			}
			t.Logf("%s %s: %d of %d records copied from their text", format, name, n-whole, n)
			if name == "all" && n-whole < n/3 {
				t.Errorf("%s %s: only %d of %d records took the copying path", format, name, n-whole, n)
			}
		}
	}
}

func TestRowTextRefusesWhatDecodingRefuses(t *testing.T) {
	for _, format := range []string{FormatJSON, FormatCSV} {
		for _, columns := range [][]string{{"id"}, nil} {
			enc, _ := NewEncoder(format, &bytes.Buffer{})
			if err := enc.Begin(columns); err != nil {
				t.Fatal(err)
			}
			for _, text := range []string{`{"id":1`, `{"id":tru}`, `{"id":[1,}`, `{"id":"\x"}`, `[1]`, `{"id":1}{}`, ``} {
				if err := enc.RowText([]byte(text)); err == nil {
					t.Errorf("%s %v: RowText(%s) = nil", format, columns, text)
				}
				// RowPrefix either leaves it to RowText or refuses it too
				// (`{"id":1}{}` is a whole record and then more).
				if n, err := enc.RowPrefix([]byte(text)); err == nil && n > 0 && text != `{"id":1}{}` {
					t.Errorf("%s %v: RowPrefix(%s) took %d bytes", format, columns, text, n)
				}
			}
		}
	}
	enc, _ := NewEncoder(FormatJSON, &bytes.Buffer{})
	if err := enc.RowText([]byte(`{}`)); err != ErrEncoderState {
		t.Errorf("RowText before Begin = %v", err)
	}
	if _, err := enc.RowPrefix([]byte(`{}`)); err != ErrEncoderState {
		t.Errorf("RowPrefix before Begin = %v", err)
	}
}
