package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/hops-dev/hops/builtin"
	"github.com/hops-dev/hops/sdk"
)

// The tests in this file check that every operation reads its fields as
// HarperDB (JavaScript) reads them: keys are exact ("Table" is not
// "table") and of duplicate keys the last wins, in the body and in every
// nested object.

// rawObject writes a JSON object from key, raw-JSON-value pairs, keeping
// duplicates and order (a Go map cannot hold either).
func rawObject(kv ...string) []byte {
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(kv[i]))
		b.WriteByte(':')
		b.WriteString(kv[i+1])
	}
	b.WriteByte('}')
	return []byte(b.String())
}

// probeValues are valid values for the field names the operations read: a
// decoy under a differently cased key, or an earlier duplicate, carries
// one, so an operation that read it would answer differently.
var probeValues = map[string]string{
	"database":         `"data"`,
	"schema":           `"data"`,
	"table":            `"dogs"`,
	"primary_key":      `"id"`,
	"hash_attribute":   `"id"`,
	"records":          `[{"id":99}]`,
	"hash_values":      `[1]`,
	"ids":              `[1]`,
	"get_attributes":   `["*"]`,
	"search_attribute": `"id"`,
	"search_value":     `1`,
	"conditions":       `[]`,
	"operator":         `"and"`,
	"limit":            `1`,
	"offset":           `0`,
	"sort":             `{"attribute":"id"}`,
	"sql":              `"SELECT * FROM data.dogs"`,
	"date":             `"2020-01-01"`,
	"id":               `"primary"`,
	"status":           `"up"`,
	"name":             `"fieldsprobe"`,
	"certificate":      `"x"`,
	"is_authority":     `false`,
	"private_key":      `"x"`,
	"hosts":            `["h"]`,
	"uses":             `["https"]`,
	"format":           `"json"`,
	"filename":         `"probe"`,
	"search_operation": `{"operation":"sql","sql":"SELECT * FROM data.dogs"}`,
	"username":         `"admin"`,
	"password":         `"` + adminPass + `"`,
	"role":             `"super_user"`,
	"active":           `true`,
	"service":          `"http_workers"`,
	"projects":         `["x"]`,
	"attributes":       `["cpu"]`,
	"from_date":        `"2020-01-01"`,
	"to_date":          `"2099-01-01"`,
	"refresh_token":    `"x"`,
	"expires_in":       `60`,
	"permission":       `{"super_user":true}`,
	"replicated":       `false`,
	"dry_run":          `true`,
	"dryRun":           `true`,
	"hostname":         `"node2"`,
	"port":             `9933`,
	"url":              `"wss://node2:9933"`,
	"routes":           `["node2:9933"]`,
	"connections":      `[]`,
	"restart":          `false`,
	"verify_tls":       `true`,
}

// hostLocalOperations are the operations the host answers itself (auth,
// jobs, system); the families' come from the builtin catalog and the
// example plugin.
var hostLocalOperations = []string{
	"add_role", "alter_role", "drop_role", "list_roles", "add_user", "alter_user", "drop_user",
	"list_users", "user_info", "create_authentication_tokens", "refresh_operation_token",
	"get_job", "search_jobs_by_start_date",
	"get_configuration", "set_configuration", "restart", "restart_service", "host_information", "read_log",
}

// sweepSkipped are operations the sweep does not send its bodies to, and
// why.
var sweepSkipped = map[string]string{
	"restart":           "takes no field and restarts the instance",
	"set_configuration": "its fields are configuration keys (any name), checked by the config tests",
}

// registeredOperations lists every operation: the builtin families' (the
// catalog the host registers), the example plugin's and the host's own.
func registeredOperations(t *testing.T) []string {
	t.Helper()
	var names []string
	for _, name := range builtin.Names() {
		fam, err := builtin.Families[name]()
		if err != nil {
			t.Fatalf("builtin %s: %v", name, err)
		}
		for _, op := range fam.Operations() {
			if op.Access == sdk.AccessInternal {
				continue // unknown to HTTP callers (sdk.AccessInternal)
			}
			names = append(names, op.Name)
		}
	}
	names = append(names, "example_greet", "example_status_report")
	names = append(names, hostLocalOperations...)
	sort.Strings(names)
	return names
}

// errorOf is the answer's error text ("" when it has none).
func errorOf(r response) string { return r.Error() }

