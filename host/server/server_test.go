package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/hops-dev/hops/host/registry"
	"github.com/hops-dev/hops/host/router"
	"github.com/hops-dev/hops/sdk"
)

// fakeAuth accepts admin:pw (super user) and plain:pw (not).
type fakeAuth struct{}

func (fakeAuth) Authenticate(_ context.Context, h string) (sdk.Caller, error) {
	switch h {
	case "":
		return sdk.Caller{}, &sdk.Error{Status: 401, Message: "Must login"}
	case basic("admin", "pw"):
		return sdk.Caller{Username: "admin", SuperUser: true}, nil
	case basic("plain", "pw"):
		return sdk.Caller{Username: "plain"}, nil
	}
	if strings.HasPrefix(h, "Basic ") {
		return sdk.Caller{}, &sdk.Error{Status: 401, Message: "Login failed"}
	}
	return sdk.Caller{}, &sdk.Error{Status: 401, Message: "Must login"}
}

func basic(u, p string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p))
}

// fakeForwarder answers every family request with what it received.
type fakeForwarder struct {
	got  *sdk.Request
	fail error
}

func (f *fakeForwarder) Handle(_ context.Context, family string, args *sdk.Request) (*sdk.Reply, error) {
	f.got = args
	if f.fail != nil {
		return nil, f.fail
	}
	body, _ := json.Marshal(map[string]any{"family": family, "op": args.Operation, "user": args.Caller.Username})
	return &sdk.Reply{Status: 200, ContentType: sdk.ContentTypeJSON, Body: io.NopCloser(bytes.NewReader(body))}, nil
}

