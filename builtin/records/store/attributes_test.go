package store

import (
	"context"
	"fmt"
	"testing"
)

// TestDropAttributeAcrossBatches drops an attribute from more records than
// one batch rewrites, some lacking it and one holding it only in a value.
func TestDropAttributeAcrossBatches(t *testing.T) {
	defer func(n int) { dropBatch = n }(dropBatch)
	dropBatch = 3
	s, _, _ := newStore(t, Options{})
	mustTable(t, s, "dev", "t")
	var recs []map[string]any
	for i := 1; i <= 10; i++ {
		r := map[string]any{"id": i, "keep": fmt.Sprintf("k%d", i)}
		if i%4 != 0 {
			r["tmp"] = i
		}
		recs = append(recs, r)
	}
	recs[3]["keep"] = "tmp" // the attribute's name as a value only
	if _, err := s.Insert("dev", "t", recs); err != nil {
		t.Fatal(err)
	}
	if err := s.DropAttribute("dev", "t", "tmp"); err != nil {
		t.Fatal(err)
	}
	n := 0
	err := s.Scan(context.Background(), "dev", "t", func(rec map[string]any) error {
		n++
		if _, ok := rec["tmp"]; ok || rec["keep"] == nil || len(rec) != 4 {
			t.Errorf("record %v", rec)
		}
		return nil
	})
	if err != nil || n != 10 {
		t.Fatalf("scan: %d records, %v", n, err)
	}
	attrs, err := s.Attributes("dev", "t")
	if err != nil || fmt.Sprint(attrs) != "[__createdtime__ __updatedtime__ id keep]" {
		t.Errorf("attributes %v %v", attrs, err)
	}
	// Dropped already: success, as HarperDB 4.7.29 answers
	// {"message":"successfully deleted attribute 'tmp'"}.
	if err := s.DropAttribute("dev", "t", "tmp"); err != nil {
		t.Fatalf("dropping a dropped attribute: %v", err)
	}
	if err := s.CreateAttribute("dev", "t", "tmp"); err != nil {
		t.Fatal(err)
	}
	wantError(t, s.CreateAttribute("dev", "t", "tmp"), 400, "attribute 'tmp' already exists in dev.t")
	wantError(t, s.CreateAttribute("dev", "t", ""), 400, "Attribute name is required")
	wantError(t, s.DropAttribute("dev", "t", "id"), 400, "You cannot drop a hash attribute")
}
