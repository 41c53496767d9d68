package jobs

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/tidwall/buntdb"
)

func TestLifecycleWithResult(t *testing.T) {
	s, c := newStore(t)
	t0 := c.now()
	id, err := s.Start("export", "export_local", "admin", []byte(`{"operation": "export_local", "format": "json"}`))
	if err != nil {
		t.Fatal(err)
	}
	if u, err := uuid.Parse(id); err != nil || u.Version() != 4 {
		t.Fatalf("id %q is not a v4 uuid: %v", id, err)
	}
	j, ok, err := s.Get(id)
	if err != nil || !ok {
		t.Fatalf("Get: %v %v", ok, err)
	}
	if j.Status != StatusInProgress || j.Type != "export_local" || j.User != "admin" || j.Owner != "export" ||
		j.CreatedDatetime != t0.UnixMilli() || j.StartDatetime != t0.UnixMilli() || j.EndDatetime != 0 {
		t.Fatalf("started job = %+v", j)
	}
	if string(j.JobBody) != `{"operation":"export_local","format":"json"}` {
		t.Fatalf("job_body = %s", j.JobBody)
	}
	if err := s.Progress(id, "exporting", []byte(`{"rows": 10}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.Progress(id, "", []byte(`{"rows": 20}`)); err != nil {
		t.Fatal(err)
	}
	j, _, _ = s.Get(id)
	if j.Message != "exporting" || string(j.Progress) != `{"rows":20}` {
		t.Fatalf("after progress: message %q progress %s", j.Message, j.Progress)
	}
	c.set(t0.Add(2 * time.Second))
	if err := s.Finish(id, true, "ignored", []byte(`{"message":"Successfully exported JSON locally."}`)); err != nil {
		t.Fatal(err)
	}
	j, _, _ = s.Get(id)
	if j.Status != StatusComplete || j.Message != "Successfully completed job: "+id ||
		string(j.Result) != `{"message":"Successfully exported JSON locally."}` || j.EndDatetime != t0.Add(2*time.Second).UnixMilli() {
		t.Fatalf("finished job = %+v", j)
	}
	// A finished job never changes again.
	if err := s.Progress(id, "late", nil); !errors.Is(err, ErrFinished) {
		t.Fatalf("progress after finish: %v", err)
	}
	if err := s.Finish(id, false, "late", nil); !errors.Is(err, ErrFinished) {
		t.Fatalf("second finish: %v", err)
	}
	if j2, _, _ := s.Get(id); j2.Status != StatusComplete || j2.Message != j.Message {
		t.Fatalf("late reports changed the job: %+v", j2)
	}
}

func TestFinishMessages(t *testing.T) {
	s, _ := newStore(t)
	cases := []struct {
		name               string
		success            bool
		message, result    string
		wantStatus         Status
		wantMsg, wantResul string
	}{
		{"string outcome", true, "3 of 3 records successfully deleted", "", StatusComplete, "3 of 3 records successfully deleted", ""},
		{"null result is none", true, "No records found to delete", "null", StatusComplete, "No records found to delete", ""},
		{"no message no result", true, "", "", StatusComplete, "Successfully completed job: %s", ""},
		{"failure", false, "Table 'x.y' does not exist", "", StatusError, "Table 'x.y' does not exist", ""},
		{"failure without message", false, "", "", StatusError, msgFailedNoReason, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id, err := s.Start("records", "delete_records_before", "admin", nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Finish(id, tc.success, tc.message, []byte(tc.result)); err != nil {
				t.Fatal(err)
			}
			j, _, _ := s.Get(id)
			want := tc.wantMsg
			if strings.Contains(want, "%s") {
				want = fmt.Sprintf(want, id)
			}
			if j.Status != tc.wantStatus || j.Message != want || string(j.Result) != tc.wantResul || j.EndDatetime == 0 {
				t.Fatalf("job = %+v, want %s %q", j, tc.wantStatus, want)
			}
		})
	}
}

func TestStoreInputErrors(t *testing.T) {
	s, _ := newStore(t)
	if _, err := s.Start("", "export_local", "admin", nil); !errors.Is(err, ErrBadInput) {
		t.Errorf("Start without owner: %v", err)
	}
	if _, err := s.Start("export", "", "admin", nil); !errors.Is(err, ErrBadInput) {
		t.Errorf("Start without type: %v", err)
	}
	if _, err := s.Start("export", "export_local", "admin", []byte("{not json")); !errors.Is(err, ErrBadInput) {
		t.Errorf("Start with a bad body: %v", err)
	}
	if err := s.Progress("nope", "x", nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("Progress of an unknown job: %v", err)
	}
	if err := s.Finish("nope", true, "x", nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("Finish of an unknown job: %v", err)
	}
	id, _ := s.Start("export", "export_local", "admin", nil)
	if err := s.Progress(id, "x", []byte("[1,")); !errors.Is(err, ErrBadInput) {
		t.Errorf("Progress with bad JSON: %v", err)
	}
	if err := s.Finish(id, true, "", []byte("{")); !errors.Is(err, ErrBadInput) {
		t.Errorf("Finish with bad JSON: %v", err)
	}
	if j, _, _ := s.Get(id); j.Status != StatusInProgress {
		t.Errorf("bad reports changed the job: %+v", j)
	}
	if _, ok, err := s.Get("nope"); ok || err != nil {
		t.Errorf("Get unknown: %v %v", ok, err)
	}
	if _, err := Open(nil, nil); !errors.Is(err, ErrBadInput) {
		t.Errorf("Open(nil): %v", err)
	}
}

func TestJobsSurviveReopen(t *testing.T) {
	path := tempDBPath(t)
	db := openDB(t, path)
	s, err := Open(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	var cfg buntdb.Config
	if err := db.ReadConfig(&cfg); err != nil || cfg.SyncPolicy != buntdb.Always {
		t.Fatalf("sync policy = %v (%v), want Always", cfg.SyncPolicy, err)
	}
	done, _ := s.Start("export", "export_local", "admin", []byte(`{"a":1}`))
	if err := s.Finish(done, true, "", []byte(`{"path":"/x.json"}`)); err != nil {
		t.Fatal(err)
	}
	running, _ := s.Start("export", "export_to_s3", "bob", nil)
	// Another component's key in the shared file must be left alone.
	if err := db.Update(func(tx *buntdb.Tx) error {
		_, _, err := tx.Set("user:bob", `{"status":"IN_PROGRESS","start_datetime":5}`, nil)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = openDB(t, path)
	defer db.Close()
	s, err = Open(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	j, ok, err := s.Get(done)
	if err != nil || !ok || j.Status != StatusComplete || string(j.Result) != `{"path":"/x.json"}` || string(j.JobBody) != `{"a":1}` || j.Owner != "export" {
		t.Fatalf("reopened finished job = %+v %v %v", j, ok, err)
	}
	n, err := s.FailInterrupted()
	if err != nil || n != 1 {
		t.Fatalf("FailInterrupted = %d, %v; want 1", n, err)
	}
	j, _, _ = s.Get(running)
	if j.Status != StatusError || j.Message != "hops restarted while the job was running" || j.EndDatetime == 0 {
		t.Fatalf("interrupted job = %+v", j)
	}
	if j, _, _ := s.Get(done); j.Status != StatusComplete {
		t.Fatalf("FailInterrupted touched a finished job: %+v", j)
	}
	if err := db.View(func(tx *buntdb.Tx) error {
		v, err := tx.Get("user:bob")
		if err == nil && v != `{"status":"IN_PROGRESS","start_datetime":5}` {
			err = fmt.Errorf("user:bob = %s", v)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.FailInterrupted(); n != 0 {
		t.Fatalf("second FailInterrupted marked %d", n)
	}
}

func TestFailOwnerTouchesOnlyThatFamilysRunningJobs(t *testing.T) {
	s, _ := newStore(t)
	a1, _ := s.Start("export", "export_local", "admin", nil)
	a2, _ := s.Start("export", "export_to_s3", "admin", nil)
	aDone, _ := s.Start("export", "export_local", "admin", nil)
	if err := s.Finish(aDone, true, "done", nil); err != nil {
		t.Fatal(err)
	}
	b1, _ := s.Start("records", "delete_records_before", "admin", nil)

	n, err := s.FailOwner("export", "exit status 2")
	if err != nil || n != 2 {
		t.Fatalf("FailOwner = %d, %v; want 2", n, err)
	}
	want := "Job failed: the 'export' family process exited while the job was running (exit status 2)"
	for _, id := range []string{a1, a2} {
		j, _, _ := s.Get(id)
		if j.Status != StatusError || j.Message != want || j.EndDatetime == 0 {
			t.Errorf("failed job = %+v", j)
		}
		if err := s.Finish(id, true, "late", nil); !errors.Is(err, ErrFinished) {
			t.Errorf("a late finish must not resurrect a failed job: %v", err)
		}
	}
	if j, _, _ := s.Get(aDone); j.Status != StatusComplete || j.Message != "done" {
		t.Errorf("finished job changed: %+v", j)
	}
	if j, _, _ := s.Get(b1); j.Status != StatusInProgress {
		t.Errorf("another family's job changed: %+v", j)
	}
	n, _ = s.FailOwner("records", "")
	if j, _, _ := s.Get(b1); n != 1 || j.Message != "Job failed: the 'records' family process exited while the job was running" {
		t.Errorf("FailOwner without reason: %d %+v", n, j)
	}
}

func TestConcurrentReports(t *testing.T) {
	s, _ := newStore(t)
	const jobsN, reporters = 8, 8
	ids := make([]string, jobsN)
	for i := range ids {
		ids[i], _ = s.Start("export", "export_local", "admin", nil)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	finishes := map[string]int{}
	for i := 0; i < jobsN*reporters; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			id := ids[i%jobsN]
			perr := s.Progress(id, "working", []byte(fmt.Sprintf(`{"n":%d}`, i)))
			if perr != nil && !errors.Is(perr, ErrFinished) {
				t.Errorf("Progress: %v", perr)
			}
			ferr := s.Finish(id, true, fmt.Sprintf("done by %d", i), nil)
			if ferr == nil {
				mu.Lock()
				finishes[id]++
				mu.Unlock()
			} else if !errors.Is(ferr, ErrFinished) {
				t.Errorf("Finish: %v", ferr)
			}
		}(i)
	}
	wg.Wait()
	for _, id := range ids {
		if finishes[id] != 1 {
			t.Errorf("job %s finished %d times, want exactly once", id, finishes[id])
		}
		j, _, _ := s.Get(id)
		if j.Status != StatusComplete || !strings.HasPrefix(j.Message, "done by ") {
			t.Errorf("job = %+v", j)
		}
		var p map[string]int
		if j.Progress != nil && json.Unmarshal(j.Progress, &p) != nil {
			t.Errorf("progress is not valid JSON: %s", j.Progress)
		}
	}
}

// A replicated restart's job (ResumableOwner) stays running across a
// restart of the host, and Running finds it for the new process.
func TestResumableJobsSurviveFailInterrupted(t *testing.T) {
	s, _ := newStore(t)
	roll, _ := s.Start(ResumableOwner, "restart", "admin", nil)
	other, _ := s.Start("export", "export_local", "admin", nil)
	if err := s.Progress(roll, "", []byte(`{"self":"a"}`)); err != nil {
		t.Fatal(err)
	}
	if n, err := s.FailInterrupted(); err != nil || n != 1 {
		t.Fatalf("FailInterrupted = %d, %v; want 1", n, err)
	}
	if j, _, _ := s.Get(other); j.Status != StatusError {
		t.Errorf("other job = %+v", j)
	}
	got, err := s.Running(ResumableOwner)
	if err != nil || len(got) != 1 || got[0].ID != roll || string(got[0].Progress) != `{"self":"a"}` {
		t.Fatalf("Running = %+v, %v", got, err)
	}
	if got, _ := s.Running("export"); len(got) != 0 {
		t.Errorf("Running(export) = %+v", got)
	}
}
