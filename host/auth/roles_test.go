package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/tidwall/buntdb"

	"github.com/hops-dev/hops/sdk"
)

// fakeSchema knows database "db" with tables dogs (id, name) and cats
// (attributes unknown).
type fakeSchema struct {
	databaseExists  func(db string) (bool, error)
	tableAttributes func(db, table string) ([]string, bool, error)
}

func (f fakeSchema) DatabaseExists(_ context.Context, db string) (bool, error) {
	return f.databaseExists(db)
}

func (f fakeSchema) TableAttributes(_ context.Context, db, table string) ([]string, bool, error) {
	return f.tableAttributes(db, table)
}

func testSchema() fakeSchema {
	return fakeSchema{
		databaseExists: func(db string) (bool, error) { return db == "db", nil },
		tableAttributes: func(db, table string) ([]string, bool, error) {
			switch {
			case db == "db" && table == "dogs":
				return []string{"id", "name"}, true, nil
			case db == "db" && table == "cats":
				return nil, true, nil
			}
			return nil, false, nil
		},
	}
}

func TestAddRole(t *testing.T) {
	e := newEnv(t, Options{Schema: testSchema()})
	admin := e.admin()
	perm := map[string]any{"super_user": false, "db": map[string]any{"tables": map[string]any{"dogs": map[string]any{
		"read": true, "insert": true, "update": true, "delete": false,
		"attribute_permissions": []any{map[string]any{"attribute_name": "name", "read": true, "insert": false, "update": false}}}}}}
	r := obj(t, e.ok(admin, "add_role", map[string]any{"role": "writer", "permission": perm}))
	// HarperDB 4.7.29: add_role {"role": "keeper", ...} answers "id": "keeper".
	if r["id"] != "writer" || r["role"] != "writer" {
		t.Fatalf("add_role = %v", r)
	}
	if !reflect.DeepEqual(r["permission"], roundTrip(t, perm)) {
		t.Fatalf("permission echoed as %v", r["permission"])
	}
	if _, ok := r["__createdtime__"].(float64); !ok {
		t.Fatalf("no __createdtime__ in %v", r)
	}
	se := e.fail(admin, "add_role", map[string]any{"role": "writer", "permission": perm}, http.StatusConflict)
	if se.Message != "A role with name 'writer' already exists" {
		t.Fatalf("duplicate: %q", se.Message)
	}
	var names []string
	for _, x := range e.ok(admin, "list_roles", nil).([]any) {
		names = append(names, obj(t, x)["role"].(string))
	}
	// First start made super_user and cluster_user, as HarperDB does.
	if !slices.Equal(names, []string{ClusterUserRole, readerRole, SuperUserRole, "writer"}) {
		t.Fatalf("list_roles names = %v", names)
	}
}

