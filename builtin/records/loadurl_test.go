package records

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// csvServer serves CSV text on loopback: /ok.csv with a CSV content type,
// /json with application/json, anything else 404 with a body that must
// not reach the job's message.
func csvServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok.csv":
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			fmt.Fprint(w, "id,name,meta\n1,Apple,\"{\"\"a\"\":1}\"\n2,\"Pear, green\",\n")
		case "/json":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, "[]")
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, "SECRET internal detail")
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestCSVURLLoadGuard: a user who is not a super user may not make the
// server fetch from a loopback address unless the config allows its
// server, and a redirect from an allowed server to another loopback
// server is refused at connect time.
func TestCSVURLLoadGuard(t *testing.T) {
	allowed, other := csvServer(t), csvServer(t)
	redirect := httptest.NewServer(http.RedirectHandler(other.URL+"/ok.csv", http.StatusFound))
	t.Cleanup(redirect.Close)

	e := newEnv(t, harnessOpts{section: map[string]any{"noSync": true,
		"load": map[string]any{"allowedURLs": []string{allowed.URL, redirect.URL}}}})
	e.table("db", "dogs")
	load := func(url string) map[string]any { return onDogs("csv_url_load", "csv_url", url) }

	// Not allowed: another loopback server, for a user who is not a super user.
	wantError(t, e.h.Do(t, reader, load(other.URL+"/ok.csv")), 403, MsgURLNotAllowed)
	wantError(t, e.h.Do(t, reader, load("http://localhost:1/x.csv")), 403, MsgURLNotAllowed)
	// Allowed server: loads, JSON-looking cells parsed as a file load does.
	wantJob(t, e.runLoadAs(reader, load(allowed.URL+"/ok.csv")), "COMPLETE", "successfully loaded 2 of 2 records")
	wantJSON(t, e.super(onDogs("search_by_hash", "hash_values", []any{1, 2}, "get_attributes", []string{"id", "name", "meta"})),
		`[{"id":1,"name":"Apple","meta":{"a":1}},{"id":2,"name":"Pear, green","meta":""}]`)
	// An allowed server redirecting to one that is not: refused when dialling.
	wantJob(t, e.runLoadAs(reader, load(redirect.URL+"/x")), "ERROR",
		"CSV Load failed from URL: "+redirect.URL+"/x, the address is not public")
	// A super user may fetch from anywhere; the server's words are not repeated.
	wantJob(t, e.runLoad(load(other.URL+"/missing.csv")), "ERROR",
		"CSV Load failed from URL: "+other.URL+"/missing.csv, status code: 404, message: Not Found")
	wantJob(t, e.runLoad(load(allowed.URL+"/json")), "ERROR",
		"CSV Load failed from URL: "+allowed.URL+"/json, unsupported content type: application/json")
	wantJob(t, e.runLoad(onDogs("csv_url_load", "action", "upsert", "csv_url", redirect.URL+"/x")), "COMPLETE",
		"successfully loaded 2 of 2 records")
}
