package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hops-dev/hops/builtin/export/exporter/s3test"
)

// Integration tests of the export family against the real binary (issue
// 7): export_local in both formats for every search kind, read back and
// compared record by record with the same search run directly;
// validation answered at once; export_to_s3 to a real S3 protocol server
// (export_s3 helpers below); and a family process killed mid-export.

// expTable is the exported table; expDB its database.
const (
	expDB    = "exp"
	expTable = "dogs"
)

// expRows are the records the tests export: text needing CSV quoting
// (commas, quotes, CR/LF, a leading space), unicode (combining marks,
// astral plane, a ZWJ sequence), nested objects and arrays, nulls, big and
// small numbers, an empty string, and a record lacking most attributes.
var expRows = []map[string]any{
	{"id": 1, "name": `Penny, the "good" dog`, "bio": "line one\nline two\r\nline, three", "uni": "Zoë 日本語 🐕‍🦺",
		"owner": map[string]any{"first": "Kyle", "pets": []any{"a,b", map[string]any{"c": `"q"`}}}, "tags": []any{"x", "y, z"},
		"age": 5, "weight": 12.75, "good": true, "empty": ""},
	{"id": 2, "name": " leading space", "bio": "tab\there", "uni": "ñ", "owner": nil, "tags": []any{}, "age": -3, "weight": 0.1, "good": false},
	{"id": 3, "name": "sparse"},
	{"id": 4, "name": `quote " only`, "bio": `"`, "uni": "e\u0301", "owner": map[string]any{"deep": map[string]any{"deeper": []any{1, 2.5, nil, true}}},
		"tags": []any{"only"}, "age": 1e15, "weight": -2.5e-7, "good": true, "empty": "x"},
}

// expAllColumns is the column order of a "*" export of expRows: the
// primary key, then every other attribute (the two timestamps included)
// in JavaScript's sort order, which for these ASCII names is byte order.
var expAllColumns = []string{"id", "__createdtime__", "__updatedtime__", "age", "bio", "empty", "good", "name", "owner", "tags", "uni", "weight"}

// expSearch is one search an export runs, with the columns its file must
// have, in order.
type expSearch struct {
	name    string
	body    map[string]any
	columns []string
	// ordered is set when the search promises an order (ORDER BY).
	ordered bool
}

// expSearches covers every exportable search kind; sql with a column list
// whose order is not the table's.
var expSearches = []expSearch{
	{"search_by_hash", map[string]any{"operation": "search_by_hash", "database": expDB, "table": expTable,
		"hash_values": []any{4, 1, 3}, "get_attributes": []string{"name", "id", "owner", "bio"}}, []string{"name", "id", "owner", "bio"}, false},
	{"search_by_value", map[string]any{"operation": "search_by_value", "database": expDB, "table": expTable,
		"search_attribute": "name", "search_value": "*", "get_attributes": []string{"*"}}, expAllColumns, false},
	{"search_by_conditions", map[string]any{"operation": "search_by_conditions", "database": expDB, "table": expTable, "operator": "or",
		"get_attributes": []string{"*"}, "conditions": []map[string]any{
			{"search_attribute": "age", "search_type": "greater_than", "search_value": 0},
			{"search_attribute": "name", "search_type": "equals", "search_value": "sparse"}}}, expAllColumns, false},
	{"sql", map[string]any{"operation": "sql", "sql": "SELECT uni, id, bio, owner, weight, tags FROM exp.dogs ORDER BY id DESC"},
		[]string{"uni", "id", "bio", "owner", "weight", "tags"}, true},
}

// expSetup creates exp.dogs and inserts expRows.
func expSetup(t *testing.T, in *instance) {
	t.Helper()
	recExpect(t, "create_table", in.admin(t, map[string]any{"operation": "create_table", "database": expDB, "table": expTable, "primary_key": "id"}), 200, "")
	recExpect(t, "insert", in.admin(t, map[string]any{"operation": "insert", "database": expDB, "table": expTable, "records": expRows}),
		200, fmt.Sprintf("inserted %d of %d records", len(expRows), len(expRows)))
}

