package export

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hops-dev/hops/builtin/export/exporter"
	"github.com/hops-dev/hops/sdk"
)

func TestDescribeListsTheTable(t *testing.T) {
	_, h := newTestFamily(t, newFake(0), nil)
	if h.Description.Name != "export" {
		t.Fatalf("name %q", h.Description.Name)
	}
	want := map[string]sdk.Access{OpExportLocal: sdk.AccessSuperUser, OpExportToS3: sdk.AccessPermissions}
	if len(h.Description.Operations) != len(want) {
		t.Fatalf("operations %+v", h.Description.Operations)
	}
	for _, op := range h.Description.Operations {
		if op.Access != want[op.Name] || !op.Job || op.RestrictedName != op.Name {
			t.Errorf("%s: access %s job %v restricted %q", op.Name, op.Access, op.Job, op.RestrictedName)
		}
	}
}

// firstJobID is the id the FakeHost gives the first job it creates.
const firstJobID = "00000000-0000-4000-8000-000000000001"

func TestBadRequestsAreAnsweredAtOnceWithoutAJob(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	sqlAll := map[string]any{"operation": "sql", "sql": "SELECT * FROM dev.dogs"}
	s3 := map[string]any{"aws_access_key_id": "AKID", "aws_secret_access_key": "s3cr3t", "bucket": "b", "key": "k", "region": "us-east-1"}
	cases := []struct {
		name   string
		body   map[string]any
		status int
		msg    string
	}{
		{"bad format", map[string]any{"operation": OpExportLocal, "format": "xml", "path": dir, "search_operation": sqlAll}, 400, exporter.MsgFormatInvalid},
		{"no format", map[string]any{"operation": OpExportLocal, "path": dir, "search_operation": sqlAll}, 400, exporter.MsgFormatMissing},
		{"no path", map[string]any{"operation": OpExportLocal, "format": "json", "search_operation": sqlAll}, 400, exporter.MsgPathMissing},
		{"missing path", localBody(filepath.Join(dir, "nope"), "json", "x", sqlAll), 400, fmt.Sprintf(exporter.MsgPathNotExist, filepath.Join(dir, "nope"))},
		{"path is a file", localBody(file, "json", "x", sqlAll), 400, fmt.Sprintf(exporter.MsgPathNotDir, file)},
		{"no search op", localBody(dir, "json", "x", map[string]any{"sql": "SELECT 1"}), 400, exporter.MsgSearchOperationNoOperation},
		{"search op not allowed", localBody(dir, "json", "x", map[string]any{"operation": "describe_all"}), 400, exporter.MsgSearchOperationInvalid},
		{"bad filename", localBody(dir, "json", "../x", sqlAll), 400, exporter.MsgFilenameInvalid},
		{"unknown table", localBody(dir, "json", "x", map[string]any{"operation": "search_by_hash", "database": testDB, "table": "nope", "hash_values": []int{1}, "get_attributes": []string{"*"}}),
			404, fmt.Sprintf(fakeUnknownTable, testDB, "nope")},
		{"invalid sql", localBody(dir, "json", "x", map[string]any{"operation": "sql", "sql": "SELEC * FROM dev.dogs"}), 400, fakeInvalidSQL},
		{"sql delete", localBody(dir, "csv", "x", map[string]any{"operation": "sql", "sql": "/* hi */ DELETE FROM dev.dogs"}), 400, MsgSQLNotSelect},
		{"s3 missing", map[string]any{"operation": OpExportToS3, "format": "json", "search_operation": sqlAll}, 400, exporter.MsgS3Missing},
		{"s3 no bucket", map[string]any{"operation": OpExportToS3, "format": "json", "search_operation": sqlAll, "s3": without(s3, "bucket")}, 400, exporter.MsgBucketMissing},
		{"s3 unknown table", map[string]any{"operation": OpExportToS3, "format": "json", "s3": s3,
			"search_operation": map[string]any{"operation": "search_by_value", "database": testDB, "table": "nope", "search_attribute": "id", "search_value": "*", "get_attributes": []string{"*"}}},
			404, fmt.Sprintf(fakeUnknownTable, testDB, "nope")},
		{"s3 invalid sql", map[string]any{"operation": OpExportToS3, "format": "csv", "s3": s3, "search_operation": map[string]any{"operation": "sql", "sql": "SELEC * FROM dev.dogs"}}, 400, fakeInvalidSQL},
	}
	fake := newFake(3)
	_, h := newTestFamily(t, fake, nil)
	for _, tc := range cases {
		r := h.Super(t, tc.body)
		if r.Status != tc.status || r.Error() != tc.msg {
			t.Errorf("%s: %d %s, want %d %q", tc.name, r.Status, r.Body, tc.status, tc.msg)
		}
		if strings.Contains(string(r.Body), "s3cr3t") {
			t.Errorf("%s: the answer shows the secret: %s", tc.name, r.Body)
		}
	}
	if got := dirEntries(t, dir); !reflect.DeepEqual(got, []string{"a-file"}) {
		t.Fatalf("refused exports wrote files: %v", got)
	}
	for _, op := range fake.dispatched() {
		if strings.Contains(op, "DELETE") {
			t.Fatalf("a DELETE was dispatched: %v", fake.dispatched())
		}
	}
	// No job was created: the next one is the host's first.
	if id := startJob(t, h, localBody(dir, "json", "ok", sqlAll)); id != firstJobID {
		t.Fatalf("a refused export created a job: the first valid one is %s", id)
	}
	if j := waitJob(t, h, firstJobID); j.Status != "COMPLETE" {
		t.Fatalf("job %+v", j)
	}
}