// TestEveryOperationReadsExactKeysLastDuplicate sends every registered
// operation a body whose exact keys hold null last, after a valid
// duplicate and before valid values under differently cased keys (the
// order in which a case-insensitive decoder would take a cased key), and
// the same body with only the exact, last keys. Both must get the same
// answer: what the exact, last key says.
func TestEveryOperationReadsExactKeysLastDuplicate(t *testing.T) {
	in := startHops(t, "", exampleConfig(t, ""))
	seedDogs(t, in)
	fields := make([]string, 0, len(probeValues))
	for k := range probeValues {
		fields = append(fields, k)
	}
	sort.Strings(fields)
	ops := registeredOperations(t)
	if len(ops) < 40 {
		t.Fatalf("only %d operations listed: %v", len(ops), ops)
	}
	t.Logf("%d operations", len(ops))
	for _, op := range ops {
		if why, skip := sweepSkipped[op]; skip {
			t.Logf("%s: not swept: %s", op, why)
			continue
		}
		exact := []string{"operation", strconv.Quote(op)}
		decoy := []string{"operation", strconv.Quote(op)}
		for _, f := range fields {
			v := probeValues[f]
			exact = append(exact, f, "null")
			decoy = append(decoy, f, v, f, "null",
				strings.ToUpper(f[:1])+f[1:], v, strings.ToUpper(f), v)
		}
		want := in.admin(t, rawObject(exact...))
		got := in.admin(t, rawObject(decoy...))
		if strings.Contains(errorOf(want), "not found") && strings.Contains(errorOf(want), op) {
			t.Errorf("%s is not registered: %s", op, want.Raw)
			continue
		}
		if got.Status != want.Status || (want.Status != 200 && errorOf(got) != errorOf(want)) {
			t.Errorf("%s: decoy keys changed the answer:\n  exact keys: %d %s\n  with decoys: %d %s",
				op, want.Status, want.Raw, got.Status, got.Raw)
		}
	}
}

// seedDogs creates data.dogs with ids 1, 2, 3.
func seedDogs(t *testing.T, in *instance) {
	t.Helper()
	for _, body := range []any{
		map[string]any{"operation": "create_database", "database": "data"},
		map[string]any{"operation": "create_table", "database": "data", "table": "dogs", "primary_key": "id"},
		map[string]any{"operation": "insert", "database": "data", "table": "dogs", "records": []any{
			map[string]any{"id": 1, "name": "Penny"}, map[string]any{"id": 2, "name": "Harper"}, map[string]any{"id": 3, "name": "Alby"}}},
	} {
		if r := in.admin(t, body); r.Status != 200 {
			t.Fatalf("seed %v: %d %s", body, r.Status, r.Raw)
		}
	}
}

// dogIDs answers the ids in data.dogs, sorted.
func dogIDs(t *testing.T, in *instance) []int {
	t.Helper()
	r := in.admin(t, map[string]any{"operation": "search_by_value", "database": "data", "table": "dogs",
		"search_attribute": "id", "search_value": "*", "get_attributes": []string{"id"}})
	var rows []struct {
		ID int `json:"id"`
	}
	r.JSON(t, &rows)
	ids := make([]int, 0, len(rows))
	for _, row := range rows {
		ids = append(ids, row.ID)
	}
	sort.Ints(ids)
	return ids
}

