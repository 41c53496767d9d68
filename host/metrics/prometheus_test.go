package metrics

import (
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

func scrape(t *testing.T, r *Recorder) string {
	t.Helper()
	rec := httptest.NewRecorder()
	r.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func TestPrometheusText(t *testing.T) {
	r := New(Sources{
		Families: func() []Family {
			return []Family{{Name: "status", PID: os.Getpid(), State: "serving", Restarts: 2}, {Name: "records", State: "restarting"}}
		},
		Jobs: func() (map[string]int, error) { return map[string]int{"COMPLETE": 3, "ERROR": 1}, nil },
	})
	r.Observe("get_status", 200, 2*time.Millisecond)
	r.Observe("get_status", 403, time.Millisecond)
	r.InFlight(1)
	r.InFlight(1)
	r.InFlight(-1)
	r.AuthFailed()
	text := scrape(t, r)
	for _, want := range []string{
		`hops_requests_total{operation="get_status",status="200"} 1`,
		`hops_requests_total{operation="get_status",status="403"} 1`,
		`hops_request_duration_seconds_count{operation="get_status"} 2`,
		`hops_requests_in_flight 1`,
		`hops_auth_failures_total 1`,
		`hops_family_up{family="status"} 1`,
		`hops_family_up{family="records"} 0`,
		`hops_family_state{family="records",state="restarting"} 1`,
		`hops_family_state{family="records",state="serving"} 0`,
		`hops_family_restarts_total{family="status"} 2`,
		`hops_family_resident_memory_bytes{family="status"} `,
		`hops_family_cpu_seconds_total{family="status"} `,
		`hops_jobs{state="COMPLETE"} 3`,
		`hops_jobs{state="IN_PROGRESS"} 0`,
		`hops_metrics_source_errors{source="jobs"} 0`,
		`go_goroutines `,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	// A family without a process has no RSS or CPU series.
	if strings.Contains(text, `hops_family_resident_memory_bytes{family="records"}`) {
		t.Error("RSS of a family that has no process")
	}
	// The snapshot for system_information sees the same requests.
	if s := r.Snapshot(); s.TotalRequests != 2 {
		t.Errorf("snapshot total %d", s.TotalRequests)
	}
}

func TestPrometheusJobsUnreadable(t *testing.T) {
	r := New(Sources{Jobs: func() (map[string]int, error) { return nil, errors.New("db closed") }})
	text := scrape(t, r)
	if !strings.Contains(text, `hops_metrics_source_errors{source="jobs"} 1`) || strings.Contains(text, "hops_jobs{") {
		t.Errorf("unreadable jobs: %s", text)
	}
}