// TestWriteSQLIsRefusedWhateverTheKeysSpell: the guard reads the sql the
// sql operation will run (the exact key "sql", the last duplicate), so a
// DELETE hidden behind a differently cased or an earlier key is refused and
// never dispatched, and a SELECT under the exact key is exported.
func TestWriteSQLIsRefusedWhateverTheKeysSpell(t *testing.T) {
	dir := t.TempDir()
	const del, sel = `"DELETE FROM dev.dogs WHERE id = 1"`, `"SELECT * FROM dev.dogs"`
	body := func(search string) []byte {
		return []byte(`{"operation":"export_local","format":"json","path":` + string(appendJSON(nil, dir)) +
			`,"filename":"x","search_operation":` + search + `}`)
	}
	refused := []string{
		`{"operation":"sql","sql":` + del + `,"SQL":` + sel + `}`,
		`{"operation":"sql","Sql":` + sel + `,"sql":` + del + `}`,
		`{"operation":"sql","sql":` + sel + `,"sql":` + del + `}`,
		`{"operation":"search_by_value","operation":"sql","sql":` + del + `}`,
	}
	fake := newFake(3)
	_, h := newTestFamily(t, fake, nil)
	for _, search := range refused {
		r := h.Super(t, body(search))
		if r.Status != 400 || r.Error() != MsgSQLNotSelect {
			t.Errorf("%s: %d %s, want 400 %q", search, r.Status, r.Body, MsgSQLNotSelect)
		}
		r = h.Super(t, body(`{"operation":"sql","sql":`+sel+`},"search_operation":`+search))
		if r.Status != 400 || r.Error() != MsgSQLNotSelect {
			t.Errorf("duplicate search_operation, last %s: %d %s, want 400", search, r.Status, r.Body)
		}
	}
	for _, op := range fake.dispatched() {
		if strings.Contains(op, "DELETE") {
			t.Fatalf("a DELETE was dispatched: %v", fake.dispatched())
		}
	}
	// The exact, last sql is a SELECT: it is exported.
	r := h.Super(t, body(`{"operation":"sql","sql":`+del+`,"SQL":`+del+`,"sql":`+sel+`}`))
	if r.Status != 200 {
		t.Fatalf("SELECT under the exact key: %d %s", r.Status, r.Body)
	}
	var started struct {
		JobID string `json:"job_id"`
	}
	r.JSON(t, &started)
	if j := waitJob(t, h, started.JobID); j.Status != "COMPLETE" {
		t.Fatalf("job %+v", j)
	}
}

// without returns m minus key.
func without(m map[string]any, key string) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	return out
}

