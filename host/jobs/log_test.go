package jobs

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Every job's start and end is an info line naming the job, the operation,
// the user and (at the end) the outcome and duration; a job failed because
// its family died is logged the same way.
func TestJobStartAndEndAreLogged(t *testing.T) {
	var buf bytes.Buffer
	s, c := newStore(t)
	s.log = hclog.New(&hclog.LoggerOptions{Output: &buf, Level: hclog.Info}).Named("jobs")

	id, err := s.Start("export", "export_local", "alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	c.set(c.now().Add(1500 * time.Millisecond))
	if err := s.Finish(id, true, "", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	id2, err := s.Start("records", "delete_records_before", "bob", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.FailOwner("records", "killed"); err != nil {
		t.Fatal(err)
	}

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want := [][]string{
		{"[INFO]", "job started", "job_id=" + id, "operation=export_local", "user=alice"},
		{"[INFO]", "job ended", "job_id=" + id, "operation=export_local", "user=alice", "status=COMPLETE", "duration=1.5s"},
		{"[INFO]", "job started", "job_id=" + id2, "operation=delete_records_before", "user=bob"},
		{"[INFO]", "job ended", "job_id=" + id2, "status=ERROR", "duration=0s"},
	}
	var got []string
	for _, l := range lines {
		if strings.Contains(l, "job started") || strings.Contains(l, "job ended") {
			got = append(got, l)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("job lines:\n%s", strings.Join(got, "\n"))
	}
	for i, parts := range want {
		for _, p := range parts {
			if !strings.Contains(got[i], p) {
				t.Errorf("line %d %q lacks %q", i, got[i], p)
			}
		}
	}
}