// TestExactKeysDecideWhatRuns: answers that depend on which key is read,
// across families and nested objects. An export whose search hides a
// DELETE behind a differently cased or an earlier sql key is refused and
// deletes nothing.
func TestExactKeysDecideWhatRuns(t *testing.T) {
	in := startHops(t, "", "")
	seedDogs(t, in)
	dir := t.TempDir()
	del, sel := `"DELETE FROM data.dogs WHERE id = 1"`, `"SELECT * FROM data.dogs"`
	exportBody := func(search string) []byte {
		return rawObject("operation", `"export_local"`, "format", `"json"`, "path", strconv.Quote(dir),
			"filename", `"x"`, "search_operation", search)
	}
	for _, search := range []string{
		string(rawObject("operation", `"sql"`, "sql", del, "SQL", sel)),
		string(rawObject("operation", `"sql"`, "Sql", sel, "sql", del)),
		string(rawObject("operation", `"sql"`, "sql", sel, "sql", del)),
		string(rawObject("operation", `"search_by_value"`, "operation", `"sql"`, "sql", del)),
	} {
		r := in.admin(t, exportBody(search))
		if r.Status != 400 || !strings.Contains(r.Error(), "SELECT") {
			t.Errorf("export of %s: %d %s, want 400 (not a SELECT)", search, r.Status, r.Raw)
		}
	}
	// A duplicate search_operation: the last, a DELETE, is what counts.
	r := in.admin(t, rawObject("operation", `"export_local"`, "format", `"json"`, "path", strconv.Quote(dir),
		"filename", `"x"`, "search_operation", string(rawObject("operation", `"sql"`, "sql", sel)),
		"search_operation", string(rawObject("operation", `"sql"`, "sql", del))))
	if r.Status != 400 {
		t.Errorf("export with a DELETE as the last search_operation: %d %s", r.Status, r.Raw)
	}
	if ids := dogIDs(t, in); len(ids) != 3 {
		t.Fatalf("a refused export changed data: ids %v", ids)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("a refused export wrote %v", entries)
	}

	cases := []struct {
		name string
		body []byte
		want string // the answer, as JSON
	}{
		{"sql runs the exact key", rawObject("operation", `"sql"`, "sql", `"SELECT id FROM data.dogs WHERE id = 1"`, "SQL", del),
			`[{"id":1}]`},
		{"search_by_hash takes the last hash_values and ignores cased ones",
			rawObject("operation", `"search_by_hash"`, "database", `"data"`, "table", `"dogs"`, "hash_values", `[1]`,
				"hash_values", `[2]`, "Hash_Values", `[3]`, "get_attributes", `["id"]`), `[{"id":2}]`},
		{"search_by_conditions reads each condition by exact keys",
			rawObject("operation", `"search_by_conditions"`, "database", `"data"`, "table", `"dogs"`, "get_attributes", `["id"]`,
				"conditions", `[{"search_attribute":"id","search_type":"equals","search_value":2,"Search_Value":1}]`), `[{"id":2}]`},
		{"search_by_conditions sort by exact keys",
			rawObject("operation", `"search_by_conditions"`, "database", `"data"`, "table", `"dogs"`, "get_attributes", `["id"]`,
				"conditions", `[{"search_attribute":"id","search_type":"greater_than","search_value":0}]`,
				"sort", `{"attribute":"id","descending":true,"Descending":false}`, "limit", `1`), `[{"id":3}]`},
		{"set_status takes the last status and the exact id",
			rawObject("operation", `"set_status"`, "id", `"maintenance"`, "ID", `"primary"`, "status", `"first"`,
				"status", `"up"`, "Status", `"x"`), `{"id":"maintenance","status":"up"}`},
		{"a cased operation key names nothing", rawObject("operation", `"get_status"`, "id", `"maintenance"`, "Operation", `"drop_database"`),
			`{"id":"maintenance","status":"up"}`},
		{"null is a wrong type, not a missing field", rawObject("operation", `"set_status"`, "status", "null"),
			`{"error":"'status' must be a string"}`},
		{"null id names 'id'", rawObject("operation", `"set_status"`, "id", "null", "status", `"up"`),
			`{"error":"'id' must be one of [primary, maintenance, availability]. 'id' must be a string"}`},
	}
	for _, c := range cases {
		r := in.admin(t, c.body)
		if !jsonSubset(t, r.Raw, c.want) {
			t.Errorf("%s: %d %s, want %s", c.name, r.Status, r.Raw, c.want)
		}
	}
	if ids := dogIDs(t, in); len(ids) != 3 {
		t.Fatalf("data changed: ids %v", ids)
	}
	// An export of the exact SELECT works and writes the three dogs.
	r = in.admin(t, exportBody(string(rawObject("operation", `"sql"`, "SQL", del, "sql", sel))))
	if r.Status != 200 {
		t.Fatalf("export of a SELECT: %d %s", r.Status, r.Raw)
	}
	var started struct {
		JobID string `json:"job_id"`
	}
	r.JSON(t, &started)
	in.waitJob(t, started.JobID)
	data, err := os.ReadFile(filepath.Join(dir, "x.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	if err := json.Unmarshal(data, &rows); err != nil || len(rows) != 3 {
		t.Fatalf("exported %s (%v)", data, err)
	}
}

// jsonSubset reports whether got (JSON) holds want (JSON): objects by the
// keys want names, arrays element by element.
func jsonSubset(t *testing.T, got []byte, want string) bool {
	t.Helper()
	var g, w any
	if json.Unmarshal(got, &g) != nil || json.Unmarshal([]byte(want), &w) != nil {
		return false
	}
	return subset(g, w)
}

func subset(g, w any) bool {
	switch w := w.(type) {
	case map[string]any:
		gm, ok := g.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range w {
			if !subset(gm[k], v) {
				return false
			}
		}
		return true
	case []any:
		ga, ok := g.([]any)
		if !ok || len(ga) != len(w) {
			return false
		}
		for i := range w {
			if !subset(ga[i], w[i]) {
				return false
			}
		}
		return true
	default:
		gj, _ := json.Marshal(g)
		wj, _ := json.Marshal(w)
		return string(gj) == string(wj)
	}
}
