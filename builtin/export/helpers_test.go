package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hops-dev/hops/sdk/sdktest"
)

// jobTimeout bounds a wait for a job in tests: generous for a loaded
// 2-core machine, and only reached when a test fails.
const jobTimeout = 60 * time.Second

// testAttrs are the fake table's attributes besides the primary key, in
// the store's (not sorted) order.
var testAttrs = []string{"name", "breed", "age", "good", "owner", "tags", "notes", "__createdtime__", "__updatedtime__"}

// testRow is row i: text that needs CSV quoting, unicode, nested values,
// nulls and missing attributes.
func testRow(i int) map[string]any {
	r := map[string]any{
		testPK:            i,
		"name":            fmt.Sprintf(`dog %d, "the" Zoë 世界 %c`, i, rune(0x1F600+i%50)),
		"breed":           "Lab <&>",
		"age":             float64(i%15) + 0.5,
		"good":            i%2 == 0,
		"owner":           map[string]any{"first": "Kyle", "n": i},
		"tags":            []any{"a", fmt.Sprint(i)},
		"notes":           "line1\nline2, \"quoted\"\r\nend",
		"__createdtime__": 1.7e12 + float64(i) + 0.25,
		"__updatedtime__": 1.7e12 + float64(i),
	}
	if i%3 == 0 {
		r["breed"] = nil
	}
	if i%5 == 0 {
		delete(r, "notes")
	}
	return r
}

// newTestFamily serves a fresh family over the harness with fake as the
// records family behind Dispatch, and section as its config.
func newTestFamily(t testing.TB, fake *fakeRecords, section any) (*Family, *sdktest.Harness) {
	t.Helper()
	f, err := New()
	if err != nil {
		t.Fatal(err)
	}
	h := sdktest.New(t, f, sdktest.Options{Section: section})
	h.Host.DispatchFunc = fake.dispatch
	t.Cleanup(func() { _ = f.Shutdown(t.Context()) })
	return f, h
}

// newFake is a fakeRecords of n testRows.
func newFake(n int) *fakeRecords {
	return &fakeRecords{n: n, row: testRow, attrs: testAttrs}
}

// startJob sends body as the super user, expects the "Starting job"
// answer and returns the job id.
func startJob(t testing.TB, h *sdktest.Harness, body map[string]any) string {
	t.Helper()
	r := h.Super(t, body)
	if r.Status != 200 {
		t.Fatalf("%v: status %d %s", body["operation"], r.Status, r.Body)
	}
	var ans struct {
		Message string `json:"message"`
		JobID   string `json:"job_id"`
	}
	r.JSON(t, &ans)
	if ans.JobID == "" || ans.Message != fmt.Sprintf(MsgStartingJob, ans.JobID) {
		t.Fatalf("answer %s", r.Body)
	}
	return ans.JobID
}

// waitJob waits for the job to end and returns it.
func waitJob(t testing.TB, h *sdktest.Harness, id string) sdktest.Job {
	t.Helper()
	j, err := h.Host.WaitJob(id, jobTimeout)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// project is rec as a search projects it on cols: every column, nil where
// rec lacks it.
func project(rec map[string]any, cols []string) map[string]any {
	out := make(map[string]any, len(cols))
	for _, c := range cols {
		out[c] = rec[c]
	}
	return out
}

// normalize round-trips v through JSON (numbers as json.Number), so
// values built in Go compare equal to values read back from a file.
func normalize(t testing.TB, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkJSONFile compares the JSON export at path with rows 0..n-1 of
// testRow projected on cols, record by record, and checks every record's
// keys come in cols' order.
func checkJSONFile(t testing.TB, path string, cols []string, n int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatalf("export is not a JSON array: %v", err)
	}
	if len(raw) != n {
		t.Fatalf("%d records exported, want %d", len(raw), n)
	}
	for i, r := range raw {
		keys, err := jsonKeys(r)
		if err != nil || !reflect.DeepEqual(keys, cols) {
			t.Fatalf("record %d keys %v (%v), want %v", i, keys, err, cols)
		}
		var got any
		dec := json.NewDecoder(bytes.NewReader(r))
		dec.UseNumber()
		if err := dec.Decode(&got); err != nil {
			t.Fatal(err)
		}
		if want := normalize(t, project(testRow(i), cols)); !reflect.DeepEqual(got, want) {
			t.Fatalf("record %d:\n got %v\nwant %v", i, got, want)
		}
	}
}

// checkCSVFile compares the CSV export at path with a header of cols and
// rows 0..n-1 of testRow, cell by cell.
func checkCSVFile(t testing.TB, path string, cols []string, n int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n > 1 && slices.Contains(cols, "notes") && !bytes.Contains(data, []byte("\r\nend")) {
		t.Fatal("a value's \\r\\n was not kept")
	}
	lines, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatalf("export is not CSV: %v", err)
	}
	if len(lines) != n+1 {
		t.Fatalf("%d CSV lines, want header + %d", len(lines), n)
	}
	if !reflect.DeepEqual(lines[0], cols) {
		t.Fatalf("header %q, want %q", lines[0], cols)
	}
	for i, line := range lines[1:] {
		rec := testRow(i)
		want := make([]string, len(cols))
		for k, c := range cols {
			want[k] = csvCell(rec[c])
		}
		if !reflect.DeepEqual(line, want) {
			t.Fatalf("row %d:\n got %q\nwant %q", i, line, want)
		}
	}
}

// csvCell is the expected CSV text of v as encoding/csv reads it back:
// empty for null, strings as they are (the reader turns a quoted field's
// \r\n into \n; checkCSVFile checks the raw bytes keep it), everything
// else its JSON text.
func csvCell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return strings.ReplaceAll(x, "\r\n", "\n")
	}
	return string(appendJSON(nil, v))
}

// dirEntries lists the names in dir (hidden temp files included).
func dirEntries(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// localBody is an export_local request.
func localBody(dir, format, filename string, search map[string]any) map[string]any {
	return map[string]any{"operation": OpExportLocal, "format": format, "path": dir, "filename": filename, "search_operation": search}
}

// exportedPath is where an export_local of filename/format lands in dir.
func exportedPath(dir, filename, format string) string {
	return filepath.Join(dir, filename+"."+format)
}

// mustNotContain fails when any of the texts contains secret.
func mustNotContain(t testing.TB, secret string, texts map[string]string) {
	t.Helper()
	for where, s := range texts {
		if strings.Contains(s, secret) {
			t.Errorf("the secret appears in the %s: %s", where, s)
		}
	}
}

// jsonKeys returns the keys of the JSON object raw, in order.
func jsonKeys(raw json.RawMessage) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("not an object: %.40s", raw)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		keys = append(keys, key)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}
