package auth

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tidwall/buntdb"

	"github.com/hops-dev/hops/sdk"
)

func TestEnsureSuperUser(t *testing.T) {
	e := newEnv(t, Options{}) // created admin already
	if created, err := e.s.EnsureSuperUser("other", "Other#1"); err != nil || created {
		t.Fatalf("second EnsureSuperUser = %v, %v", created, err)
	}
	if has, err := e.s.HasUsers(); err != nil || !has {
		t.Fatalf("HasUsers = %v, %v", has, err)
	}
	if _, err := e.s.Authenticate(context.Background(), basic("other", "Other#1")); err == nil {
		t.Fatal("EnsureSuperUser created a user although users exist")
	}
	if c := e.admin(); !c.SuperUser || c.Role != SuperUserRole || string(c.Permissions) != `{"super_user":true}` {
		t.Fatalf("admin = %+v", c)
	}

	empty := &env{t: t, db: e.db, root: t.TempDir(), log: e.log}
	if err := e.db.Update(func(tx *buntdb.Tx) error { return tx.DeleteAll() }); err != nil {
		t.Fatal(err)
	}
	s := empty.open(Options{})
	if has, _ := s.HasUsers(); has {
		t.Fatal("HasUsers on an empty database")
	}
	if _, err := s.EnsureSuperUser("root", " "); err == nil {
		t.Fatal("EnsureSuperUser accepted a blank password")
	}
	if _, err := s.EnsureSuperUser("ro:ot", "Root#1"); err == nil {
		t.Fatal("EnsureSuperUser accepted a username with a colon")
	}
}

func TestAddUser(t *testing.T) {
	e := newEnv(t, Options{})
	admin := e.admin()
	add := func(body map[string]any) error {
		_, err := e.call(context.Background(), admin, "add_user", body)
		return err
	}
	m := obj(t, e.ok(admin, "add_user", map[string]any{"username": "u1", "password": "U1#pass", "role": readerRole, "active": true}))
	if m["message"] != "u1 successfully added" {
		t.Fatalf("add_user = %v", m)
	}
	e.login("u1", "U1#pass")
	wantError(t, add(map[string]any{"username": "u1", "password": "x", "role": readerRole, "active": true}), http.StatusConflict, "User u1 already exists")
	wantError(t, add(map[string]any{"username": "u2", "password": "x", "role": "ghost", "active": true}), http.StatusNotFound, "ghost role not found")
	// HarperDB 4.7.29: add_user with role "bad name!" or 123 answers 400
	// {"error":"Role is invalid"}.
	wantError(t, add(map[string]any{"username": "u2", "password": "x", "role": "bad name!", "active": true}), http.StatusBadRequest, "Role is invalid")
	wantError(t, add(map[string]any{"username": "u2", "password": "x", "role": 123, "active": true}), http.StatusBadRequest, "Role is invalid")
	for name, c := range map[string]struct {
		body map[string]any
		msg  string
	}{
		"no password":       {map[string]any{"username": "u3", "role": readerRole, "active": true}, msgPasswordBlank},
		"blank password":    {map[string]any{"username": "u3", "password": "  ", "role": readerRole, "active": true}, msgPasswordBlank},
		"long password":     {map[string]any{"username": "u3", "password": strings.Repeat("p", 73), "role": readerRole, "active": true}, "Password must be at most 72 bytes"},
		"no username":       {map[string]any{"password": "x", "role": readerRole, "active": true}, msgUsernameBlank},
		"username number":   {map[string]any{"username": 4, "password": "x", "role": readerRole, "active": true}, msgUsernameString},
		"username colon":    {map[string]any{"username": "a:b", "password": "x", "role": readerRole, "active": true}, msgUsernameColon},
		"active not bool":   {map[string]any{"username": "u4", "password": "x", "role": readerRole, "active": "yes"}, msgActiveBool},
		"no active":         {map[string]any{"username": "u4", "password": "x", "role": readerRole}, msgActiveBlank},
		"no role":           {map[string]any{"username": "u4", "password": "x", "active": true}, msgRoleBlank},
		"several missing":   {map[string]any{"active": true}, msgUsernameBlank + "," + msgPasswordBlank + "," + msgRoleBlank}, // HarperDB 4.7.29 joins with ","
		"password not text": {map[string]any{"username": "u4", "password": 1, "role": readerRole, "active": true}, msgPasswordString},
	} {
		t.Run(name, func(t *testing.T) { wantError(t, add(c.body), http.StatusBadRequest, c.msg) })
	}
	// Inactive at creation.
	e.ok(admin, "add_user", map[string]any{"username": "u5", "password": "U5#pass", "role": readerRole, "active": false})
	_, err := e.s.Authenticate(context.Background(), basic("u5", "U5#pass"))
	wantError(t, err, http.StatusUnauthorized, MsgUserInactive)
}