// expNormal is v as a JSON reader sees it (numbers float64).
func expNormal(t *testing.T, v any) any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// expCheckRecords compares exported records (JSON-decoded) with the same
// search run directly (want), column by column (an absent attribute is
// null), in order when the search promises one and by id otherwise; and
// every inserted value of expRows must be there unchanged.
func expCheckRecords(t *testing.T, what string, columns []string, got, want []map[string]any, ordered bool) {
	t.Helper()
	if len(got) != len(want) || len(got) == 0 {
		t.Fatalf("%s: %d records exported, the search answers %d", what, len(got), len(want))
	}
	key := func(r map[string]any) string { return fmt.Sprint(r["id"]) }
	if !ordered {
		byID := func(a, b map[string]any) int { return strings.Compare(key(a), key(b)) }
		slices.SortFunc(got, byID)
		slices.SortFunc(want, byID)
	}
	inserted := map[string]map[string]any{}
	for _, r := range expRows {
		inserted[fmt.Sprint(r["id"])] = expNormal(t, r).(map[string]any)
	}
	for i := range got {
		for _, c := range columns {
			if !reflect.DeepEqual(got[i][c], want[i][c]) {
				t.Fatalf("%s: record %d column %q = %#v, the search says %#v", what, i, c, got[i][c], want[i][c])
			}
			if v, ok := inserted[key(got[i])][c]; ok && !reflect.DeepEqual(got[i][c], v) {
				t.Fatalf("%s: record %s column %q = %#v, inserted %#v", what, key(got[i]), c, got[i][c], v)
			}
		}
		for k := range got[i] {
			if !slices.Contains(columns, k) {
				t.Fatalf("%s: record %d has column %q outside %v", what, i, k, columns)
			}
		}
	}
}

// expReadJSON decodes an exported JSON file and checks that the first
// record's keys come in column order.
func expReadJSON(t *testing.T, what string, data []byte, columns []string) []map[string]any {
	t.Helper()
	var rows []map[string]any
	if err := json.Unmarshal(data, &rows); err != nil {
		t.Fatalf("%s: not a JSON array: %v: %.200s", what, err, data)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var keys []string
	for i := 0; ; i++ {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("%s: reading key order: %v", what, err)
		}
		if tok == json.Delim('}') {
			break
		}
		if i >= 2 { // after '[' and '{': key, then its value
			keys = append(keys, tok.(string))
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}
	}
	if !slices.Equal(keys, columns) {
		t.Fatalf("%s: first record's keys %v, want %v", what, keys, columns)
	}
	return rows
}

// expReadCSV parses an exported CSV file (header = columns) back into
// records, each cell turned into the value the JSON export would hold:
// "" is null, numbers and booleans by their text, nested values by JSON.
// want supplies each cell's kind; strings compare as text, after
// encoding/csv's reader turned CR LF inside quotes into LF.
func expReadCSV(t *testing.T, what string, data []byte, columns []string, want []map[string]any) []map[string]any {
	t.Helper()
	lines, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil || len(lines) == 0 {
		t.Fatalf("%s: not CSV: %v", what, err)
	}
	if !slices.Equal(lines[0], columns) {
		t.Fatalf("%s: header %q, want %q", what, lines[0], columns)
	}
	ids := map[string]map[string]any{}
	for _, w := range want {
		ids[fmt.Sprint(w["id"])] = w
	}
	idCol := slices.Index(columns, "id")
	var out []map[string]any
	for n, line := range lines[1:] {
		w := ids[line[idCol]]
		if w == nil {
			t.Fatalf("%s: row %d has id %q, not in the search", what, n, line[idCol])
		}
		rec := map[string]any{}
		for i, c := range columns {
			rec[c] = expCell(t, what, line[i], w[c])
		}
		out = append(out, rec)
	}
	return out
}

