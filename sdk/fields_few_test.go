package sdk

import (
	"fmt"
	"slices"
	"testing"
)

// TestFieldsSmallAndLargeObjectsReadAlike reads objects on both sides of
// smallObject (scanned, or mapped) with duplicate and escaped keys: the
// last duplicate wins and keys match exactly, either way.
func TestFieldsSmallAndLargeObjectsReadAlike(t *testing.T) {
	for n := 1; n <= 2*smallObject+1; n++ {
		body := `{"id":"first"`
		for i := 1; i < n-1; i++ {
			body += fmt.Sprintf(`,"k%d":%d`, i, i)
		}
		if n > 1 {
			body += `,"i\u0064":"last"`
		}
		body += `,"ID":"upper"}`
		f := ReadFields([]byte(body))
		want := "last"
		if n == 1 {
			want = "first"
		}
		if got := f.String("id"); got != want {
			t.Errorf("%d members: id = %q, want %q", n, got, want)
		}
		if got := f.String("ID"); got != "upper" {
			t.Errorf("%d members: ID = %q", n, got)
		}
		if f.Present("Id") {
			t.Errorf("%d members: Id present", n)
		}
		keys := f.Keys()
		if len(keys) != max(n, 2) || !slices.Contains(keys, "id") || !slices.Contains(keys, "ID") {
			t.Errorf("%d members: keys %v", n, keys)
		}
		if err := f.Err(); err != nil {
			t.Errorf("%d members: %v", n, err)
		}
	}
}

// BenchmarkReadFields reads a get_status body as the status family does.
func BenchmarkReadFields(b *testing.B) {
	body := []byte(`{"operation":"get_status","id":"primary"}`)
	b.ReportAllocs()
	for b.Loop() {
		f := ReadFields(body)
		if f.String("id", OneOf("primary", "maintenance", "availability")) != "primary" || f.Err() != nil {
			b.Fatal("bad read")
		}
	}
}
