package certstore

import (
	"bytes"
	"encoding/json"
	"testing"
)

// encodeList is what the SDK writes for sdk.OK(s.List()).
func encodeList(t testing.TB, s *Store) []byte {
	t.Helper()
	records, err := s.List()
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(records); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func wantListJSON(t *testing.T, s *Store, when string) {
	t.Helper()
	got, err := s.ListJSON()
	if err != nil {
		t.Fatalf("%s: ListJSON: %v", when, err)
	}
	if want := encodeList(t, s); !bytes.Equal(got, want) {
		t.Fatalf("%s: ListJSON =\n%s\nwant\n%s", when, got, want)
	}
}

func TestListJSONFollowsEveryChange(t *testing.T) {
	s, _ := openStore(t)
	wantListJSON(t, s, "empty")
	if err := s.EnsureAuthority("node1.test"); err != nil {
		t.Fatal(err)
	}
	wantListJSON(t, s, "after EnsureAuthority")
	key := ecKey(t)
	mustAdd(t, s, AddInput{Name: "shop", Certificate: selfSignedPEM(t, key, "shop.test"), PrivateKey: pkcs8PEM(t, key)})
	wantListJSON(t, s, "after Add")
	if err := s.Remove("shop"); err != nil {
		t.Fatal(err)
	}
	wantListJSON(t, s, "after Remove")
	if err := s.Remove("shop"); err == nil {
		t.Fatal("second Remove succeeded")
	}
	wantListJSON(t, s, "after a failed Remove")
}

// BenchmarkListCertificates compares deriving and encoding the list on
// every call (List) with the kept encoding (ListJSON), on the records a
// first start creates (authority and node certificate).
func BenchmarkListCertificates(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.EnsureAuthority("node1.test"); err != nil {
		b.Fatal(err)
	}
	b.Run("List", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			encodeList(b, s)
		}
	})
	b.Run("ListJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.ListJSON(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