// expCell turns a CSV cell back into the value like (the search's value
// of that cell) has, so the records compare with DeepEqual.
func expCell(t *testing.T, what, cell string, like any) any {
	t.Helper()
	switch l := like.(type) {
	case nil:
		if cell != "" {
			t.Fatalf("%s: cell %q for a null", what, cell)
		}
		return nil
	case string:
		if cell == strings.ReplaceAll(l, "\r\n", "\n") {
			return l
		}
		return cell
	case bool:
		return cell == "true"
	case float64:
		f, err := strconv.ParseFloat(cell, 64)
		if err != nil {
			t.Fatalf("%s: cell %q is not a number: %v", what, cell, err)
		}
		return f
	}
	var v any
	if err := json.Unmarshal([]byte(cell), &v); err != nil {
		t.Fatalf("%s: cell %q is not JSON: %v", what, cell, err)
	}
	return v
}

// expCheckFile reads an export (JSON or CSV) back and compares it with the
// search's own answer.
func expCheckFile(t *testing.T, in *instance, what, format string, data []byte, s expSearch) {
	t.Helper()
	want := recRows(t, "direct "+s.name, in.admin(t, s.body))
	var got []map[string]any
	if format == "json" {
		got = expReadJSON(t, what, data, s.columns)
	} else {
		got = expReadCSV(t, what, data, s.columns, want)
	}
	expCheckRecords(t, what, s.columns, got, want, s.ordered)
}

// expJobResult polls the job to its end and decodes its result into v,
// failing unless it is COMPLETE.
func expJobResult(t *testing.T, in *instance, id string, v any) map[string]any {
	t.Helper()
	job := recWaitJob(t, in, adminUser, adminPass, id)
	if job["status"] != "COMPLETE" {
		t.Fatalf("job %s: %v", id, job)
	}
	raw, _ := json.Marshal(job["result"])
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("job %s result %s: %v", id, raw, err)
	}
	return job
}

func TestExportLocalEverySearchAndFormat(t *testing.T) {
	in := startHops(t, "", "")
	expSetup(t, in)
	dir := t.TempDir()
	var files []string
	for _, s := range expSearches {
		for _, format := range []string{"json", "csv"} {
			name := "dogs_" + s.name
			what := s.name + " " + format
			id := recStartJob(t, in, map[string]any{"operation": "export_local", "format": format, "path": dir,
				"filename": name, "search_operation": s.body})
			var res struct {
				Message string `json:"message"`
				Path    string `json:"path"`
			}
			job := expJobResult(t, in, id, &res)
			file := filepath.Join(dir, name+"."+format)
			if res.Message != "Successfully exported "+strings.ToUpper(format)+" locally." || res.Path != file ||
				job["type"] != "export_local" || job["user"] != adminUser {
				t.Fatalf("%s: job %v", what, job)
			}
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			expCheckFile(t, in, what, format, data, s)
			files = append(files, filepath.Base(file))
		}
	}
	expDirHolds(t, dir, files)
}

// expDirHolds fails unless dir holds exactly the named files (no temp
// file left beside them).
func expDirHolds(t *testing.T, dir string, names []string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	slices.Sort(got)
	names = slices.Sorted(slices.Values(names))
	if !slices.Equal(got, names) {
		t.Fatalf("%s holds %q, want %q", dir, got, names)
	}
}

// expJobCount is the number of jobs started since the epoch.
func expJobCount(t *testing.T, in *instance) int {
	t.Helper()
	var jobs []map[string]any
	r := in.admin(t, map[string]any{"operation": "search_jobs_by_start_date", "from_date": "2000-01-01", "to_date": "2999-12-31"})
	r.JSON(t, &jobs)
	if r.Status != 200 {
		t.Fatalf("search_jobs_by_start_date: %d %s", r.Status, r.Raw)
	}
	return len(jobs)
}

