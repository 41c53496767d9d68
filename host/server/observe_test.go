package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/hops-dev/hops/host/registry"
	"github.com/hops-dev/hops/host/router"
	"github.com/hops-dev/hops/sdk"
)

// fakeMetrics records what the server reports.
type fakeMetrics struct {
	mu       sync.Mutex
	observed []string // "op status"
	inFlight int
	maxIn    int
	auth     int
}

func (m *fakeMetrics) Observe(op string, status int, _ time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.observed = append(m.observed, fmt.Sprintf("%s %d", op, status))
}

func (m *fakeMetrics) InFlight(d int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.inFlight += d
	m.maxIn = max(m.maxIn, m.inFlight)
}

func (m *fakeMetrics) AuthFailed() { m.mu.Lock(); m.auth++; m.mu.Unlock() }

func (m *fakeMetrics) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "hops_up 1\n") })
}

func (m *fakeMetrics) statuses() []int {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []int
	for _, o := range m.observed {
		var op string
		var st int
		fmt.Sscanf(o, "%s %d", &op, &st)
		out = append(out, st)
	}
	return out
}

func (m *fakeMetrics) reset() { m.mu.Lock(); m.observed = nil; m.mu.Unlock() }

func newObservedServer(t *testing.T, ready func() map[string]string) (*Server, *fakeMetrics, *strings.Builder) {
	t.Helper()
	reg := registry.New(nil)
	reg.AddFamily("status", []sdk.Operation{{Name: "get_status", Access: sdk.AccessSuperUser}})
	fm := &fakeMetrics{}
	logs := &strings.Builder{}
	s := New(Options{Router: router.New(router.Options{Registry: reg, Forwarder: &fakeForwarder{}}), Auth: fakeAuth{},
		Logger:  hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Info}),
		Metrics: fm, Ready: ready, AccessLog: true,
		OpenAPI: func() ([]byte, error) { return []byte(`{"openapi":"3.1.0"}`), nil }})
	return s, fm, logs
}

func get(s *Server, path, auth string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	return rec
}

func TestMetricsEndpointIsForSuperUsers(t *testing.T) {
	s, fm, _ := newObservedServer(t, nil)
	if rec := get(s, "/metrics", ""); rec.Code != 401 {
		t.Fatalf("no credentials: %d", rec.Code)
	}
	if rec := get(s, "/metrics", basic("plain", "pw")); rec.Code != 403 || !strings.Contains(rec.Body.String(), MsgMetricsRestricted) {
		t.Fatalf("plain user: %d %s", rec.Code, rec.Body)
	}
	if rec := get(s, "/metrics", basic("admin", "pw")); rec.Code != 200 || rec.Body.String() != "hops_up 1\n" {
		t.Fatalf("super user: %d %s", rec.Code, rec.Body)
	}
	if fm.auth != 1 {
		t.Fatalf("auth failures %d, want 1", fm.auth)
	}
	// Without metrics there is no endpoint.
	plain, _ := newTestServer(t, 0)
	if rec := get(plain, "/metrics", basic("admin", "pw")); rec.Code != 404 {
		t.Fatalf("no metrics: %d", rec.Code)
	}
}

func TestRequestsObservedWithBoundedLabels(t *testing.T) {
	s, fm, logs := newObservedServer(t, nil)
	admin := basic("admin", "pw")
	do(t, s, admin, "application/json", `{"operation":"get_status"}`)
	do(t, s, admin, "application/json", `{"operation":"made_up_1"}`)
	do(t, s, admin, "application/json", `{"operation":`)
	do(t, s, basic("admin", "bad"), "application/json", `{"operation":"get_status"}`)
	want := []string{"get_status 200", "- 400", "- 400", "get_status 401"}
	if strings.Join(fm.observed, ",") != strings.Join(want, ",") {
		t.Fatalf("observed %v, want %v", fm.observed, want)
	}
	if fm.auth != 1 || fm.inFlight != 0 || fm.maxIn != 1 {
		t.Fatalf("auth %d, in flight %d (max %d)", fm.auth, fm.inFlight, fm.maxIn)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("access log lines: %q", logs)
	}
	first := lines[0]
	for _, part := range []string{"[INFO]", "access: request", "request_id=", "operation=get_status", "user=admin", "client=192.0.2.1", "status=200", "duration="} {
		if !strings.Contains(first, part) {
			t.Errorf("access line %q lacks %q", first, part)
		}
	}
	// The made-up name is logged as sent, only the metric label is bounded.
	if !strings.Contains(lines[1], "operation=made_up_1") || !strings.Contains(lines[3], "status=401") {
		t.Errorf("access lines %q", lines)
	}
}