func newTestServer(t testing.TB, maxBody int64) (*Server, *fakeForwarder) {
	t.Helper()
	reg := registry.New(nil)
	reg.AddFamily("status", []sdk.Operation{
		{Name: "get_status", Access: sdk.AccessSuperUser, RestrictedName: "getStatus"},
		{Name: "open_op", Access: sdk.AccessAuthenticated},
	})
	err := reg.AddLocal([]registry.Local{
		{Op: sdk.Operation{Name: "local_echo", Access: sdk.AccessAuthenticated, Handler: func(_ context.Context, r *sdk.Request) (*sdk.Response, error) {
			return sdk.OK(map[string]string{"user": r.Caller.Username}), nil
		}}},
		{Public: true, Op: sdk.Operation{Name: "public_op", Access: sdk.AccessAuthenticated, Handler: func(context.Context, *sdk.Request) (*sdk.Response, error) {
			return sdk.Message("public"), nil
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	fwd := &fakeForwarder{}
	return New(Options{Router: router.New(router.Options{Registry: reg, Forwarder: fwd}), Auth: fakeAuth{}, MaxBodyBytes: maxBody}), fwd
}

type result struct {
	status int
	ct     string
	body   map[string]any
	raw    string
}

func do(t *testing.T, s *Server, auth, ct, body string) result {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	if ct != "-" {
		req.Header.Set("Content-Type", ct)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	r := result{status: rec.Code, ct: rec.Header().Get("Content-Type"), raw: rec.Body.String()}
	_ = json.Unmarshal(rec.Body.Bytes(), &r.body)
	return r
}

func TestRequestRules(t *testing.T) {
	s, _ := newTestServer(t, 1024)
	admin := basic("admin", "pw")
	const js = "application/json"
	cases := []struct {
		name, auth, ct, body string
		status               int
		err                  string
	}{
		{"no credentials", "", js, `{"operation":"get_status"}`, 401, "Must login"},
		{"no credentials beats unknown op", "", js, `{"operation":"nope"}`, 401, "Must login"},
		{"no credentials beats malformed json", "", js, `{"operation":`, 401, "Must login"},
		{"wrong password", basic("admin", "x"), js, `{"operation":"get_status"}`, 401, "Login failed"},
		{"unknown scheme", "Foo bar", js, `{"operation":"get_status"}`, 401, "Must login"},
		{"unknown op", admin, js, `{"operation":"nope"}`, 400, "Operation 'nope' not found"},
		{"case-sensitive", admin, js, `{"operation":"GET_STATUS"}`, 400, "Operation 'GET_STATUS' not found"},
		{"missing op", admin, js, `{"foo":1}`, 400, MsgNoOperation},
		{"empty object", admin, js, `{}`, 400, MsgNoOperation},
		{"null op", admin, js, `{"operation":null}`, 400, MsgNoOperation},
		{"number op", admin, js, `{"operation":5}`, 400, MsgNoOperation},
		{"array body", admin, js, `[1,2]`, 400, MsgNoOperation},
		{"op key in another case", admin, js, `{"Operation":"get_status"}`, 400, MsgNoOperation},
		{"string body", admin, js, `"get_status"`, 400, MsgNoOperation},
		{"empty body", admin, js, ``, 400, MsgEmptyBody},
		{"malformed", admin, js, `{"operation":`, 400, ""},
		{"form type", admin, "application/x-www-form-urlencoded", `{"operation":"get_status"}`, 415, "Unsupported Media Type: application/x-www-form-urlencoded"},
		{"no type", admin, "-", `{"operation":"get_status"}`, 415, "Unsupported Media Type: none"},
		{"xml", admin, "application/xml", `{"operation":"get_status"}`, 415, "Unsupported Media Type: application/xml"},
		{"too large", admin, js, `{"operation":"get_status","pad":"` + strings.Repeat("x", 2000) + `"}`, 413, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := do(t, s, c.auth, c.ct, c.body)
			if r.status != c.status {
				t.Fatalf("status %d, want %d (%s)", r.status, c.status, r.raw)
			}
			msg, _ := r.body["error"].(string)
			if msg == "" || (c.err != "" && msg != c.err) {
				t.Fatalf("error %q, want %q", msg, c.err)
			}
			if r.ct != "application/json" {
				t.Errorf("content type %q", r.ct)
			}
		})
	}
}

func TestForwardsWithCaller(t *testing.T) {
	s, fwd := newTestServer(t, 0)
	r := do(t, s, basic("admin", "pw"), "application/json; charset=utf-8", `{"operation":"get_status","id":"primary","extra":[1]}`)
	if r.status != 200 || r.body["family"] != "status" || r.body["user"] != "admin" {
		t.Fatalf("forward: %d %s", r.status, r.raw)
	}
	if !strings.Contains(string(fwd.got.Body), `"extra":[1]`) || fwd.got.ID == "" {
		t.Fatalf("family got %+v", fwd.got)
	}
}

func TestSuperUserOnly(t *testing.T) {
	s, _ := newTestServer(t, 0)
	r := do(t, s, basic("plain", "pw"), "application/json", `{"operation":"get_status"}`)
	if r.status != 403 || r.body["error"] != sdk.UnauthorizedMessage {
		t.Fatalf("403: %d %s", r.status, r.raw)
	}
	ua, _ := r.body["unauthorized_access"].([]any)
	isi, ok := r.body["invalid_schema_items"].([]any)
	if len(ua) != 1 || ua[0] != "Operation 'getStatus' is restricted to 'super_user' roles" || !ok || len(isi) != 0 {
		t.Fatalf("403 body: %s", r.raw)
	}
	if r := do(t, s, basic("plain", "pw"), "application/json", `{"operation":"open_op"}`); r.status != 200 {
		t.Fatalf("authenticated op: %d %s", r.status, r.raw)
	}
}

func TestLocalAndPublicOperations(t *testing.T) {
	s, _ := newTestServer(t, 0)
	if r := do(t, s, basic("plain", "pw"), "application/json", `{"operation":"local_echo"}`); r.status != 200 || r.body["user"] != "plain" {
		t.Fatalf("local: %d %s", r.status, r.raw)
	}
	if r := do(t, s, "", "application/json", `{"operation":"public_op"}`); r.status != 200 || r.body["message"] != "public" {
		t.Fatalf("public without credentials: %d %s", r.status, r.raw)
	}
	if r := do(t, s, basic("admin", "wrong"), "application/json", `{"operation":"public_op"}`); r.status != 200 {
		t.Fatalf("a public op authenticates itself: %d %s", r.status, r.raw)
	}
}

func TestFamilyDownIs503(t *testing.T) {
	s, fwd := newTestServer(t, 0)
	fwd.fail = &sdk.Error{Status: 503, Message: "Operation family 'status' is restarting"}
	r := do(t, s, basic("admin", "pw"), "application/json", `{"operation":"get_status"}`)
	if r.status != 503 || !strings.Contains(r.raw, "family 'status' is restarting") {
		t.Fatalf("%d %s", r.status, r.raw)
	}
}

func TestOtherPaths(t *testing.T) {
	s, _ := newTestServer(t, 0)
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/health", nil))
	if rec.Code != 200 || rec.Body.String() != MsgHealthy {
		t.Fatalf("health: %d %q", rec.Code, rec.Body.String())
	}
	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/nope", nil))
	if rec.Code != 404 || !strings.Contains(rec.Body.String(), MsgNotFound) {
		t.Fatalf("404: %d %q", rec.Code, rec.Body.String())
	}
}

func TestClientGoneIsNeitherLoggedAsErrorNorCountedAs500(t *testing.T) {
	fm := &fakeMetrics{}
	logs := &strings.Builder{}
	reg := registry.New(nil)
	reg.AddFamily("status", []sdk.Operation{{Name: "get_status", Access: sdk.AccessSuperUser}})
	fwd := &fakeForwarder{fail: fmt.Errorf("handle: %w", context.Canceled)}
	s := New(Options{Router: router.New(router.Options{Registry: reg, Forwarder: fwd}), Auth: fakeAuth{},
		Logger:  hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Debug}),
		Metrics: fm})

	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the client has closed its connection
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"operation":"get_status"}`)).WithContext(ctx)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", basic("admin", "pw"))
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if got := fm.statuses(); len(got) != 1 || got[0] != StatusClientClosed {
		t.Fatalf("observed %v, want [%d]", got, StatusClientClosed)
	}
	if strings.Contains(logs.String(), "[ERROR]") || !strings.Contains(logs.String(), "client went away") {
		t.Fatalf("log: %s", logs)
	}

	// The same error with the client still there is a server fault: 500.
	fm.reset()
	rec = httptest.NewRecorder()
	req = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"operation":"get_status"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", basic("admin", "pw"))
	s.Handler().ServeHTTP(rec, req)
	if got := fm.statuses(); rec.Code != http.StatusInternalServerError || len(got) != 1 || got[0] != http.StatusInternalServerError {
		t.Fatalf("status %d observed %v", rec.Code, got)
	}
}