func TestExportLocalValidationAnsweredAtOnce(t *testing.T) {
	in := startHops(t, "", "")
	expSetup(t, in)
	dir := t.TempDir()
	file := filepath.Join(dir, "plain-file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	byValue := map[string]any{"operation": "search_by_value", "database": expDB, "table": expTable,
		"search_attribute": "id", "search_value": "*", "get_attributes": []string{"*"}}
	body := func(change map[string]any) map[string]any {
		b := map[string]any{"operation": "export_local", "format": "json", "path": dir, "filename": "v", "search_operation": byValue}
		for k, v := range change {
			if v == nil {
				delete(b, k)
			} else {
				b[k] = v
			}
		}
		return b
	}
	sql := func(q string) map[string]any {
		return map[string]any{"search_operation": map[string]any{"operation": "sql", "sql": q}}
	}
	before := expJobCount(t, in)
	for _, c := range []struct {
		name   string
		body   map[string]any
		status int
		want   string // exact error, or a substring when it starts with "~"
	}{
		{"format missing", body(map[string]any{"format": nil}), 400, "format missing"},
		{"format xml", body(map[string]any{"format": "xml"}), 400, "format invalid. must be one of the following values: json, csv"},
		{"search missing", body(map[string]any{"search_operation": nil}), 400, "search_operation is missing."},
		{"search kind", body(map[string]any{"search_operation": map[string]any{"operation": "describe_all"}}), 400,
			"searchOperation.operation must be one of the following values: search_by_value, search_by_hash, sql, search_by_conditions"},
		{"path missing", body(map[string]any{"path": nil}), 400, "path is missing."},
		{"path absent", body(map[string]any{"path": filepath.Join(dir, "nope")}), 400, "path '" + filepath.Join(dir, "nope") + "' does not exist"},
		{"path is a file", body(map[string]any{"path": file}), 400, "path '" + file + "' is not a directory, please supply a valid folder path"},
		{"filename escapes", body(map[string]any{"filename": "../escape"}), 400,
			`filename must be a plain file name without extension: not empty, no '/', '\', '..' or NUL`},
		{"unknown table", body(map[string]any{"search_operation": map[string]any{"operation": "search_by_hash", "database": expDB,
			"table": "nope", "hash_values": []any{1}, "get_attributes": []string{"*"}}}), 404, "Table 'exp.nope' does not exist"},
		{"unknown table sql", body(sql("SELECT * FROM exp.nope")), 404, "Table 'exp.nope' does not exist"},
		{"sql not a select", body(sql("DELETE FROM exp.dogs WHERE id = 1")), 400, "search_operation.sql must be a SELECT statement"},
		{"sql syntax", body(sql("SELEC * FROM exp.dogs")), 400, "~Invalid SQL at:"},
	} {
		r := in.admin(t, c.body)
		ok := r.Status == c.status
		if w, sub := strings.CutPrefix(c.want, "~"); sub {
			ok = ok && strings.Contains(r.Error(), w)
		} else {
			ok = ok && r.Error() == c.want
		}
		if !ok {
			t.Errorf("%s: %d %s; want %d %q", c.name, r.Status, r.Raw, c.status, c.want)
		}
	}
	recExpect(t, "add_role", in.admin(t, map[string]any{"operation": "add_role", "role": "exp_reader", "permission": map[string]any{
		"super_user": false, expDB: map[string]any{"tables": map[string]any{expTable: map[string]any{
			"read": true, "insert": false, "update": false, "delete": false, "attribute_permissions": []any{}}}}}}), 200, "")
	recExpect(t, "add_user", in.admin(t, map[string]any{"operation": "add_user", "role": "exp_reader", "username": "exp_user",
		"password": "Exp#Pass1", "active": true}), 200, "")
	b := recRefused(t, "export_local as a reader", in.post(t, "exp_user", "Exp#Pass1", body(nil)))
	if fmt.Sprint(b.UnauthorizedAccess) != "[Operation 'export_local' is restricted to 'super_user' roles]" {
		t.Errorf("reader refusal: %+v", b)
	}
	if after := expJobCount(t, in); after != before {
		t.Errorf("%d jobs were created by refused exports", after-before)
	}
	expDirHolds(t, dir, []string{"plain-file"})
	// The instance still exports after all that.
	var res struct{ Path string }
	expJobResult(t, in, recStartJob(t, in, body(nil)), &res)
	if data, err := os.ReadFile(filepath.Join(dir, "v.json")); err != nil || len(expReadJSON(t, "after", data, expAllColumns)) != len(expRows) {
		t.Fatalf("export after the refusals: %v %s", err, data)
	}
}

