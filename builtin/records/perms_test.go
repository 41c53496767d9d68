package records

import (
	"encoding/json"
	"testing"

	"github.com/hops-dev/hops/sdk"
	"github.com/hops-dev/hops/sdk/sdktest"
)

// caller returns a non-super caller whose role has the given permission JSON.
func caller(name, permission string) sdk.Caller {
	return sdk.Caller{Username: name, Role: name + "_role", Permissions: json.RawMessage(permission), Token: "token-" + name}
}

// reader may read, insert and update db.dogs, and nothing else (the role
// of the conformance suite's plain user). It lists db.birds with no right.
var reader = caller("reader", `{"super_user": false, "db": {"tables": {
	"dogs": {"read": true, "insert": true, "update": true, "delete": false, "attribute_permissions": []},
	"birds": {"read": false, "insert": false, "update": false, "delete": false, "attribute_permissions": []}}}}`)

// forbiddenTable is the 403 body for a missing right on db.<table>.
func forbiddenTable(table string, rights ...string) string {
	b, _ := json.Marshal(map[string]any{
		"error": sdk.UnauthorizedMessage,
		"unauthorized_access": []any{map[string]any{"schema": "db", "table": table,
			"required_table_permissions": rights, "required_attribute_permissions": []string{}}},
		"invalid_schema_items": []string{},
	})
	return string(b)
}

// hiddenTable is the 403 body for a table the role has no right on.
func hiddenTable(item string) string {
	b, _ := json.Marshal(map[string]any{"error": sdk.UnauthorizedMessage,
		"unauthorized_access": []any{}, "invalid_schema_items": []string{item}})
	return string(b)
}

// want403 checks a 403 answer's whole body.
func want403(t *testing.T, r sdktest.Result, body string) {
	t.Helper()
	if r.Status != 403 {
		t.Errorf("got %d %s, want 403 %s", r.Status, r.Body, body)
		return
	}
	r.Status = 200 // compare the body with wantJSON
	wantJSON(t, r, body)
}

