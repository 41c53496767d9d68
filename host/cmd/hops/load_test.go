package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBulkLoadsOnTheBinary runs the four loads' paths through the real
// binary: csv_data_load and csv_file_load as jobs with HarperDB's
// messages, a malformed file ending ERROR with its line and nothing
// written, and csv_url_load from loopback servers: refused (403) for a
// user who is not a super user unless families.records.load.allowedURLs
// names the server, which the config file does for one of them.
func TestBulkLoadsOnTheBinary(t *testing.T) {
	serve := func() *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/csv")
			fmt.Fprint(w, "id,name,n\n50000,url,1\n50001,\"u, rl\",2.5\n")
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	allowed, other := serve(), serve()
	in := startHops(t, "", "families:\n  records:\n    load:\n      allowedURLs: [\""+allowed.URL+"\"]\n")
	a := func(body map[string]any) response { return in.admin(t, body) }
	recExpect(t, "create_table", a(map[string]any{"operation": "create_table", "database": "bulk", "table": "t", "primary_key": "id"}), 200, "")
	on := func(op string, kv ...any) map[string]any {
		m := map[string]any{"operation": op, "database": "bulk", "table": "t"}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	wantJob := func(what, id, status, msg string) {
		t.Helper()
		job := recWaitJob(t, in, adminUser, adminPass, id)
		if job["status"] != status || job["message"] != msg {
			t.Fatalf("%s: job %v, want %s %q", what, job, status, msg)
		}
	}

	wantJob("csv_data_load", recStartJob(t, in, on("csv_data_load", "data", "id,name,ok\n1,a,true\n2,\"b, c\",FALSE\n")),
		"COMPLETE", "successfully loaded 2 of 2 records")
	dir := t.TempDir()
	file := filepath.Join(dir, "rows.csv")
	var b strings.Builder
	b.WriteString("id,name,n\n")
	for i := 3; i < 12_003; i++ {
		fmt.Fprintf(&b, "%d,row %d,%d.5\n", i, i, i)
	}
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	wantJob("csv_file_load", recStartJob(t, in, on("csv_file_load", "file_path", file)), "COMPLETE", "successfully loaded 12000 of 12000 records")
	if err := os.WriteFile(file, []byte("id,name\n20000,a\n20001,\"b\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	wantJob("malformed", recStartJob(t, in, on("csv_file_load", "file_path", file)), "ERROR", "malformed CSV at line 3: a quoted field is not closed")
	rows := recRows(t, "search", a(on("search_by_hash", "hash_values", []any{1, 2, 12002, 20000}, "get_attributes", []string{"id", "name", "ok", "n"})))
	if got := fmt.Sprint(rows); got != "[map[id:1 n:<nil> name:a ok:true] map[id:2 n:<nil> name:b, c ok:false] map[id:12002 n:12002.5 name:row 12002 ok:<nil>]]" {
		t.Fatalf("rows %s", got)
	}
	recExpect(t, "csv_file_load with nothing", a(map[string]any{"operation": "csv_file_load"}), 400, "Table can't be blank,File path  is required")

	// csv_url_load: the super user may fetch from loopback.
	wantJob("csv_url_load admin", recStartJob(t, in, on("csv_url_load", "csv_url", other.URL+"/x.csv")), "COMPLETE", "successfully loaded 2 of 2 records")
	recExpect(t, "add_role", a(map[string]any{"operation": "add_role", "role": "bulk_rw", "permission": map[string]any{
		"super_user": false, "bulk": map[string]any{"tables": map[string]any{"t": map[string]any{
			"read": true, "insert": true, "update": true, "delete": false, "attribute_permissions": []any{}}}}}}), 200, "")
	recExpect(t, "add_user", a(map[string]any{"operation": "add_user", "role": "bulk_rw", "username": "bulk_user", "password": "Bulk#Pass1", "active": true}), 200, "bulk_user successfully added")
	user := func(body map[string]any) response { return in.post(t, "bulk_user", "Bulk#Pass1", body) }
	r := user(on("csv_url_load", "action", "upsert", "csv_url", other.URL+"/x.csv"))
	if r.Status != 403 || !strings.Contains(r.Error(), "families.records.load.allowedURLs") {
		t.Fatalf("csv_url_load of a loopback server by a user: %d %s", r.Status, r.Raw)
	}
	r = user(on("csv_url_load", "action", "upsert", "csv_url", allowed.URL+"/x.csv"))
	var started struct {
		JobID string `json:"job_id"`
	}
	r.JSON(t, &started)
	if r.Status != 200 || started.JobID == "" {
		t.Fatalf("csv_url_load of an allowed server: %d %s", r.Status, r.Raw)
	}
	job := recWaitJob(t, in, "bulk_user", "Bulk#Pass1", started.JobID)
	if job["status"] != "COMPLETE" || job["message"] != "successfully loaded 2 of 2 records" || job["type"] != "csv_url_load" {
		t.Fatalf("csv_url_load by a user: %v", job)
	}
	// csv_file_load is a super user's: the server's files are not a user's to read.
	if r := user(on("csv_file_load", "file_path", file)); r.Status != 403 {
		t.Fatalf("csv_file_load by a user: %d %s", r.Status, r.Raw)
	}
}