// expS3Body is an export_to_s3 request to tg with the given credentials,
// naming the endpoint and path-style addressing in the request itself.
func expS3Body(tg s3test.Target, format, accessKey, secret, key string, search map[string]any) map[string]any {
	return map[string]any{"operation": "export_to_s3", "format": format, "search_operation": search,
		"s3": map[string]any{"aws_access_key_id": accessKey, "aws_secret_access_key": secret, "bucket": tg.Bucket,
			"key": key, "region": s3test.Region, "endpoint": tg.Endpoint, "force_path_style": true}}
}

// expNoSecret fails if secret appears in any of texts, or in hops' own
// output and log files.
func expNoSecret(t *testing.T, in *instance, secret string, texts map[string]string) {
	t.Helper()
	texts["hops output"] = in.out.String()
	_ = filepath.WalkDir(filepath.Join(in.root, "log"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := os.ReadFile(p)
			texts[p] = string(data)
		}
		return nil
	})
	for name, text := range texts {
		if strings.Contains(text, secret) {
			t.Errorf("the secret appears in %s", name)
		}
	}
}

// TestExportToS3 uploads to a real S3 protocol server: s3test's gofakes3
// in this process (refusing other credentials), or the server s3test's
// environment names (make e2e-s3: MinIO).
func TestExportToS3(t *testing.T) {
	tg := s3test.NewTarget(t, "AKIDHOPSIT", "hops-it-s3-secret-0123456789", "exports")
	in := startHops(t, "", "")
	expSetup(t, in)
	for _, s := range []expSearch{expSearches[1], expSearches[3]} {
		for _, format := range []string{"json", "csv"} {
			what := "s3 " + s.name + " " + format
			key := "hops/" + s.name
			id := recStartJob(t, in, expS3Body(tg, format, tg.AccessKey, tg.Secret, key, s.body))
			var res struct {
				Bucket, Key, ETag string
				Bytes             int64 `json:"bytes_written"`
			}
			job := expJobResult(t, in, id, &res)
			data, ok := tg.Object(t, key+"."+format)
			if !ok {
				t.Fatalf("%s: no object %s.%s", what, key, format)
			}
			if res.Bucket != tg.Bucket || res.Key != key+"."+format || res.ETag == "" || res.Bytes != int64(len(data)) || job["type"] != "export_to_s3" {
				t.Fatalf("%s: job %v for a %d-byte object", what, job, len(data))
			}
			expCheckFile(t, in, what, format, data, s)
			raw, _ := json.Marshal(job)
			expNoSecret(t, in, tg.Secret, map[string]string{"job " + id: string(raw)})
		}
	}

	// Wrong credentials end the job ERROR with S3's code, store nothing,
	// and the secret given is nowhere.
	const wrongSecret = "not-the-right-secret-0123456789"
	for _, c := range []struct{ name, accessKey, secret, code string }{
		{"wrong secret", tg.AccessKey, wrongSecret, "SignatureDoesNotMatch"},
		{"unknown access key", "AKIDNOBODYKNOWS", wrongSecret, tg.UnknownKeyCode},
	} {
		key := "hops/denied-" + strings.ReplaceAll(c.name, " ", "-")
		id := recStartJob(t, in, expS3Body(tg, "csv", c.accessKey, c.secret, key, expSearches[1].body))
		job := recWaitJob(t, in, adminUser, adminPass, id)
		// A fixed-form reason: S3's code and status, not the server's text.
		msg, _ := job["message"].(string)
		if want := "S3 refused the upload: " + c.code + " (HTTP 403)"; job["status"] != "ERROR" || msg != want || job["result"] != nil {
			t.Fatalf("%s: job %v, want ERROR %q", c.name, job, want)
		}
		if _, ok := tg.Object(t, key+".csv"); ok {
			t.Errorf("%s: an object was stored", c.name)
		}
		r := in.admin(t, map[string]any{"operation": "get_job", "id": id})
		expNoSecret(t, in, c.secret, map[string]string{"get_job " + id: string(r.Raw)})
	}

	// A reader, who may read the table, may not make the server connect
	// where it chooses (server-side request forgery): naming the loopback
	// S3 server, or any endpoint outside families.export.s3.allowedEndpoints,
	// is refused before any search or job.
	recExpect(t, "add_role", in.admin(t, map[string]any{"operation": "add_role", "role": "exp_s3_reader", "permission": map[string]any{
		"super_user": false, expDB: map[string]any{"tables": map[string]any{expTable: map[string]any{
			"read": true, "insert": false, "update": false, "delete": false, "attribute_permissions": []any{}}}}}}), 200, "")
	recExpect(t, "add_user", in.admin(t, map[string]any{"operation": "add_user", "role": "exp_s3_reader", "username": "exp_s3_user",
		"password": "Exp#Pass1", "active": true}), 200, "")
	before := expJobCount(t, in)
	for _, endpoint := range []string{tg.Endpoint, "http://127.0.0.1:9", "http://169.254.169.254", "http://[::1]:80"} {
		body := expS3Body(tg, "json", tg.AccessKey, tg.Secret, "hops/reader", expSearches[1].body)
		body["s3"].(map[string]any)["endpoint"] = endpoint
		r := in.post(t, "exp_s3_user", "Exp#Pass1", body)
		if want := "s3.endpoint is not allowed: only a super user may name an S3 endpoint other than AWS or one of families.export.s3.allowedEndpoints"; r.Status != 403 || r.Error() != want {
			t.Errorf("reader's export to %s: %d %s", endpoint, r.Status, r.Raw)
		}
	}
	if after := expJobCount(t, in); after != before {
		t.Errorf("%d jobs were created by refused exports", after-before)
	}
	if _, ok := tg.Object(t, "hops/reader.json"); ok {
		t.Error("a reader's refused export stored an object")
	}
}

