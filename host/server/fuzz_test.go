package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzRequest sends arbitrary bodies, content types and Authorization
// headers through the whole request path of an in-process server (auth,
// body limits, the operation name, the router, a local handler and a fake
// family). Every answer must be a JSON object (an error has a string
// "error"), never a 500, never a panic.
//
//	go test -fuzz FuzzRequest ./host/server/
func FuzzRequest(f *testing.F) {
	for _, seed := range []struct{ auth, ct, body string }{
		{basic("admin", "pw"), "application/json", `{"operation":"get_status"}`},
		{basic("plain", "pw"), "application/json", `{"operation":"get_status"}`},
		{basic("admin", "pw"), "application/json", `{"operation":"local_echo","operation":"open_op"}`},
		{"", "application/json", `{"operation":"public_op"}`},
		{"", "application/json", `{"operation":"get_status"}`},
		{"Bearer x", "text/plain", `[1,2]`},
		{basic("admin", "pw"), "application/json; charset=utf-8", `{"operation":"\u0067et_status"}`},
		{basic("admin", "pw"), "application/json", `{"operation":5}`},
		{basic("admin", "pw"), "application/json", `{`},
		{basic("admin", "pw"), "", ``},
		{"Basic !!!", "application/json", "\xff\xfe"},
	} {
		f.Add(seed.auth, seed.ct, []byte(seed.body))
	}
	s, _ := newTestServer(f, 1<<16)
	f.Fuzz(func(t *testing.T, auth, ct string, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(string(body)))
		if strings.ContainsAny(auth, "\r\n\x00") || strings.ContainsAny(ct, "\r\n\x00") {
			return // not representable in a header
		}
		req.Header.Set("Authorization", auth)
		req.Header.Set("Content-Type", ct)
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if rec.Code >= 500 && rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("%d for auth %q ct %q body %q: %s", rec.Code, auth, ct, body, rec.Body.String())
		}
		var m map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			t.Fatalf("answer %q is not a JSON object: %v", rec.Body.String(), err)
		}
		if rec.Code != http.StatusOK {
			if _, ok := m["error"].(string); !ok {
				t.Fatalf("%d without an error string: %s", rec.Code, rec.Body.String())
			}
		}
	})
}
