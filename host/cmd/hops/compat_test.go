package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestHarperDBRolesAndSystemDatabase runs, on the real binary, what a
// HarperDB 4.7 client does with roles, attribute permissions and the
// system database. Each expected answer is HarperDB 4.7.29's, observed on
// a running server (the requests are those of conformance cases 70-72).
func TestHarperDBRolesAndSystemDatabase(t *testing.T) {
	in := startHops(t, "", "")
	const acct, acctPass = "c15_acct", "Acct#Pass1"
	mustOK := func(what string, body map[string]any) response {
		t.Helper()
		r := in.admin(t, body)
		recExpect(t, what, r, 200, "")
		return r
	}
	mustOK("create table", map[string]any{"operation": "create_table", "database": "c15", "table": "acct", "primary_key": "id"})
	mustOK("insert", map[string]any{"operation": "insert", "database": "c15", "table": "acct",
		"records": []map[string]any{{"id": 1, "name": "Ann", "secret": "s1", "balance": 10}}})

	// Roles by name. HarperDB: add_role answers "id": "<the name>"; the
	// first start made super_user and cluster_user.
	var role struct{ ID, Role string }
	mustOK("add_role", map[string]any{"operation": "add_role", "role": "c15_role", "permission": map[string]any{"super_user": false,
		"c15": map[string]any{"tables": map[string]any{"acct": map[string]any{"read": true, "insert": true, "update": true, "delete": false,
			"attribute_permissions": []any{
				map[string]any{"attribute_name": "name", "read": true, "insert": true, "update": false},
				map[string]any{"attribute_name": "balance", "read": true, "insert": false, "update": true}}}}}}}).JSON(t, &role)
	if role.ID != "c15_role" || role.Role != "c15_role" {
		t.Fatalf("add_role answered id %q role %q", role.ID, role.Role)
	}
	var roles []struct{ ID string }
	mustOK("list_roles", map[string]any{"operation": "list_roles"}).JSON(t, &roles)
	ids := map[string]bool{}
	for _, r := range roles {
		ids[r.ID] = true
	}
	if !ids["super_user"] || !ids["cluster_user"] || !ids["c15_role"] {
		t.Fatalf("list_roles ids %v", ids)
	}
	mustOK("add_user", map[string]any{"operation": "add_user", "role": "c15_role", "username": acct, "password": acctPass, "active": true})
	recExpect(t, "add_user with an invalid role name", in.admin(t, map[string]any{"operation": "add_user", "role": "bad name!",
		"username": "c15_x", "password": acctPass, "active": true}), 400, "Role is invalid")
	recExpect(t, "alter_role of an unknown id", in.admin(t, map[string]any{"operation": "alter_role", "id": "c15_nope",
		"permission": map[string]any{"super_user": false}}), 400, "Invalid role id")

	// Attribute permissions. HarperDB: ["*"] is what the role may read
	// (the key stays readable); a hidden attribute does not exist; a
	// write without the attribute's right is refused whole.
	as := func(body map[string]any) response { return in.post(t, acct, acctPass, body) }
	r := as(map[string]any{"operation": "search_by_hash", "database": "c15", "table": "acct", "hash_values": []any{1}, "get_attributes": []string{"*"}})
	if r.Status != 200 || strings.TrimSpace(string(r.Raw)) != `[{"id":1,"balance":10,"name":"Ann"}]` {
		t.Fatalf("search as the role: %d %s", r.Status, r.Raw)
	}
	hidden := `{"error":"This operation is not authorized due to role restrictions and/or invalid database items","unauthorized_access":[],"invalid_schema_items":["Attribute 'secret' does not exist on 'c15.acct'"]}`
	for _, body := range []map[string]any{
		{"operation": "sql", "sql": "SELECT id, secret FROM c15.acct"},
		{"operation": "search_by_value", "database": "c15", "table": "acct", "search_attribute": "secret", "search_value": "s1", "get_attributes": []string{"id"}},
		{"operation": "insert", "database": "c15", "table": "acct", "records": []map[string]any{{"id": 3, "name": "Cy", "secret": "x"}}},
	} {
		if r := as(body); r.Status != 403 || !sameJSON(r.Raw, hidden) {
			t.Errorf("%v: %d %s", body, r.Status, r.Raw)
		}
	}
	r = as(map[string]any{"operation": "update", "database": "c15", "table": "acct", "records": []map[string]any{{"id": 1, "name": "Changed"}}})
	if r.Status != 403 || !strings.Contains(string(r.Raw), `"required_attribute_permissions":[{"attribute_name":"name","required_permissions":["update"]}]`) {
		t.Errorf("update without the attribute's right: %d %s", r.Status, r.Raw)
	}
	var desc struct {
		Attributes []struct{ Attribute string } `json:"attributes"`
	}
	as(map[string]any{"operation": "describe_table", "database": "c15", "table": "acct"}).JSON(t, &desc)
	for _, a := range desc.Attributes {
		if a.Attribute == "secret" {
			t.Errorf("describe_table as the role lists secret")
		}
	}

	// The system database: a super user reads it like a table; the role
	// may not; nothing writes it.
	var users []map[string]any
	mustOK("hdb_user", map[string]any{"operation": "search_by_value", "database": "system", "table": "hdb_user",
		"search_attribute": "username", "search_value": acct, "get_attributes": []string{"*"}}).JSON(t, &users)
	if len(users) != 1 || users[0]["role"] != "c15_role" || users[0]["active"] != true || users[0]["password"] != nil {
		t.Fatalf("hdb_user: %v", users)
	}
	var rows []map[string]any
	mustOK("sql on hdb_role", map[string]any{"operation": "sql", "sql": "SELECT id, role FROM system.hdb_role WHERE id = 'c15_role'"}).JSON(t, &rows)
	if len(rows) != 1 || rows[0]["role"] != "c15_role" {
		t.Fatalf("hdb_role: %v", rows)
	}
	var job struct {
		JobID string `json:"job_id"`
	}
	mustOK("a job", map[string]any{"operation": "delete_records_before", "database": "c15", "table": "acct", "date": "2001-01-01"}).JSON(t, &job)
	deadline := time.Now().Add(20 * time.Second)
	for {
		rows = nil
		mustOK("hdb_job", map[string]any{"operation": "search_by_hash", "database": "system", "table": "hdb_job",
			"hash_values": []any{job.JobID}, "get_attributes": []string{"id", "type", "status", "user"}}).JSON(t, &rows)
		if len(rows) == 1 && rows[0]["status"] == "COMPLETE" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("hdb_job: %v", rows)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if rows[0]["type"] != "delete_records_before" || rows[0]["user"] != "admin" {
		t.Fatalf("hdb_job row: %v", rows)
	}
	r = as(map[string]any{"operation": "search_by_value", "database": "system", "table": "hdb_user", "search_attribute": "username",
		"search_value": acct, "get_attributes": []string{"username"}})
	if r.Status != 403 || !strings.Contains(string(r.Raw), `"schema":"system","table":"hdb_user","required_table_permissions":["read"]`) {
		t.Errorf("the role reading hdb_user: %d %s", r.Status, r.Raw)
	}
	recExpect(t, "drop a system table", in.admin(t, map[string]any{"operation": "drop_table", "database": "system", "table": "hdb_job"}), 403,
		"The 'system' database, tables and records are used internally by HarperDB and cannot be updated or removed.")

	// create_authentication_tokens without any credentials.
	recExpect(t, "tokens without credentials", in.post(t, "", "", map[string]any{"operation": "create_authentication_tokens"}), 401, "Must login")
}

// sameJSON reports whether raw and want decode to the same value.
func sameJSON(raw []byte, want string) bool {
	var a, b any
	return json.Unmarshal(raw, &a) == nil && json.Unmarshal([]byte(want), &b) == nil && jsonEqual(a, b)
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