func TestExportLocalRoundTrips(t *testing.T) {
	const rows = 300
	all := append([]string{testPK}, "__createdtime__", "__updatedtime__", "age", "breed", "good", "name", "notes", "owner", "tags")
	searches := []struct {
		name   string
		search map[string]any
		cols   []string
	}{
		{"search_by_value *", map[string]any{"operation": "search_by_value", "database": testDB, "table": testTable,
			"search_attribute": "id", "search_value": "*", "get_attributes": []string{"*"}}, all},
		{"search_by_hash list", map[string]any{"operation": "search_by_hash", "schema": testDB, "table": testTable,
			"hash_values": []int{1, 2}, "get_attributes": []string{"name", "id", "owner", "name"}}, []string{"name", "id", "owner"}},
		{"search_by_conditions *", map[string]any{"operation": "search_by_conditions", "database": testDB, "table": testTable,
			"conditions": []any{}, "get_attributes": []string{"id", "*"}}, all},
		{"sql *", map[string]any{"operation": "sql", "sql": "SELECT * FROM dev.dogs"}, all},
		{"sql list", map[string]any{"operation": "sql", "sql": "SELECT notes, age, id, tags FROM dev.dogs"}, []string{"notes", "age", "id", "tags"}},
	}
	dir := t.TempDir()
	_, h := newTestFamily(t, newFake(rows), nil)
	for i, s := range searches {
		for _, format := range []string{exporter.FormatJSON, exporter.FormatCSV} {
			t.Run(s.name+" "+format, func(t *testing.T) {
				name := fmt.Sprintf("export-%d", i)
				id := startJob(t, h, localBody(dir, format, name, s.search))
				j := waitJob(t, h, id)
				path := exportedPath(dir, name, format)
				want := exporter.MsgLocalJSONDone
				if format == exporter.FormatCSV {
					want = exporter.MsgLocalCSVDone
				}
				var res exporter.LocalResult
				if err := json.Unmarshal(j.Result, &res); err != nil || j.Status != "COMPLETE" || res != (exporter.LocalResult{Message: want, Path: path}) {
					t.Fatalf("job %s %s %s", j.Status, j.Message, j.Result)
				}
				if j.Type != OpExportLocal || !strings.Contains(string(j.Body), `"search_operation"`) {
					t.Fatalf("job type %q body %s", j.Type, j.Body)
				}
				if format == exporter.FormatJSON {
					checkJSONFile(t, path, s.cols, rows)
				} else {
					checkCSVFile(t, path, s.cols, rows)
				}
			})
		}
	}
}

func TestEmptyResults(t *testing.T) {
	dir := t.TempDir()
	_, h := newTestFamily(t, newFake(0), nil)
	star := map[string]any{"operation": "search_by_value", "database": testDB, "table": testTable,
		"search_attribute": "id", "search_value": "*", "get_attributes": []string{"*"}}
	cases := []struct {
		name, format string
		search       map[string]any
		want         string
	}{
		{"sql json", "json", map[string]any{"operation": "sql", "sql": "SELECT * FROM dev.dogs LIMIT 0"}, "[]"},
		{"sql csv", "csv", map[string]any{"operation": "sql", "sql": "SELECT * FROM dev.dogs"}, "id,__createdtime__,__updatedtime__,age,breed,good,name,notes,owner,tags\n"},
		{"sql list csv", "csv", map[string]any{"operation": "sql", "sql": "SELECT name, id FROM dev.dogs"}, "name,id\n"},
		{"value json", "json", star, "[]"},
		{"value csv", "csv", star, "id,__createdtime__,__updatedtime__,age,breed,good,name,notes,owner,tags\n"},
	}
	for i, tc := range cases {
		name := fmt.Sprintf("empty-%d", i)
		j := waitJob(t, h, startJob(t, h, localBody(dir, tc.format, name, tc.search)))
		data, err := os.ReadFile(exportedPath(dir, name, tc.format))
		if j.Status != "COMPLETE" || err != nil || string(data) != tc.want {
			t.Errorf("%s: job %s %s; file %q (%v), want %q", tc.name, j.Status, j.Message, data, err, tc.want)
		}
	}
}

