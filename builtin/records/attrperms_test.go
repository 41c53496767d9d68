package records

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hops-dev/hops/sdk"
	"github.com/hops-dev/hops/sdk/sdktest"
)

// keeper's role lists attribute permissions on db.pets: it may read,
// insert and update name, only read age, and nothing else. secret is not
// listed, so it does not exist for keeper; the primary key id is not
// listed either and has every right a listed attribute has (HarperDB
// 4.7's translation of a role). The table rights include delete.
var keeper = caller("keeper", `{"super_user": false, "db": {"tables": {
	"pets": {"read": true, "insert": true, "update": true, "delete": true, "attribute_permissions": [
		{"attribute_name": "name", "read": true, "insert": true, "update": true},
		{"attribute_name": "age", "read": true, "insert": false, "update": false}]}}}}`)

// attrEnv is db.pets with one record holding an attribute keeper cannot
// see.
func attrEnv(t *testing.T) *env {
	e := newEnv(t, harnessOpts{})
	e.table("db", "pets")
	e.insert("db", "pets", `[{"id": 1, "name": "Rex", "age": 3, "secret": "s1"}]`)
	return e
}

// hiddenAttr is the 403 body for attributes keeper cannot see.
func hiddenAttr(names ...string) string {
	items := make([]string, len(names))
	for i, n := range names {
		items[i] = "Attribute '" + n + "' does not exist on 'db.pets'"
	}
	b, _ := json.Marshal(map[string]any{"error": sdk.UnauthorizedMessage, "unauthorized_access": []any{}, "invalid_schema_items": items})
	return string(b)
}

// lackingAttr is the 403 body for one attribute keeper sees but lacks
// rights on.
func lackingAttr(name string, rights ...string) string {
	b, _ := json.Marshal(map[string]any{"error": sdk.UnauthorizedMessage,
		"unauthorized_access": []any{map[string]any{"schema": "db", "table": "pets", "required_table_permissions": []string{},
			"required_attribute_permissions": []any{map[string]any{"attribute_name": name, "required_permissions": rights}}}},
		"invalid_schema_items": []string{}})
	return string(b)
}

func onPets(name string, kv ...any) map[string]any {
	return op(name, append([]any{"database", "db", "table", "pets"}, kv...)...)
}

func TestAttributePermissionsOnReads(t *testing.T) {
	e := attrEnv(t)
	as := func(body any) sdktest.Result { return e.h.Do(t, keeper, body) }
	all := []string{"*"}

	t.Run("star expands to what the role may read", func(t *testing.T) {
		for _, body := range []map[string]any{
			onPets("search_by_hash", "hash_values", []any{1}, "get_attributes", all),
			onPets("search_by_id", "ids", []any{1}, "get_attributes", all),
			onPets("search_by_value", "search_attribute", "id", "search_value", "*", "get_attributes", all),
			onPets("search_by_value", "search_attribute", "name", "search_value", "Rex", "get_attributes", all),
			onPets("search_by_conditions", "conditions", []any{map[string]any{"search_attribute": "age", "search_type": "equals", "search_value": 3}}, "get_attributes", all),
			op("sql", "sql", "SELECT * FROM db.pets"),
			op("sql", "sql", "SELECT * FROM db.pets WHERE age = 3"),
		} {
			r := as(body)
			if r.Status != 200 || strings.TrimSpace(string(r.Body)) != `[{"id":1,"age":3,"name":"Rex"}]` {
				t.Errorf("%v: %d %s", body, r.Status, r.Body)
			}
		}
	})
	t.Run("a hidden attribute does not exist", func(t *testing.T) {
		for _, body := range []map[string]any{
			onPets("search_by_hash", "hash_values", []any{1}, "get_attributes", []string{"name", "secret"}),
			onPets("search_by_value", "search_attribute", "secret", "search_value", "s1", "get_attributes", []string{"name"}),
			onPets("search_by_conditions", "conditions", []any{map[string]any{"search_attribute": "secret", "search_type": "equals", "search_value": "s1"}}, "get_attributes", []string{"id"}),
			op("sql", "sql", "SELECT secret FROM db.pets"),
			op("sql", "sql", "SELECT name FROM db.pets WHERE secret = 's1'"),
			op("sql", "sql", "SELECT name FROM db.pets ORDER BY secret"),
			op("sql", "sql", "DELETE FROM db.pets WHERE secret = 's1'"),
			// Functions, CASE and joins name the attributes they read.
			op("sql", "sql", "SELECT UPPER(secret) AS s FROM db.pets"),
			op("sql", "sql", "SELECT CASE WHEN age > 1 THEN secret END AS s FROM db.pets"),
			op("sql", "sql", "SELECT a.name FROM db.pets a JOIN db.pets b ON a.id = b.id WHERE b.secret = 's1'"),
			op("sql", "sql", "SELECT b.secret FROM db.pets a JOIN db.pets b USING (id)"),
		} {
			want403(t, as(body), hiddenAttr("secret"))
		}
	})
	t.Run("a self-join reads what the role may read", func(t *testing.T) {
		wantJSON(t, as(op("sql", "sql", "SELECT a.name, UPPER(b.name) AS up FROM db.pets a JOIN db.pets b ON a.id = b.id")),
			`[{"name":"Rex","up":"REX"}]`)
		// One table: * keeps to the attributes the role may read.
		wantJSON(t, as(op("sql", "sql", "SELECT b.* FROM db.pets a JOIN db.pets b ON a.id = b.id")), `[{"id":1,"age":3,"name":"Rex"}]`)
	})
	t.Run("describe lists only attributes the role can see", func(t *testing.T) {
		r := as(onPets("describe_table"))
		var d struct {
			Attributes []struct {
				Attribute string `json:"attribute"`
			} `json:"attributes"`
		}
		if err := json.Unmarshal(r.Body, &d); err != nil || r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		var names []string
		for _, a := range d.Attributes {
			names = append(names, a.Attribute)
		}
		if got := strings.Join(names, ","); strings.Contains(got, "secret") || !strings.Contains(got, "name") || !strings.Contains(got, "id") {
			t.Errorf("attributes %s", got)
		}
	})
	t.Run("the super user still sees everything", func(t *testing.T) {
		wantJSON(t, e.super(onPets("search_by_hash", "hash_values", []any{1}, "get_attributes", []string{"id", "age", "name", "secret"})),
			`[{"id":1,"age":3,"name":"Rex","secret":"s1"}]`)
	})
}