func TestAccessLogSwitchedOff(t *testing.T) {
	logs := &strings.Builder{}
	reg := registry.New(nil)
	reg.AddFamily("status", []sdk.Operation{{Name: "get_status", Access: sdk.AccessSuperUser}})
	s := New(Options{Router: router.New(router.Options{Registry: reg, Forwarder: &fakeForwarder{}}), Auth: fakeAuth{},
		Logger: hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Info})})
	do(t, s, basic("admin", "pw"), "application/json", `{"operation":"get_status"}`)
	if strings.Contains(logs.String(), "access") {
		t.Fatalf("access log written while off: %s", logs)
	}
}

// The access line is written while the logger lets info through, and the
// level is read per request: a level set at run time (set_configuration
// logging.level) acts on the next request.
func TestAccessLogFollowsTheLevel(t *testing.T) {
	logs := &strings.Builder{}
	log := hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Warn})
	reg := registry.New(nil)
	reg.AddFamily("status", []sdk.Operation{{Name: "get_status", Access: sdk.AccessSuperUser}})
	s := New(Options{Router: router.New(router.Options{Registry: reg, Forwarder: &fakeForwarder{}}), Auth: fakeAuth{},
		Logger: log, AccessLog: true})
	do(t, s, basic("admin", "pw"), "application/json", `{"operation":"get_status"}`)
	if strings.Contains(logs.String(), "access") {
		t.Fatalf("access line at warn: %s", logs)
	}
	log.SetLevel(hclog.Info)
	do(t, s, basic("admin", "pw"), "application/json", `{"operation":"get_status"}`)
	if !strings.Contains(logs.String(), "access: request") {
		t.Fatalf("no access line at info: %q", logs)
	}
}

func TestReady(t *testing.T) {
	down := map[string]string{"records": "restarting"}
	s, _, _ := newObservedServer(t, func() map[string]string { return down })
	rec := get(s, "/ready", "")
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), `"records":"restarting"`) || !strings.Contains(rec.Body.String(), `"ready":false`) {
		t.Fatalf("while down: %d %s", rec.Code, rec.Body)
	}
	down = nil
	if rec := get(s, "/ready", ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"ready":true`) {
		t.Fatalf("all serving: %d %s", rec.Code, rec.Body)
	}
	if rec := get(s, "/health", ""); rec.Code != 200 {
		t.Fatalf("health: %d", rec.Code)
	}
	if rec := get(s, "/openapi.json", ""); rec.Code != 200 || rec.Header().Get("Content-Type") != sdk.ContentTypeJSON {
		t.Fatalf("openapi: %d %v", rec.Code, rec.Header())
	}
}

func TestAnswersCarryTheRequestID(t *testing.T) {
	s, _, logs := newObservedServer(t, nil)
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"operation":"get_status"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", basic("admin", "pw"))
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	id := rec.Header().Get(HeaderRequestID)
	if rec.Code != 200 || id == "" || !strings.Contains(logs.String(), "request_id="+id+" ") {
		t.Fatalf("status %d, id %q, log %s", rec.Code, id, logs)
	}
	// An error answer carries it too.
	req = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"operation":"get_status"}`))
	req.Header.Set("Content-Type", "application/json")
	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if rec.Code != 401 || rec.Header().Get(HeaderRequestID) == "" || rec.Header().Get(HeaderRequestID) == id {
		t.Fatalf("401: id %q", rec.Header().Get(HeaderRequestID))
	}
}

// A host operation reads the request id and the Authorization header from
// its context; a family's request carries the id.
func TestHostOperationsSeeTheRequest(t *testing.T) {
	reg := registry.New(nil)
	reg.AddFamily("status", []sdk.Operation{{Name: "get_status", Access: sdk.AccessSuperUser}})
	type authzKey struct{}
	var gotID, gotAuthz string
	err := reg.AddLocal([]registry.Local{{Op: sdk.Operation{Name: "look", Access: sdk.AccessAuthenticated,
		Handler: func(ctx context.Context, _ *sdk.Request) (*sdk.Response, error) {
			gotID = router.RequestID(ctx)
			gotAuthz, _ = ctx.Value(authzKey{}).(string)
			return sdk.OK(1), nil
		}}}})
	if err != nil {
		t.Fatal(err)
	}
	fwd := &fakeForwarder{}
	s := New(Options{Router: router.New(router.Options{Registry: reg, Forwarder: fwd}), Auth: fakeAuth{},
		WithAuthorization: func(ctx context.Context, h string) context.Context { return context.WithValue(ctx, authzKey{}, h) }})
	for _, op := range []string{"look", "get_status"} {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"operation":"`+op+`"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", basic("admin", "pw"))
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		id := rec.Header().Get(HeaderRequestID)
		if rec.Code != 200 || id == "" {
			t.Fatalf("%s: %d %q", op, rec.Code, id)
		}
		switch op {
		case "look":
			if gotID != id || gotAuthz != basic("admin", "pw") {
				t.Fatalf("host operation saw id %q (answer %q), authorization %q", gotID, id, gotAuthz)
			}
		case "get_status":
			if fwd.got.ID != id {
				t.Fatalf("family request id %q, answer %q", fwd.got.ID, id)
			}
		}
	}
}