func TestProgressIsReported(t *testing.T) {
	const rows = 2000
	f, h := newTestFamily(t, newFake(rows), nil)
	f.progressEvery = 0 // report at every check, so a small export shows several
	dir := t.TempDir()
	j := waitJob(t, h, startJob(t, h, localBody(dir, "csv", "p", map[string]any{"operation": "sql", "sql": "SELECT * FROM dev.dogs"})))
	if j.Status != "COMPLETE" {
		t.Fatalf("job %s %s", j.Status, j.Message)
	}
	if len(j.Progress) < 2 {
		t.Fatalf("%d progress reports for %d rows", len(j.Progress), rows)
	}
	last := int64(0)
	for _, p := range j.Progress {
		var got sdk.Progress
		if err := json.Unmarshal(p, &got); err != nil || got.Done <= last || got.Done > rows || got.Total != rows || got.Unit != "rows" {
			t.Fatalf("progress %s after %d (%v)", p, last, err)
		}
		last = got.Done
	}
	if last != rows {
		t.Fatalf("the last progress report says %d rows, want %d", last, rows)
	}
}

// A throttled export still ends with a report of its final count; a
// search that does not know its size reports no total.
func TestLastProgressIsTheCount(t *testing.T) {
	const rows = 3000
	f, h := newTestFamily(t, newFake(rows), nil)
	f.progressEvery = time.Hour
	j := waitJob(t, h, startJob(t, h, localBody(t.TempDir(), "json", "p",
		map[string]any{"operation": "search_by_value", "database": "dev", "table": "dogs", "search_attribute": "id", "search_value": "*", "get_attributes": []string{"*"}})))
	if j.Status != "COMPLETE" || len(j.Progress) == 0 {
		t.Fatalf("job %s %s, %d progress reports", j.Status, j.Message, len(j.Progress))
	}
	var got sdk.Progress
	if err := json.Unmarshal(j.Progress[len(j.Progress)-1], &got); err != nil || got.Done != rows || got.Total != 0 {
		t.Fatalf("last progress %s (%v), want done %d and no total", j.Progress[len(j.Progress)-1], err, rows)
	}
}

func TestProgressIsThrottled(t *testing.T) {
	_, h := newTestFamily(t, newFake(3000), nil)
	j := waitJob(t, h, startJob(t, h, localBody(t.TempDir(), "json", "p", map[string]any{"operation": "sql", "sql": "SELECT * FROM dev.dogs"})))
	// At the default one report per second a fast export makes at most a
	// few; one per check would be 11.
	if j.Status != "COMPLETE" || len(j.Progress) > 3 {
		t.Fatalf("job %s, %d progress reports", j.Status, len(j.Progress))
	}
}

func TestBrokenSearchStreamEndsInErrorAndLeavesNoFile(t *testing.T) {
	for _, format := range []string{"json", "csv"} {
		t.Run(format, func(t *testing.T) {
			// Past the first chunk (sdk.ChunkSize) in both formats, so the
			// answer has started when it breaks.
			fake := newFake(5000)
			fake.breakAfter = 3000
			_, h := newTestFamily(t, fake, nil)
			dir := t.TempDir()
			j := waitJob(t, h, startJob(t, h, localBody(dir, format, "broken", map[string]any{"operation": "sql", "sql": "SELECT * FROM dev.dogs"})))
			if j.Status != "ERROR" || j.Message == "" || len(j.Result) != 0 {
				t.Fatalf("job %s %q %s", j.Status, j.Message, j.Result)
			}
			if got := dirEntries(t, dir); len(got) != 0 {
				t.Fatalf("a failed export left %v", got)
			}
		})
	}
}

func TestExportAsPlainUserIsRefusedByTheSearch(t *testing.T) {
	fake := newFake(3)
	_, h := newTestFamily(t, fake, nil)
	plain := sdk.Caller{Username: "reader", Role: "reader", Token: "token-reader", Permissions: json.RawMessage(`{}`)}
	r := h.Do(t, plain, map[string]any{"operation": OpExportToS3, "format": "json",
		"s3":               map[string]any{"aws_access_key_id": "AKID", "aws_secret_access_key": "x", "bucket": "b", "key": "k", "region": "us-east-1"},
		"search_operation": map[string]any{"operation": "sql", "sql": "SELECT * FROM dev.dogs"}})
	if r.Status != 403 || r.Error() != sdk.UnauthorizedMessage {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if _, ok := h.Host.Job(firstJobID); ok {
		t.Fatal("a refused export created a job")
	}
}