func TestAttributePermissionsOnWrites(t *testing.T) {
	e := attrEnv(t)
	as := func(body any) sdktest.Result { return e.h.Do(t, keeper, body) }
	rec := func(kv string) json.RawMessage { return json.RawMessage(`[{` + kv + `}]`) }

	wantJSON(t, as(onPets("insert", "records", rec(`"id": 2, "name": "Bo"`))),
		`{"message":"inserted 1 of 1 records","inserted_hashes":[2],"skipped_hashes":[]}`)
	want403(t, as(onPets("insert", "records", rec(`"id": 3, "age": 1`))), lackingAttr("age", "insert"))
	want403(t, as(onPets("insert", "records", rec(`"id": 3, "secret": "x"`))), hiddenAttr("secret"))
	want403(t, as(onPets("insert", "records", rec(`"id": 3, "color": "red"`))), hiddenAttr("color"))
	want403(t, as(onPets("update", "records", rec(`"id": 1, "age": 4`))), lackingAttr("age", "update"))
	want403(t, as(onPets("upsert", "records", rec(`"id": 1, "age": 4`))), lackingAttr("age", "insert", "update"))
	want403(t, as(op("sql", "sql", "UPDATE db.pets SET age = 4 WHERE id = 1")), lackingAttr("age", "update"))
	want403(t, as(op("sql", "sql", "INSERT INTO db.pets (id, secret) VALUES (5, 'x')")), hiddenAttr("secret"))
	want403(t, as(onPets("update", "records", rec(`"id": 1, "__createdtime__": 5`))), hiddenAttr("__createdtime__"))
	// A role that lists a timestamp may read it, never write it.
	stamper := caller("stamper", `{"super_user": false, "db": {"tables": {"pets": {"read": true, "insert": true, "update": true, "delete": false,
		"attribute_permissions": [{"attribute_name": "__createdtime__", "read": true, "insert": true, "update": true}]}}}}`)
	wantError(t, e.h.Do(t, stamper, onPets("update", "records", rec(`"id": 1, "__createdtime__": 5`))), 403, MsgTimestampWrite)
	wantJSON(t, as(onPets("update", "records", rec(`"id": 1, "name": "Max"`))),
		`{"message":"updated 1 of 1 records","update_hashes":[1],"skipped_hashes":[]}`)

	// Nothing refused was written.
	wantJSON(t, e.super(onPets("search_by_value", "search_attribute", "id", "search_value", "*", "get_attributes", []string{"id", "age", "name", "secret"})),
		`[{"id":1,"age":3,"name":"Max","secret":"s1"},{"id":2,"age":null,"name":"Bo","secret":null}]`)
}

// An export runs its search as the caller: its file holds only the
// attributes the caller may read, and a search naming a hidden one fails.
func TestAttributePermissionsOnExports(t *testing.T) {
	e := attrEnv(t)
	search := onPets("search_by_value", "search_attribute", "id", "search_value", "*", "get_attributes", []string{"*"})
	r := e.h.Do(t, keeper, op(opExportSearch, "format", "csv", "search_operation", search))
	if r.Status != 200 || !strings.HasPrefix(string(r.Body), "id,age,name\n1,3,Rex") || strings.Contains(string(r.Body), "s1") {
		t.Errorf("csv export: %d %q", r.Status, r.Body)
	}
	r = e.h.Do(t, keeper, op(opExportSearch, "format", "json", "search_operation", op("sql", "sql", "SELECT * FROM db.pets")))
	if r.Status != 200 || string(r.Body) != `[{"id":1,"age":3,"name":"Rex"}]` {
		t.Errorf("json export: %d %q", r.Status, r.Body)
	}
	want403(t, e.h.Do(t, keeper, op(opExportSearch, "format", "csv", "search_operation", op("sql", "sql", "SELECT secret FROM db.pets"))), hiddenAttr("secret"))
}