func TestAlterUser(t *testing.T) {
	e := newEnv(t, Options{})
	admin := e.admin()
	alter := func(caller sdk.Caller, body map[string]any) (any, error) {
		return e.call(context.Background(), caller, "alter_user", body)
	}
	v, err := alter(admin, map[string]any{"username": plainName, "active": true})
	if err != nil || jsonString(t, v) != `{"message":"updated 1 of 1 records","skipped_hashes":[],"update_hashes":["plain"]}` {
		t.Fatalf("alter_user = %s, %v", jsonString(t, v), err)
	}
	v, err = alter(admin, map[string]any{"username": "ghost", "active": true})
	if err != nil || jsonString(t, v) != `{"message":"updated 0 of 1 records","skipped_hashes":["ghost"],"update_hashes":[]}` {
		t.Fatalf("alter_user unknown = %s, %v", jsonString(t, v), err)
	}
	for name, c := range map[string]struct {
		body   map[string]any
		status int
		msg    string
	}{
		"no username":     {map[string]any{"active": true}, 400, msgUsernameRequired},
		"nothing":         {map[string]any{"username": plainName}, 400, msgNothingToUpdate},
		"empty password":  {map[string]any{"username": plainName, "password": " "}, 400, msgEmptyPassword},
		"active not bool": {map[string]any{"username": plainName, "active": "no"}, 400, msgActiveTrueFalse},
		"empty role":      {map[string]any{"username": plainName, "role": ""}, 400, msgEmptyRole},
		"unknown role":    {map[string]any{"username": plainName, "role": "ghost"}, 404, "Update failed.  Requested 'ghost' role not found."},
		"last super off":  {map[string]any{"username": adminName, "active": false}, 409, msgLastSuperUser},
		"last super role": {map[string]any{"username": adminName, "role": readerRole}, 409, msgLastSuperUser},
	} {
		t.Run(name, func(t *testing.T) { _, err := alter(admin, c.body); wantError(t, err, c.status, c.msg) })
	}
	e.admin() // still a working super user

	// A plain user changes their own password, and nothing else.
	plain := e.login(plainName, plainPass)
	if _, err := alter(plain, map[string]any{"username": plainName, "password": "Plain#Pass2"}); err != nil {
		t.Fatalf("own password change: %v", err)
	}
	e.login(plainName, "Plain#Pass2")
	for name, body := range map[string]map[string]any{
		"other user":   {"username": adminName, "password": "Hacked#1"},
		"unknown user": {"username": "ghost", "active": false},
		"own role":     {"username": plainName, "role": SuperUserRole},
		"own active":   {"username": plainName, "active": true},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := alter(plain, body)
			se := wantStatus(t, err, http.StatusForbidden)
			want := `{"error":"` + sdk.UnauthorizedMessage + `","invalid_schema_items":[],"unauthorized_access":["Operation 'alterUser' is restricted to 'super_user' roles"]}`
			if got := jsonString(t, se.Body()); got != want {
				t.Fatalf("403 body = %s", got)
			}
		})
	}
	e.admin() // the admin password was not changed

	// With a second super user, the first may be deactivated.
	e.ok(admin, "add_user", map[string]any{"username": "admin2", "password": "Admin2#1", "role": SuperUserRole, "active": true})
	e.ok(admin, "alter_user", map[string]any{"username": adminName, "active": false})
}

func TestDropUser(t *testing.T) {
	e := newEnv(t, Options{})
	admin := e.admin()
	if m := obj(t, e.ok(admin, "drop_user", map[string]any{"username": plainName})); m["message"] != "plain successfully deleted" {
		t.Fatalf("drop_user = %v", m)
	}
	wantError(t, errOf(e.call(context.Background(), admin, "drop_user", map[string]any{"username": plainName})), http.StatusNotFound, "User plain does not exist")
	wantError(t, errOf(e.call(context.Background(), admin, "drop_user", nil)), http.StatusBadRequest, msgUsernameBlank)
	wantError(t, errOf(e.call(context.Background(), admin, "drop_user", map[string]any{"username": adminName})), http.StatusConflict, msgLastSuperUser)
}

func TestListUsersAndUserInfo(t *testing.T) {
	e := newEnv(t, Options{})
	admin := e.admin()
	list := e.ok(admin, "list_users", nil).([]any)
	if len(list) != 2 {
		t.Fatalf("list_users = %v", list)
	}
	raw := jsonString(t, list)
	if strings.Contains(raw, "password") || strings.Contains(raw, "$2a$") || strings.Contains(raw, "token_generation") {
		t.Fatalf("list_users leaks secrets: %s", raw)
	}
	p := obj(t, list[1])
	role := obj(t, p["role"])
	if p["username"] != plainName || p["active"] != true || role["role"] != readerRole || jsonString(t, role["permission"]) != jsonString(t, roundTrip(t, json.RawMessage(readerPerm))) {
		t.Fatalf("list_users[1] = %v", p)
	}

	info := obj(t, e.ok(e.login(plainName, plainPass), "user_info", nil))
	if info["username"] != plainName || info["active"] != true || obj(t, info["role"])["role"] != readerRole {
		t.Fatalf("user_info = %v", info)
	}
	if strings.Contains(jsonString(t, info), "password") {
		t.Fatalf("user_info leaks the hash: %v", info)
	}
	su := obj(t, e.ok(admin, "user_info", nil))
	if jsonString(t, obj(t, su["role"])["permission"]) != `{"super_user":true}` {
		t.Fatalf("admin user_info = %v", su)
	}
	wantError(t, errOf(e.call(context.Background(), sdk.Caller{}, "user_info", nil)), http.StatusUnauthorized, MsgMustLogin)
}

func TestPasswordsNeverLogged(t *testing.T) {
	e := newEnv(t, Options{})
	admin := e.admin()
	secrets := []string{adminPass, plainPass, "Secret#New1", "Wrong#Guess1"}
	e.ok(admin, "add_user", map[string]any{"username": "u", "password": "Secret#New1", "role": readerRole, "active": true})
	e.ok(admin, "alter_user", map[string]any{"username": "u", "password": "Secret#New2"})
	_, _ = e.s.Authenticate(context.Background(), basic("u", "Wrong#Guess1"))
	e.login(plainName, plainPass)
	out := e.log.String()
	if !strings.Contains(out, "user added") {
		t.Fatalf("expected logs, got %q", out)
	}
	for _, s := range append(secrets, "Secret#New2") {
		if strings.Contains(out, s) {
			t.Fatalf("log contains a password: %q", out)
		}
	}
}