// expKillRows and expKillBatches: the table the kill test exports, about
// 40 MB of JSON (100 000 records with a 300-byte pad), so the export runs
// for a good fraction of a second at least and the test catches it with
// its temp file open; inserted in 10 requests.
const (
	expKillRows    = 100_000
	expKillBatches = 10
	expKillPad     = 300
)

// expWaitWriting polls the open files of process pid until one is in dir
// (the export's temp file, named or O_TMPFILE's "#inode (deleted)") and
// returns its path. The poll is a tight loop: the file is open only while
// the export runs, and the export must not finish first.
func expWaitWriting(t *testing.T, pid int, dir, final string) string {
	t.Helper()
	fdDir := filepath.Join("/proc", strconv.Itoa(pid), "fd")
	deadline := time.Now().Add(recJobWait)
	for time.Now().Before(deadline) {
		fds, _ := os.ReadDir(fdDir)
		for _, fd := range fds {
			if target, err := os.Readlink(filepath.Join(fdDir, fd.Name())); err == nil && strings.HasPrefix(target, dir+"/") {
				return target
			}
		}
		if _, err := os.Stat(final); err == nil {
			t.Fatalf("the export finished before the test caught it writing: grow expKillRows")
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("process %d opened no file in %s within %s", pid, dir, recJobWait)
	return ""
}

// TestExportKilledFamilyLeavesNoFile SIGKILLs the export family's process
// mid-export: the job ends ERROR saying the process exited, and neither
// the file nor its temp file is left. The process is first frozen
// (SIGSTOP) the moment it has a file open in the export's folder, so the
// test sees the job IN_PROGRESS before the kill, whatever the machine's
// speed. The restarted family then exports normally.
func TestExportKilledFamilyLeavesNoFile(t *testing.T) {
	in := startHops(t, "", "")
	recExpect(t, "create_table", in.admin(t, map[string]any{"operation": "create_table", "database": expDB, "table": "big", "primary_key": "id"}), 200, "")
	per := expKillRows / expKillBatches
	pad := strings.Repeat("p", expKillPad)
	for b := 0; b < expKillBatches; b++ {
		batch := make([]map[string]any, per)
		for i := range batch {
			id := b*per + i
			batch[i] = map[string]any{"id": id, "name": fmt.Sprintf("dog %d, \"big\"", id), "n": id, "pad": pad}
		}
		recExpect(t, "insert", in.admin(t, map[string]any{"operation": "insert", "database": expDB, "table": "big", "records": batch}), 200, "")
	}
	dir := t.TempDir()
	body := map[string]any{"operation": "export_local", "format": "json", "path": dir, "filename": "big",
		"search_operation": map[string]any{"operation": "sql", "sql": "SELECT * FROM exp.big"}}
	pid := in.familyPID(t, "plugin builtin export")
	id := recStartJob(t, in, body)
	temp := expWaitWriting(t, pid, dir, filepath.Join(dir, "big.json"))
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	var jobs []map[string]any
	in.admin(t, map[string]any{"operation": "get_job", "id": id}).JSON(t, &jobs)
	if len(jobs) != 1 || jobs[0]["status"] != "IN_PROGRESS" {
		_ = syscall.Kill(pid, syscall.SIGCONT)
		t.Fatalf("frozen while writing %s: job %v", temp, jobs)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	job := recWaitJob(t, in, adminUser, adminPass, id)
	if msg, _ := job["message"].(string); job["status"] != "ERROR" || !strings.Contains(msg, "'export' family process exited") {
		t.Fatalf("job after the kill: %v", job)
	}
	if strings.Contains(filepath.Base(temp), ".tmp-") {
		// The folder's file system has no O_TMPFILE, so the exporter fell
		// back to a named temp file, which a killed process leaves behind
		// (documented in builtin/export's doc). The export itself must
		// still not appear.
		t.Logf("no O_TMPFILE in %s: the named temp file %s stays", dir, filepath.Base(temp))
		if _, err := os.Stat(filepath.Join(dir, "big.json")); err == nil {
			t.Fatal("a killed export published its file")
		}
		_ = os.Remove(temp)
	}
	expDirHolds(t, dir, nil)

	// The supervisor restarts the family (503 until then); the same export
	// then completes.
	deadline := time.Now().Add(recJobWait)
	r := in.admin(t, body)
	for ; r.Status == 503; r = in.admin(t, body) {
		if time.Now().After(deadline) {
			t.Fatalf("the export family is not back after %s: %s", recJobWait, r.Raw)
		}
		time.Sleep(recPollEvery)
	}
	var started struct {
		JobID string `json:"job_id"`
	}
	r.JSON(t, &started)
	if r.Status != 200 || started.JobID == "" {
		t.Fatalf("export after the restart: %d %s", r.Status, r.Raw)
	}
	var res struct{ Path string }
	expJobResult(t, in, started.JobID, &res)
	if res.Path != filepath.Join(dir, "big.json") {
		t.Fatalf("export after the restart wrote %q", res.Path)
	}
	expDirHolds(t, dir, []string{"big.json"})
}
