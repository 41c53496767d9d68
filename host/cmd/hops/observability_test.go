package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// getPath sends GET path to the instance, as user when user is not empty.
func (in *instance) getPath(t testing.TB, path, user, pass string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, strings.TrimSuffix(in.url, "/")+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// metricValue returns the value of the sample whose name and labels are
// exactly series, or "" when there is none.
func metricValue(text, series string) string {
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v
		}
	}
	return ""
}

// TestObservabilityEndpoints: /health, /ready, /metrics (super users only,
// with the request, family and job figures), the access log, and the
// OpenAPI document of every registered operation, valid for kin-openapi.
func TestObservabilityEndpoints(t *testing.T) {
	in := startHops(t, "", "")
	if st, body := in.getPath(t, "/health", "", ""); st != 200 {
		t.Fatalf("health: %d %s", st, body)
	}
	if st, body := in.getPath(t, "/ready", "", ""); st != 200 || !strings.Contains(body, `"ready":true`) {
		t.Fatalf("ready: %d %s", st, body)
	}

	recExpect(t, "get_status", in.admin(t, map[string]any{"operation": "get_status"}), 200, "")
	recExpect(t, "wrong password", in.post(t, adminUser, "wrong", map[string]any{"operation": "get_status"}), 401, "")
	recExpect(t, "made-up name", in.admin(t, map[string]any{"operation": "no_such_op_123"}), 400, "")
	if st, _ := in.getPath(t, "/metrics", "", ""); st != 401 {
		t.Fatalf("metrics without credentials: %d", st)
	}
	st, text := in.getPath(t, "/metrics", adminUser, adminPass)
	if st != 200 {
		t.Fatalf("metrics: %d %s", st, text)
	}
	for series, want := range map[string]string{
		`hops_requests_total{operation="get_status",status="200"}`: "1",
		`hops_requests_total{operation="get_status",status="401"}`: "1",
		`hops_requests_total{operation="-",status="400"}`:          "1",
		`hops_auth_failures_total`:                                 "2",
		`hops_requests_in_flight`:                                  "0",
		`hops_family_up{family="records"}`:                         "1",
		`hops_family_state{family="status",state="serving"}`:       "1",
		`hops_family_state{family="status",state="restarting"}`:    "0",
		`hops_family_restarts_total{family="status"}`:              "0",
		`hops_jobs{state="IN_PROGRESS"}`:                           "0",
	} {
		if got := metricValue(text, series); got != want {
			t.Errorf("%s = %q, want %q", series, got, want)
		}
	}
	for _, re := range []string{
		`hops_request_duration_seconds_bucket\{operation="get_status",le="\+Inf"\} 2`,
		`hops_request_duration_seconds_count\{operation="get_status"\} 2`,
		`hops_family_resident_memory_bytes\{family="status"\} [0-9.e+]+`,
		`hops_family_cpu_seconds_total\{family="export"\} [0-9.e+-]+`,
		`process_resident_memory_bytes [0-9.e+]+`,
	} {
		if !regexp.MustCompile(re).MatchString(text) {
			t.Errorf("metrics lack %s", re)
		}
	}
	if strings.Contains(text, "no_such_op_123") {
		t.Error("a made-up operation name became a metric label")
	}
	if !in.waitOutput("operation=get_status user=admin client=127.0.0.1 status=200", outputWait) {
		t.Errorf("no access log line for get_status:\n%s", in.out.String())
	}

	st, doc := in.getPath(t, "/openapi.json", "", "")
	if st != 200 {
		t.Fatalf("openapi.json: %d %s", st, doc)
	}
	loaded, err := openapi3.NewLoader().LoadFromData([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := loaded.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not valid: %v", err)
	}
	var m struct {
		OpenAPI    string `json:"openapi"`
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatal(err)
	}
	for op, family := range map[string]string{"get_status": "status", "insert": "records", "export_local": "export", "add_user": "host", "restart_service": "host"} {
		if got := m.Components.Schemas[op]["x-hops-family"]; got != family {
			t.Errorf("%s: family %v, want %s", op, got, family)
		}
	}
	if m.OpenAPI != "3.1.0" || m.Components.Schemas["restart"]["x-hops-access"] != "super_user" {
		t.Errorf("openapi %q, restart %v", m.OpenAPI, m.Components.Schemas["restart"])
	}
}

// TestReadyDuringFamilyRestart: /ready answers 503 naming a family whose
// process died while it restarts, then 200; the restart is counted.
func TestReadyDuringFamilyRestart(t *testing.T) {
	// A restart backoff long enough to see the family down.
	in := startHops(t, "", "", "SUPERVISOR_RESTARTBACKOFFMIN=2s", "SUPERVISOR_RESTARTBACKOFFMAX=2s")
	pid := in.familyPID(t, "plugin builtin status")
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	sawDown := false
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		st, body := in.getPath(t, "/ready", "", "")
		if st == 503 {
			var ans struct {
				Ready      bool              `json:"ready"`
				NotServing map[string]string `json:"not_serving"`
			}
			if err := json.Unmarshal([]byte(body), &ans); err != nil || ans.Ready || ans.NotServing["status"] == "" || len(ans.NotServing) != 1 {
				t.Fatalf("503 body %s (%v)", body, err)
			}
			sawDown = true
		} else if st == 200 && sawDown {
			break
		} else if st != 200 {
			t.Fatalf("ready: %d %s", st, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !sawDown {
		t.Fatal("/ready never answered 503 while the status family restarted")
	}
	if st, body := in.getPath(t, "/ready", "", ""); st != 200 {
		t.Fatalf("ready after the restart: %d %s", st, body)
	}
	_, text := in.getPath(t, "/metrics", adminUser, adminPass)
	if got := metricValue(text, `hops_family_restarts_total{family="status"}`); got != "1" {
		t.Errorf("restarts = %q, want 1", got)
	}
}
