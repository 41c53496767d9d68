package records

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/hops-dev/hops/sdk"
	"github.com/hops-dev/hops/sdk/sdktest"
)

// systemEnv serves the family with a host that answers the system
// tables' source operations as the host and the certs family do (each
// answer's shape as hops' own operations give it), and counts them.
func systemEnv(t *testing.T) (*env, map[string]int) {
	e := newEnv(t, harnessOpts{})
	calls := map[string]int{}
	answers := map[string]string{
		"list_users": `[{"username":"admin","active":true,"role":{"id":"super_user","role":"super_user","permission":{"super_user":true}},"__createdtime__":1,"__updatedtime__":2},
			{"username":"ann","active":false,"role":{"id":"readers","role":"readers","permission":{"super_user":false}},"__createdtime__":3,"__updatedtime__":4}]`,
		"list_roles": `[{"id":"cluster_user","role":"cluster_user","permission":{"cluster_user":true},"__createdtime__":1,"__updatedtime__":1},
			{"id":"readers","role":"readers","permission":{"super_user":false},"__createdtime__":3,"__updatedtime__":3},
			{"id":"super_user","role":"super_user","permission":{"super_user":true},"__createdtime__":1,"__updatedtime__":1}]`,
		"search_jobs_by_start_date": `[{"id":"j1","type":"export_local","status":"COMPLETE","message":"done","user":"admin","created_datetime":10,"start_datetime":10,"end_datetime":20,"start_datetime_converted":"x","end_datetime_converted":"y"}]`,
		"list_certificates":         `[]`,
	}
	back := e.h.Host.DispatchFunc
	e.h.Host.DispatchFunc = func(ctx context.Context, c sdk.Caller, body []byte) (*sdk.Reply, error) {
		var op struct {
			Operation string `json:"operation"`
		}
		_ = json.Unmarshal(body, &op)
		if a, ok := answers[op.Operation]; ok {
			calls[op.Operation]++
			return &sdk.Reply{Status: http.StatusOK, ContentType: sdk.ContentTypeJSON, Body: io.NopCloser(strings.NewReader(a))}, nil
		}
		return back(ctx, c, body)
	}
	return e, calls
}

func TestSystemDatabaseReads(t *testing.T) {
	e, calls := systemEnv(t)
	onSys := func(name, table string, kv ...any) map[string]any {
		return op(name, append([]any{"database", "system", "table", table}, kv...)...)
	}
	wantJSON(t, e.super(onSys("search_by_value", "hdb_user", "search_attribute", "username", "search_value", "*", "get_attributes", []string{"*"})),
		`[{"username":"admin","__createdtime__":1,"__updatedtime__":2,"active":true,"role":"super_user"},
		  {"username":"ann","__createdtime__":3,"__updatedtime__":4,"active":false,"role":"readers"}]`)
	wantJSON(t, e.super(onSys("search_by_hash", "hdb_role", "hash_values", []any{"readers", "nope"}, "get_attributes", []string{"id", "role"})),
		`[{"id":"readers","role":"readers"}]`)
	wantJSON(t, e.super(onSys("search_by_conditions", "hdb_job", "conditions", []any{map[string]any{"search_attribute": "status", "search_type": "equals", "search_value": "COMPLETE"}},
		"get_attributes", []string{"id", "type", "user", "__updatedtime__"})),
		`[{"id":"j1","type":"export_local","user":"admin","__updatedtime__":20}]`)
	wantJSON(t, e.super(op("sql", "sql", "SELECT role, COUNT(*) AS n FROM system.hdb_user GROUP BY role ORDER BY role")),
		`[{"role":"readers","n":1},{"role":"super_user","n":1}]`)
	wantJSON(t, e.super(op("sql", "sql", "SELECT * FROM system.hdb_info")),
		`[{"info_id":1,"data_version_num":"`+hopsVersion()+`","hdb_version_num":"`+hopsVersion()+`"}]`)
	wantJSON(t, e.super(op("sql", "sql", "SELECT * FROM system.hdb_nodes")), `[]`)

	r := e.super(onSys("describe_table", "hdb_role"))
	var d struct {
		HashAttribute string `json:"hash_attribute"`
		Attributes    []struct {
			Attribute    string `json:"attribute"`
			IsPrimaryKey bool   `json:"is_primary_key"`
		} `json:"attributes"`
	}
	if err := json.Unmarshal(r.Body, &d); err != nil || d.HashAttribute != "id" || len(d.Attributes) != 5 || !d.Attributes[0].IsPrimaryKey {
		t.Errorf("describe_table: %s", r.Body)
	}
	r = e.super(op("describe_database", "database", "system"))
	var tables map[string]any
	if err := json.Unmarshal(r.Body, &tables); err != nil || len(tables) != len(systemTables) || tables["hdb_user"] == nil {
		t.Errorf("describe_database system: %s", r.Body)
	}
	if strings.Contains(string(e.super(op("describe_all")).Body), `"system"`) {
		t.Error("describe_all lists the system database; HarperDB 4.7.29 does not")
	}
	// An export of a system table is a search like any other.
	r = e.super(op(opExportSearch, "format", "csv", "search_operation", onSys("search_by_value", "hdb_role", "search_attribute", "id", "search_value", "*", "get_attributes", []string{"id", "role"})))
	if r.Status != 200 || string(r.Body) != "id,role\ncluster_user,cluster_user\nreaders,readers\nsuper_user,super_user\n" {
		t.Errorf("export: %d %q", r.Status, r.Body)
	}
	if calls["list_users"] == 0 || calls["list_roles"] == 0 || calls["search_jobs_by_start_date"] == 0 {
		t.Errorf("source calls %v", calls)
	}
}