func TestPermissionMatrix(t *testing.T) {
	e := withDogs(t)
	e.table("db", "cats")
	e.insert("db", "cats", `[{"id": 1, "name": "Tom"}]`)
	e.table("db", "birds")
	as := func(c sdk.Caller, body any) sdktest.Result { return e.h.Do(t, c, body) }
	dogsT := func(name string, kv ...any) map[string]any { return onDogs(name, kv...) }
	catsT := func(name string, kv ...any) map[string]any {
		return op(name, append([]any{"database", "db", "table", "cats"}, kv...)...)
	}
	get := []any{"hash_values", []any{1}, "get_attributes", []string{"id", "name"}}

	t.Run("reader reads, inserts, updates and upserts its table", func(t *testing.T) {
		wantJSON(t, as(reader, dogsT("search_by_hash", get...)), `[{"id":1,"name":"Penny"}]`)
		wantJSON(t, as(reader, dogsT("insert", "records", []any{map[string]any{"id": 30}})),
			`{"message":"inserted 1 of 1 records","inserted_hashes":[30],"skipped_hashes":[]}`)
		wantJSON(t, as(reader, dogsT("update", "records", []any{map[string]any{"id": 30, "x": 1}})),
			`{"message":"updated 1 of 1 records","update_hashes":[30],"skipped_hashes":[]}`)
		wantJSON(t, as(reader, dogsT("upsert", "records", []any{map[string]any{"id": 31}})),
			`{"message":"upserted 1 of 1 records","upserted_hashes":[31]}`)
		wantJSON(t, as(reader, sqlOp("SELECT id, name FROM db.dogs WHERE id = 1")), `[{"id":1,"name":"Penny"}]`)
		if r := as(reader, dogsT("describe_table")); r.Status != 200 {
			t.Errorf("describe_table: %d %s", r.Status, r.Body)
		}
	})
	t.Run("reader may not delete", func(t *testing.T) {
		want403(t, as(reader, dogsT("delete", "hash_values", []any{30})), forbiddenTable("dogs", "delete"))
		want403(t, as(reader, sqlOp("DELETE FROM db.dogs WHERE id = 30")), forbiddenTable("dogs", "delete"))
		wantJSON(t, e.super(dogsT("search_by_hash", "hash_values", []any{30}, "get_attributes", []string{"id"})), `[{"id":30}]`)
	})
	t.Run("a table without rights does not exist for the reader", func(t *testing.T) {
		hidden := hiddenTable("Table 'db.cats' does not exist")
		want403(t, as(reader, catsT("search_by_hash", get...)), hidden)
		want403(t, as(reader, catsT("search_by_value", "search_attribute", "id", "search_value", "*", "get_attributes", []string{"id"})), hidden)
		want403(t, as(reader, catsT("insert", "records", []any{})), hidden)
		want403(t, as(reader, catsT("describe_table")), hidden)
		want403(t, as(reader, sqlOp("SELECT * FROM db.cats")), hidden)
		// Listed with every right false is the same as not listed.
		want403(t, as(reader, op("search_by_hash", "database", "db", "table", "birds", "hash_values", []any{1},
			"get_attributes", []string{"id"})), hiddenTable("Table 'db.birds' does not exist"))
		// A table that really does not exist looks the same.
		want403(t, as(reader, op("describe_table", "database", "db", "table", "nope")), hiddenTable("Table 'db.nope' does not exist"))
		// A database the role has no right in does not exist, as HarperDB
		// 4.7.29 words it, whether it exists or not.
		e.ok(op("create_table", "database", "third", "table", "dogs", "primary_key", "id"))
		for _, db := range []string{"nodb", "third"} {
			want403(t, as(reader, op("search_by_hash", "database", db, "table", "dogs", "hash_values", []any{1}, "get_attributes", []string{"id"})),
				hiddenTable("database '"+db+"' does not exist"))
			want403(t, as(reader, sqlOp("SELECT * FROM "+db+".dogs")), hiddenTable("database '"+db+"' does not exist"))
			want403(t, as(reader, op("insert", "database", db, "table", "x", "records", []any{map[string]any{"id": 1}})),
				hiddenTable("database '"+db+"' does not exist"))
		}
	})
	t.Run("describe shows only readable tables", func(t *testing.T) {
		var all map[string]map[string]any
		as(reader, op("describe_all")).JSON(t, &all)
		if len(all) != 1 || len(all["db"]) != 1 || all["db"]["dogs"] == nil {
			t.Errorf("describe_all as reader = %v", all)
		}
		var db map[string]any
		as(reader, op("describe_database", "database", "db")).JSON(t, &db)
		if len(db) != 1 || db["dogs"] == nil {
			t.Errorf("describe_database as reader = %v", db)
		}
		e.ok(op("create_database", "database", "other"))
		want403(t, as(reader, op("describe_database", "database", "other")), hiddenTable("database 'other' does not exist"))
	})
	t.Run("upsert needs insert and update", func(t *testing.T) {
		inserter := caller("inserter", `{"super_user": false, "db": {"tables": {"dogs": {"read": false, "insert": true, "update": false, "delete": false}}}}`)
		want403(t, as(inserter, dogsT("upsert", "records", []any{})), forbiddenTable("dogs", "update"))
		want403(t, as(inserter, dogsT("search_by_hash", get...)), forbiddenTable("dogs", "read"))
		want403(t, as(inserter, sqlOp("UPDATE db.dogs SET x = 1")), forbiddenTable("dogs", "update"))
		deleter := caller("deleter", `{"super_user": false, "db": {"tables": {"dogs": {"delete": true}}}}`)
		want403(t, as(deleter, dogsT("upsert", "records", []any{})), forbiddenTable("dogs", "insert", "update"))
		want403(t, as(deleter, sqlOp("INSERT INTO db.dogs (id) VALUES (99)")), forbiddenTable("dogs", "insert"))
	})
	t.Run("super_user in the permission JSON", func(t *testing.T) {
		su := caller("su", `{"super_user": true}`)
		wantJSON(t, as(su, catsT("search_by_hash", get...)), `[{"id":1,"name":"Tom"}]`)
	})
	t.Run("damaged permission JSON grants nothing", func(t *testing.T) {
		bad := caller("bad", `not json`)
		want403(t, as(bad, dogsT("search_by_hash", get...)), hiddenTable("database 'db' does not exist"))
		var all map[string]any
		as(bad, op("describe_all")).JSON(t, &all)
		if len(all) != 0 {
			t.Errorf("describe_all = %v", all)
		}
	})
}

// TestPermissionsAreReadByExactKeys: a role's permission JSON is read as
// the host validated it, exact keys and the last duplicate winning, so a
// right spelled in another case grants nothing.
func TestPermissionsAreReadByExactKeys(t *testing.T) {
	p := permsOf(caller("mixed", `{"super_user": false, "SUPER_USER": true, "db": {"tables": {
		"dogs": {"read": true, "READ": false, "insert": false, "Insert": true, "delete": true, "delete": false,
		"attribute_permissions": [{"attribute_name": "age", "Attribute_Name": "name", "read": true}]}},
		"Tables": {"birds": {"read": true}}}}`))
	if p.super {
		t.Fatal("SUPER_USER made the role a super user")
	}
	dogs, ok := p.rights("db", "dogs")
	if !ok || !dogs.Read || dogs.Insert || dogs.Delete {
		t.Errorf("dogs rights = %+v", dogs)
	}
	if len(dogs.AttributePermissions) != 1 || dogs.AttributePermissions[0].Name != "age" {
		t.Errorf("attribute permissions = %+v", dogs.AttributePermissions)
	}
	if _, ok := p.rights("db", "birds"); ok {
		t.Error("a table under \"Tables\" was granted")
	}
}