// TestRoleValidation pins HarperDB's 400 shape for each kind of bad role.
func TestRoleValidation(t *testing.T) {
	e := newEnv(t, Options{Schema: testSchema()})
	admin := e.admin()
	table := func(tp map[string]any) map[string]any {
		return map[string]any{"db": map[string]any{"tables": map[string]any{"dogs": tp}}}
	}
	full := func(extra map[string]any) map[string]any {
		tp := map[string]any{"read": true, "insert": false, "update": false, "delete": false, "attribute_permissions": []any{}}
		for k, v := range extra {
			if v == nil {
				delete(tp, k)
			} else {
				tp[k] = v
			}
		}
		return table(tp)
	}
	attr := func(a map[string]any) map[string]any {
		return full(map[string]any{"attribute_permissions": []any{a}})
	}
	cases := []struct {
		name   string
		body   map[string]any
		main   []string
		schema map[string][]string
	}{
		{"no role", map[string]any{"permission": map[string]any{"super_user": false}}, []string{msgRoleBlank}, nil},
		{"no permission", map[string]any{"role": "r"}, []string{msgPermissionBlank}, nil},
		{"neither", map[string]any{}, []string{msgRoleBlank, msgPermissionBlank}, nil},
		{"bad role name", map[string]any{"role": "a b", "permission": map[string]any{}}, []string{msgRoleInvalid}, nil},
		{"role not a string", map[string]any{"role": 5, "permission": map[string]any{}}, []string{msgRoleString}, nil},
		{"permission not an object", map[string]any{"role": "r", "permission": []any{}}, []string{msgPermissionObject}, nil},
		{"unknown body key", map[string]any{"role": "r", "permission": map[string]any{}, "colour": 1}, []string{"Invalid key in JSON body - 'colour'"}, nil},
		{"super_user with tables", map[string]any{"role": "r", "permission": map[string]any{"super_user": true, "db": map[string]any{"tables": map[string]any{}}}},
			[]string{"Roles with 'super_user' set to true cannot have other permissions set."}, nil},
		{"super_user not bool", map[string]any{"role": "r", "permission": map[string]any{"super_user": "yes"}}, []string{"Value for 'super_user' permission must be a boolean"}, nil},
		{"structure_user bad", map[string]any{"role": "r", "permission": map[string]any{"structure_user": 5}}, []string{"Value for 'structure_user' permission must be a boolean or Array"}, nil},
		{"structure_user unknown db", map[string]any{"role": "r", "permission": map[string]any{"structure_user": []any{"db", "zz"}}}, []string{"database 'zz' does not exist"}, nil},
		{"unknown database", map[string]any{"role": "r", "permission": map[string]any{"nodb": map[string]any{"tables": map[string]any{}}}}, []string{"database 'nodb' does not exist"}, nil},
		{"unknown table", map[string]any{"role": "r", "permission": map[string]any{"db": map[string]any{"tables": map[string]any{"nope": map[string]any{}}}}}, []string{"Table 'db.nope' does not exist"}, nil},
		{"tables not an object", map[string]any{"role": "r", "permission": map[string]any{"db": map[string]any{"tables": 3}}}, []string{"'tables' of database 'db' must be an object"}, nil},
		{"bad table key", map[string]any{"role": "r", "permission": full(map[string]any{"drop": true})}, nil, map[string][]string{"db_dogs": {"Invalid table permission key value 'drop'"}}},
		{"missing right", map[string]any{"role": "r", "permission": full(map[string]any{"delete": nil})}, nil, map[string][]string{"db_dogs": {"Missing table DELETE permission"}}},
		{"right not bool", map[string]any{"role": "r", "permission": full(map[string]any{"read": "yes"})}, nil, map[string][]string{"db_dogs": {"Table READ permission must be a boolean"}}},
		{"no attribute_permissions", map[string]any{"role": "r", "permission": full(map[string]any{"attribute_permissions": nil})}, nil, map[string][]string{"db_dogs": {msgAttrPermsMissing}}},
		{"attribute_permissions not array", map[string]any{"role": "r", "permission": full(map[string]any{"attribute_permissions": "x"})}, nil, map[string][]string{"db_dogs": {msgAttrPermsNotArray}}},
		{"attribute without name", map[string]any{"role": "r", "permission": attr(map[string]any{"read": true, "insert": false, "update": false})}, nil, map[string][]string{"db_dogs": {msgAttrPermMissingName}}},
		{"unknown attribute", map[string]any{"role": "r", "permission": attr(map[string]any{"attribute_name": "age", "read": true, "insert": false, "update": false})}, nil, map[string][]string{"db_dogs": {"Invalid attribute 'age' in 'attribute_permissions'"}}},
		{"attribute right missing and bad key", map[string]any{"role": "r", "permission": attr(map[string]any{"attribute_name": "name", "read": true, "update": 1, "x": true})},
			nil, map[string][]string{"db_dogs": {"Invalid attribute permission key value 'x'", "INSERT attribute permission missing for 'name'", "UPDATE attribute permission for 'name' must be a boolean"}}},
		{"attribute grants what the table denies", map[string]any{"role": "r", "permission": attr(map[string]any{"attribute_name": "name", "read": true, "insert": true, "update": false})},
			nil, map[string][]string{"db_dogs": {"You have a conflict with TABLE permissions for 'db.dogs' being false and ATTRIBUTE permissions being true"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			se := e.fail(admin, "add_role", c.body, http.StatusBadRequest)
			body := obj(t, roundTrip(t, se.Body()))
			if body["error"] != msgRolePermsError {
				t.Fatalf("error = %v", body["error"])
			}
			wantMain, wantSchema := c.main, c.schema
			if wantMain == nil {
				wantMain = []string{}
			}
			if wantSchema == nil {
				wantSchema = map[string][]string{}
			}
			if got, want := jsonString(t, body["main_permissions"]), jsonString(t, wantMain); got != want {
				t.Errorf("main_permissions = %s, want %s", got, want)
			}
			if got, want := jsonString(t, body["schema_permissions"]), jsonString(t, wantSchema); got != want {
				t.Errorf("schema_permissions = %s, want %s", got, want)
			}
		})
	}
	// Attribute names are not checked when the schema does not know them.
	e.ok(admin, "add_role", map[string]any{"role": "catlover", "permission": map[string]any{"db": map[string]any{"tables": map[string]any{"cats": map[string]any{
		"read": true, "insert": false, "update": false, "delete": false,
		"attribute_permissions": []any{map[string]any{"attribute_name": "whiskers", "read": true, "insert": false, "update": false}}}}}}})
}

func TestRoleValidationWithoutSchema(t *testing.T) {
	e := newEnv(t, Options{})
	e.ok(e.admin(), "add_role", map[string]any{"role": "future", "permission": map[string]any{"later": map[string]any{"tables": map[string]any{"t": map[string]any{
		"read": true, "insert": false, "update": false, "delete": false, "attribute_permissions": []any{}}}}}})
	if _, err := e.s.CreateRole("x", nil); err == nil {
		t.Fatal("CreateRole without a permission succeeded")
	}
}

func (e *env) roleID(name string) string {
	e.t.Helper()
	var id string
	err := e.db.View(func(tx *buntdb.Tx) error {
		r, err := roleByName(tx, name)
		if r != nil {
			id = r.ID
		}
		return err
	})
	if err != nil || id == "" {
		e.t.Fatalf("role %q: %q, %v", name, id, err)
	}
	return id
}

func TestAlterRole(t *testing.T) {
	e := newEnv(t, Options{})
	admin := e.admin()
	id := e.roleID(readerRole)
	newPerm := map[string]any{"super_user": false}
	r := obj(t, e.ok(admin, "alter_role", map[string]any{"id": id, "role": "reader2", "permission": newPerm}))
	if r["id"] != id || r["role"] != "reader2" || !reflect.DeepEqual(r["permission"], newPerm) {
		t.Fatalf("alter_role = %v", r)
	}
	if c := e.login(plainName, plainPass); c.Role != "reader2" || string(c.Permissions) != `{"super_user":false}` {
		t.Fatalf("caller after alter_role = %+v", c)
	}

	// A rename keeps the id (HarperDB 4.7.29: alter_role {"id": "keeper",
	// "role": "keeper3"} lists id keeper, role keeper3), and the old name
	// cannot be added again while the id holds it.
	if r := e.fail(admin, "add_role", map[string]any{"role": id, "permission": newPerm}, http.StatusConflict); r.Message != "A role with name '"+id+"' already exists" {
		t.Fatalf("re-adding a renamed role's id: %q", r.Message)
	}
	se := e.fail(admin, "alter_role", map[string]any{"id": uuid.NewString(), "permission": newPerm}, http.StatusBadRequest)
	if se.Message != "Invalid role id" {
		t.Fatalf("unknown id: %q", se.Message)
	}
	se = e.fail(admin, "alter_role", map[string]any{"permission": newPerm}, http.StatusBadRequest)
	if se.Message != msgRolePermsError || jsonString(t, se.Extra["main_permissions"]) != `["Id can't be blank"]` {
		t.Fatalf("missing id: %v", se.Body())
	}
	se = e.fail(admin, "alter_role", map[string]any{"id": id}, http.StatusBadRequest)
	if jsonString(t, se.Extra["main_permissions"]) != `["Permission can't be blank"]` {
		t.Fatalf("missing permission: %v", se.Body())
	}
	se = e.fail(admin, "alter_role", map[string]any{"id": id, "role": SuperUserRole, "permission": newPerm}, http.StatusConflict)
	if se.Message != "A role with name 'super_user' already exists" {
		t.Fatalf("rename onto another role: %q", se.Message)
	}
	// The last active super user's role cannot lose super_user.
	se = e.fail(admin, "alter_role", map[string]any{"id": e.roleID(SuperUserRole), "permission": newPerm}, http.StatusConflict)
	if se.Message != msgLastSuperUser {
		t.Fatalf("demoting the last super user: %q", se.Message)
	}
	if !e.admin().SuperUser {
		t.Fatal("admin lost super_user")
	}
}

func TestDropRole(t *testing.T) {
	e := newEnv(t, Options{})
	admin := e.admin()
	id := e.roleID(readerRole)
	se := e.fail(admin, "drop_role", map[string]any{"id": id}, http.StatusConflict)
	if se.Message != "Cannot drop role "+id+" as it has active user(s) tied to this role" {
		t.Fatalf("in use: %q", se.Message)
	}
	wantError(t, errOf(e.call(context.Background(), admin, "drop_role", nil)), http.StatusBadRequest, msgIDBlank)
	wantError(t, errOf(e.call(context.Background(), admin, "drop_role", map[string]any{"id": ""})), http.StatusBadRequest, msgIDBlank)

	e.ok(admin, "drop_user", map[string]any{"username": plainName})
	if m := obj(t, e.ok(admin, "drop_role", map[string]any{"id": id})); m["message"] != id+" successfully deleted" {
		t.Fatalf("drop_role = %v", m)
	}
	wantError(t, errOf(e.call(context.Background(), admin, "drop_role", map[string]any{"id": id})), http.StatusNotFound, msgRoleNotFound)
	for _, x := range e.ok(admin, "list_roles", nil).([]any) {
		if obj(t, x)["id"] == id {
			t.Fatal("dropped role still listed")
		}
	}
}

func errOf(_ any, err error) error { return err }

func TestOperationTable(t *testing.T) {
	e := newEnv(t, Options{})
	want := map[string]struct {
		access     sdk.Access
		restricted string
		public     bool
	}{
		"add_role": {sdk.AccessSuperUser, "addRole", false}, "alter_role": {sdk.AccessSuperUser, "alterRole", false},
		"drop_role": {sdk.AccessSuperUser, "dropRole", false}, "list_roles": {sdk.AccessSuperUser, "listRoles", false},
		"add_user": {sdk.AccessSuperUser, "addUser", false}, "alter_user": {sdk.AccessAuthenticated, "alterUser", false},
		"drop_user": {sdk.AccessSuperUser, "dropUser", false}, "list_users": {sdk.AccessSuperUser, "listUsersExternal", false},
		"user_info":                    {sdk.AccessAuthenticated, "", false},
		"create_authentication_tokens": {sdk.AccessAuthenticated, "", true},
		"refresh_operation_token":      {sdk.AccessAuthenticated, "", true},
	}
	ops := e.s.Operations()
	if len(ops) != len(want) {
		t.Fatalf("%d operations, want %d", len(ops), len(want))
	}
	for _, l := range ops {
		w, ok := want[l.Op.Name]
		if !ok || l.Op.Access != w.access || l.Op.RestrictedName != w.restricted || l.Public != w.public || l.Op.Handler == nil || l.Op.Summary == "" {
			t.Errorf("%s: %+v public=%v", l.Op.Name, l.Op, l.Public)
		}
	}
}

// A root made when role ids were UUIDs: at Open each role takes its name
// as id and its users follow it, so every user still logs in with the
// same role and permissions.
func TestRoleIDsMigrateToNames(t *testing.T) {
	e := newEnv(t, Options{})
	oldID := uuid.NewString()
	perm := json.RawMessage(`{"super_user":false}`)
	err := e.db.Update(func(tx *buntdb.Tx) error {
		r, err := roleByName(tx, readerRole)
		if err != nil || r == nil {
			return fmt.Errorf("reader role: %v", err)
		}
		if err := deleteKey(tx, rolePrefix+r.ID); err != nil {
			return err
		}
		r.ID, r.Permission = oldID, perm
		if err := setJSON(tx, rolePrefix+oldID, r); err != nil {
			return err
		}
		u, err := getUser(tx, plainName)
		if err != nil || u == nil {
			return fmt.Errorf("plain user: %v", err)
		}
		u.RoleID = oldID
		return setJSON(tx, userPrefix+u.Username, u)
	})
	if err != nil {
		t.Fatal(err)
	}
	n, err := migrateRoleIDs(e.db)
	if err != nil || n != 1 {
		t.Fatalf("migrated %d, %v", n, err)
	}
	if n, err := migrateRoleIDs(e.db); err != nil || n != 0 {
		t.Fatalf("second run migrated %d, %v", n, err)
	}
	if id := e.roleID(readerRole); id != readerRole {
		t.Fatalf("reader's id is %q", id)
	}
	if c := e.login(plainName, plainPass); c.Role != readerRole || string(c.Permissions) != string(perm) {
		t.Fatalf("caller after migration = %+v", c)
	}
}

// testdata/system-uuid-roles.db is the system.db of a root made by hops
// before role ids were names (commit 7cec1b5): super user admin/password,
// role clerk (read and insert on shop.items) with user carol/Carol#pass1,
// each role keyed by a UUID. Opened by today's code, every role takes its
// name as id, each user keeps its role and permissions, cluster_user is
// added, and the file's users still log in.
func TestRootWithUUIDRoleIDsMigrates(t *testing.T) {
	src, err := os.ReadFile("testdata/system-uuid-roles.db")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "system.db")
	if err := os.WriteFile(path, src, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := buntdb.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &env{t: t, db: db, root: t.TempDir(), log: &syncBuffer{}}
	e.s = e.open(Options{})

	var ids []string
	for _, x := range e.ok(e.login("admin", "password"), "list_roles", nil).([]any) {
		r := obj(t, x)
		if r["id"] != r["role"] {
			t.Errorf("role %v: id is not its name", r)
		}
		ids = append(ids, r["id"].(string))
	}
	if !slices.Equal(ids, []string{"clerk", ClusterUserRole, SuperUserRole}) {
		t.Fatalf("roles after migration: %v", ids)
	}
	carol := e.login("carol", "Carol#pass1")
	if carol.Role != "clerk" || !strings.Contains(string(carol.Permissions), `"items":{"read":true,"insert":true,"update":false`) {
		t.Fatalf("carol after migration: %+v", carol)
	}
	info := obj(t, e.ok(carol, "user_info", nil))
	if role := obj(t, info["role"]); role["id"] != "clerk" {
		t.Fatalf("user_info role: %v", role)
	}
}