func TestSystemDatabaseRules(t *testing.T) {
	e, _ := systemEnv(t)
	readOnly := func(r sdktest.Result) {
		t.Helper()
		wantError(t, r, 403, MsgSystemReadOnly)
	}
	rec := json.RawMessage(`[{"id":"x","role":"x","permission":{"super_user":true}}]`)
	readOnly(e.super(op("insert", "database", "system", "table", "hdb_role", "records", rec)))
	readOnly(e.super(op("upsert", "database", "system", "table", "hdb_role", "records", rec)))
	readOnly(e.super(op("update", "database", "system", "table", "hdb_user", "records", json.RawMessage(`[{"username":"ann","active":true}]`))))
	readOnly(e.super(op("delete", "database", "system", "table", "hdb_user", "hash_values", []any{"ann"})))
	readOnly(e.super(op("sql", "sql", "DELETE FROM system.hdb_user WHERE username = 'ann'")))
	readOnly(e.super(op("sql", "sql", "UPDATE system.hdb_user SET active = true")))
	readOnly(e.super(op("drop_table", "database", "system", "table", "hdb_job")))
	readOnly(e.super(op("create_table", "database", "system", "table", "mine", "primary_key", "id")))
	readOnly(e.super(op("drop_database", "database", "system")))
	readOnly(e.super(op("delete_records_before", "database", "system", "table", "hdb_job", "date", "2099-01-01")))
	wantError(t, e.super(op("search_by_hash", "database", "system", "table", "hdb_nope", "hash_values", []any{1}, "get_attributes", []string{"*"})),
		404, "Table 'system.hdb_nope' does not exist")

	// A role without a super user's rights: HarperDB 4.7.29's 403s.
	want403(t, e.h.Do(t, reader, op("search_by_value", "database", "system", "table", "hdb_user", "search_attribute", "username", "search_value", "*", "get_attributes", []string{"username"})),
		`{"error":"`+sdk.UnauthorizedMessage+`","unauthorized_access":[{"schema":"system","table":"hdb_user","required_table_permissions":["read"],"required_attribute_permissions":[]}],"invalid_schema_items":[]}`)
	want403(t, e.h.Do(t, reader, op("sql", "sql", "SELECT username FROM system.hdb_user")),
		`{"error":"`+sdk.UnauthorizedMessage+`","unauthorized_access":[{"schema":"system","table":"hdb_user","required_table_permissions":["read"],"required_attribute_permissions":[]}],"invalid_schema_items":[]}`)
	want403(t, e.h.Do(t, reader, op("describe_table", "database", "system", "table", "hdb_user")),
		`{"error":"`+sdk.UnauthorizedMessage+`","unauthorized_access":["`+MsgSystemMetadata+`"],"invalid_schema_items":[]}`)
}
