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
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/hops-dev/hops/host/registry"
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

func newTestServer(t *testing.T, maxBody int64) (*Server, *fakeForwarder) {
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
	return New(Options{Registry: reg, Auth: fakeAuth{}, Forwarder: fwd, MaxBodyBytes: maxBody}), fwd
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

func TestDispatchChecksAccess(t *testing.T) {
	s, _ := newTestServer(t, 0)
	_, err := s.Dispatch(context.Background(), sdk.Caller{Username: "plain"}, "", []byte(`{"operation":"get_status"}`))
	if e, ok := sdk.AsError(err); !ok || e.Status != 403 {
		t.Fatalf("dispatch as plain: %v", err)
	}
	reply, err := s.Dispatch(context.Background(), sdk.Caller{Username: "admin", SuperUser: true}, "", []byte(`{"operation":"local_echo"}`))
	if err != nil || reply.Status != 200 {
		t.Fatalf("dispatch local: %v", err)
	}
}

func TestClientGoneIsNeitherLoggedAsErrorNorCountedAs500(t *testing.T) {
	var got []int
	logs := &strings.Builder{}
	reg := registry.New(nil)
	reg.AddFamily("status", []sdk.Operation{{Name: "get_status", Access: sdk.AccessSuperUser}})
	fwd := &fakeForwarder{fail: fmt.Errorf("handle: %w", context.Canceled)}
	s := New(Options{Registry: reg, Auth: fakeAuth{}, Forwarder: fwd,
		Logger:  hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Debug}),
		Observe: func(_ string, status int, _ time.Duration) { got = append(got, status) }})

	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the client has closed its connection
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"operation":"get_status"}`)).WithContext(ctx)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", basic("admin", "pw"))
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if len(got) != 1 || got[0] != StatusClientClosed {
		t.Fatalf("observed %v, want [%d]", got, StatusClientClosed)
	}
	if strings.Contains(logs.String(), "[ERROR]") || !strings.Contains(logs.String(), "client went away") {
		t.Fatalf("log: %s", logs)
	}

	// The same error with the client still there is a server fault: 500.
	got = nil
	rec = httptest.NewRecorder()
	req = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"operation":"get_status"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", basic("admin", "pw"))
	s.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusInternalServerError || len(got) != 1 || got[0] != http.StatusInternalServerError {
		t.Fatalf("status %d observed %v", rec.Code, got)
	}
}

// TestOperationNameAnswers: one Unmarshal answers what json.Valid and a
// second decode answered before, input by input.
func TestOperationNameAnswers(t *testing.T) {
	cases := map[string]string{ // body -> operation, or the error's start
		`{"operation":"get_status"}`:                              "get_status",
		" \n{ \"id\": 1, \"operation\" : \"x\" } ":                "x",
		`{"operation":"a\u00e9"}`:                                 "aé",
		`{"operation":"x","operation":"y"}`:                       "y",
		`{"Operation":"get_status"}`:                              "!" + MsgNoOperation,
		`{"OPERATION":"get_status"}`:                              "!" + MsgNoOperation,
		`{"operation":"x","OPERATION":"y"}`:                       "x",
		`{"a":{"operation":"no"},"operation":"x"}`:                "x",
		`{"a":{"operation":"no"}}`:                                "!" + MsgNoOperation,
		`{"a":"}\"{","b":[1,{"c":"]"}],"operation":"x","d":null}`: "x",
		`{"oper\u0061tion":"x"}`:                                  "x",
		`{"operation":"x\"y"}`:                                    "x\"y",
		`{}`:                                                      "!" + MsgNoOperation,
		`{"operation":true}`:                                      "!" + MsgNoOperation,
		`{"operation":""}`:                                        "",
		`{"operation":1}`:                                         "!" + MsgNoOperation,
		`{"operation":null}`:                                      "!" + MsgNoOperation,
		`{"op":"x"}`:                                              "!" + MsgNoOperation,
		`[{"operation":"x"}]`:                                     "!" + MsgNoOperation,
		`"operation"`:                                             "!" + MsgNoOperation,
		`1`:                                                       "!" + MsgNoOperation,
		`{"operation":"x"`:                                        "!Invalid JSON in the request body: unexpected end of JSON input",
		`{"operation":"x"} {}`:                                    "!Invalid JSON in the request body: invalid character '{' after top-level value",
		`[1,]`:                                                    "!Invalid JSON in the request body: invalid character ']'",
		`{'operation':'x'}`:                                       "!Invalid JSON in the request body: invalid character '\\''",
		"   ":                                                     "!" + MsgEmptyBody,
	}
	for body, want := range cases {
		op, err := operationName([]byte(body))
		got := op
		if err != nil {
			got = "!" + err.Error()
		}
		if !strings.HasPrefix(got, want) || (err == nil) != !strings.HasPrefix(want, "!") {
			t.Errorf("operationName(%s) = %q, want %q", body, got, want)
		}
	}
}

// FuzzOperationName checks the scanner against encoding/json decoding the
// body into a map (exact keys, the last duplicate wins): the same verdict
// on validity, and the same operation.
func FuzzOperationName(f *testing.F) {
	for _, s := range []string{`{"operation":"get_status"}`, `{"a":{"operation":"x"},"operation":"y"}`,
		`{"Operation":"x"}`, `{"oper\u0061tion":"x\"y"}`, `{"a":"}\"{","operation":[1]}`, `[1]`, `{"operation":"x"`,
		` {"b" : [ {"c":"]"} , 2 ] , "operation" : "z" } `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		op, err := operationName(body)
		trimmed := bytes.TrimSpace(body)
		var wantOp, wantErr string // wantErr: the start of the error, "" for none
		var m map[string]json.RawMessage
		switch {
		case len(trimmed) == 0:
			wantErr = MsgEmptyBody
		case !json.Valid(trimmed):
			wantErr = "Invalid JSON in the request body"
		case json.Unmarshal(trimmed, &m) != nil || m == nil || trimmed[0] != '{':
			wantErr = MsgNoOperation
		default:
			raw, ok := m["operation"]
			if !ok || len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &wantOp) != nil {
				wantErr = MsgNoOperation
			}
		}
		switch {
		case wantErr == "" && (err != nil || op != wantOp):
			t.Fatalf("operationName(%q) = %q, %v; want %q", body, op, err, wantOp)
		case wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), wantErr)):
			t.Fatalf("operationName(%q) = %q, %v; want error %q", body, op, err, wantErr)
		}
	})
}

// BenchmarkOperationName reads the operation of a typical small body.
func BenchmarkOperationName(b *testing.B) {
	body := []byte(`{"operation":"search_by_value","database":"dev","table":"dog","search_attribute":"name","search_value":"Penny*","get_attributes":["*"]}`)
	b.ReportAllocs()
	for b.Loop() {
		if op, err := operationName(body); err != nil || op != "search_by_value" {
			b.Fatal(op, err)
		}
	}
}
