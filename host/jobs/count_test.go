package jobs

import "testing"

func TestCountByStatus(t *testing.T) {
	s, _ := newStore(t)
	var ids []string
	for range 4 {
		id, err := s.Start("export", "export_local", "admin", nil)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := s.Finish(ids[0], true, "", nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Finish(ids[1], false, "broke", nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Finish(ids[2], true, "", nil); err != nil {
		t.Fatal(err)
	}
	got, err := s.CountByStatus()
	if err != nil {
		t.Fatal(err)
	}
	if got[StatusInProgress] != 1 || got[StatusComplete] != 2 || got[StatusError] != 1 {
		t.Fatalf("counts %v", got)
	}
}
