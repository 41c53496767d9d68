package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// Integration tests of users, roles and tokens (issue 6) against the real
// binary. TestUsers shares one instance between its subtests, one per
// point of the issue, each with users and roles of its own;
// TestUsersTokensSurviveRestart restarts, so it has its own instance.

const (
	// usersDB holds the tables the roles of TestUsers name.
	usersDB = "uz"
	// usersPass is the password of every user the tests create.
	usersPass = "User#Pass1"
	// usersStorm is the number of concurrent wrong passwords.
	usersStorm = 20
	// usersInactive, usersLoginFailed and usersInvalidToken are host/auth's
	// 401 messages (MsgUserInactive, MsgLoginFailed, MsgInvalidToken),
	// repeated so a change of wording fails here too.
	usersInactive     = "Cannot complete request: User is inactive"
	usersLoginFailed  = "Login failed"
	usersInvalidToken = "invalid token"
	usersInvalidCreds = "invalid credentials"
)

// usersRestricted is HarperDB's 403 body for a super_user operation.
func usersRestricted(fn string) string {
	return fmt.Sprintf(`{"error":%q,"unauthorized_access":["Operation '%s' is restricted to 'super_user' roles"],"invalid_schema_items":[]}`, recForbidden, fn)
}

// usersTableRefused is HarperDB's 403 body for a missing table right.
func usersTableRefused(table, right string) string {
	return fmt.Sprintf(`{"error":%q,"unauthorized_access":[{"schema":%q,"table":%q,"required_table_permissions":[%q],"required_attribute_permissions":[]}],"invalid_schema_items":[]}`,
		recForbidden, usersDB, table, right)
}

// usersExpect fails unless r has status and a body equal, as JSON, to want.
func usersExpect(t *testing.T, what string, r response, status int, want string) {
	t.Helper()
	var got, exp any
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatalf("%s: bad expectation %s: %v", what, want, err)
	}
	if r.Status != status || json.Unmarshal(r.Raw, &got) != nil || !reflect.DeepEqual(got, exp) {
		t.Fatalf("%s: %d %s\nwant %d %s", what, r.Status, r.Raw, status, want)
	}
}

// usersError fails unless r is a status answer whose error is msg.
func usersError(t *testing.T, what string, r response, status int, msg string) {
	t.Helper()
	usersExpect(t, what, r, status, fmt.Sprintf(`{"error":%q}`, msg))
}

// bearer sends body with the Authorization header "Bearer token".
func (in *instance) bearer(t testing.TB, token string, body any) response {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, in.url, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("post with a bearer token: %v", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Raw: data}
}

// usersTablePerm is a permission object with rights on usersDB's tables:
// rights maps a table to its read, insert, update and delete flags.
func usersTablePerm(rights map[string][4]bool) map[string]any {
	tables := map[string]any{}
	for table, r := range rights {
		tables[table] = map[string]any{"read": r[0], "insert": r[1], "update": r[2], "delete": r[3], "attribute_permissions": []any{}}
	}
	return map[string]any{"super_user": false, usersDB: map[string]any{"tables": tables}}
}

// usersAddRole adds a role and returns its id.
func usersAddRole(t *testing.T, in *instance, name string, perm map[string]any) string {
	t.Helper()
	r := in.admin(t, map[string]any{"operation": "add_role", "role": name, "permission": perm})
	var added struct {
		ID   string `json:"id"`
		Role string `json:"role"`
	}
	r.JSON(t, &added)
	if r.Status != 200 || added.ID == "" || added.Role != name {
		t.Fatalf("add_role %s: %d %s", name, r.Status, r.Raw)
	}
	return added.ID
}

// usersAddUser adds an active user of role with usersPass.
func usersAddUser(t *testing.T, in *instance, name, role string) {
	t.Helper()
	recExpect(t, "add_user "+name, in.admin(t, map[string]any{"operation": "add_user", "username": name,
		"password": usersPass, "role": role, "active": true}), 200, name+" successfully added")
}

// usersTokens asks for tokens with credentials in the body and no
// Authorization header.
func usersTokens(t *testing.T, in *instance, user, pass string) (operation, refresh string) {
	t.Helper()
	r := in.post(t, "", "", map[string]any{"operation": "create_authentication_tokens", "username": user, "password": pass})
	var pair struct {
		Op      string `json:"operation_token"`
		Refresh string `json:"refresh_token"`
	}
	r.JSON(t, &pair)
	if r.Status != 200 || pair.Op == "" || pair.Refresh == "" {
		t.Fatalf("create_authentication_tokens for %s: %d %s", user, r.Status, r.Raw)
	}
	return pair.Op, pair.Refresh
}

// usersRefresh exchanges a refresh token for an operation token.
func usersRefresh(t *testing.T, in *instance, refresh string) string {
	t.Helper()
	r := in.post(t, "", "", map[string]any{"operation": "refresh_operation_token", "refresh_token": refresh})
	var out map[string]string
	r.JSON(t, &out)
	if r.Status != 200 || out["operation_token"] == "" || len(out) != 1 {
		t.Fatalf("refresh_operation_token: %d %s", r.Status, r.Raw)
	}
	return out["operation_token"]
}

// usersWhoAmI fails unless user_info through the bearer token answers user.
func usersWhoAmI(t *testing.T, in *instance, what, token, user string) {
	t.Helper()
	r := in.bearer(t, token, map[string]any{"operation": "user_info"})
	var info struct {
		Username string `json:"username"`
	}
	r.JSON(t, &info)
	if r.Status != 200 || info.Username != user {
		t.Fatalf("%s: user_info as bearer: %d %s, want %s", what, r.Status, r.Raw, user)
	}
}

// usersInfo is user_info's answer.
type usersInfo struct {
	Username string `json:"username"`
	Active   bool   `json:"active"`
	Role     struct {
		ID         string         `json:"id"`
		Role       string         `json:"role"`
		Permission map[string]any `json:"permission"`
	} `json:"role"`
}

// usersSearchBooks is a search of uz.books as user.
func usersSearchBooks(t *testing.T, in *instance, user string) response {
	t.Helper()
	return in.post(t, user, usersPass, map[string]any{"operation": "search_by_hash", "database": usersDB, "table": "books",
		"hash_values": []any{1}, "get_attributes": []string{"id", "title"}})
}

// usersBooksRow is the one record of uz.books.
const usersBooksRow = `[{"id":1,"title":"Dune"}]`

func TestUsers(t *testing.T) {
	in := startHops(t, "", "")
	for _, table := range []string{"books", "cats"} {
		recExpect(t, "create_table "+table, in.admin(t, map[string]any{"operation": "create_table", "database": usersDB, "table": table, "primary_key": "id"}), 200, "")
	}
	recExpect(t, "insert books", in.admin(t, map[string]any{"operation": "insert", "database": usersDB, "table": "books",
		"records": []map[string]any{{"id": 1, "title": "Dune"}}}), 200, "inserted 1 of 1 records")
	recExpect(t, "insert cats", in.admin(t, map[string]any{"operation": "insert", "database": usersDB, "table": "cats",
		"records": []map[string]any{{"id": 1, "name": "Tom"}}}), 200, "inserted 1 of 1 records")

	t.Run("DeactivatedRefusedAtOnce", func(t *testing.T) { testUsersDeactivated(t, in) })
	t.Run("RoleChangeTakesEffectAtOnce", func(t *testing.T) { testUsersRoleChange(t, in) })
	t.Run("WrongPasswordStormBlocksNobody", func(t *testing.T) { testUsersStorm(t, in) })
	t.Run("SDKStyleReadOnlyRole", func(t *testing.T) { testUsersSDKFlow(t, in) })
	t.Run("TokenErrors", func(t *testing.T) { testUsersTokenErrors(t, in) })
	t.Run("NoHashesAndUserInfo", func(t *testing.T) { testUsersNoHashes(t, in) })
}

// testUsersDeactivated: a deactivated user is refused on the very next
// request, Basic (cached a moment before) and Bearer alike.
func testUsersDeactivated(t *testing.T, in *instance) {
	usersAddRole(t, in, "u1_reader", usersTablePerm(map[string][4]bool{"books": {true, false, false, false}}))
	usersAddUser(t, in, "u1_leaver", "u1_reader")
	op, refresh := usersTokens(t, in, "u1_leaver", usersPass)
	for i := 0; i < 2; i++ { // the second answer comes from the credential cache
		usersExpect(t, "search before", usersSearchBooks(t, in, "u1_leaver"), 200, usersBooksRow)
	}
	usersWhoAmI(t, in, "before", op, "u1_leaver")

	alter := func(active bool) {
		t.Helper()
		usersExpect(t, fmt.Sprint("alter_user active ", active), in.admin(t, map[string]any{"operation": "alter_user", "username": "u1_leaver", "active": active}),
			200, `{"message":"updated 1 of 1 records","update_hashes":["u1_leaver"],"skipped_hashes":[]}`)
	}
	alter(false)
	usersError(t, "Basic right after deactivation", usersSearchBooks(t, in, "u1_leaver"), 401, usersInactive)
	usersError(t, "Bearer right after deactivation", in.bearer(t, op, map[string]any{"operation": "user_info"}), 401, usersInactive)
	usersError(t, "refresh after deactivation", in.post(t, "", "", map[string]any{"operation": "refresh_operation_token", "refresh_token": refresh}), 401, usersInvalidToken)
	usersError(t, "wrong password of an inactive user", in.post(t, "u1_leaver", "not-it", map[string]any{"operation": "user_info"}), 401, usersLoginFailed)

	alter(true)
	usersExpect(t, "search after reactivation", usersSearchBooks(t, in, "u1_leaver"), 200, usersBooksRow)
	usersWhoAmI(t, in, "operation token after reactivation", op, "u1_leaver")
	usersError(t, "refresh token issued before the deactivation", in.post(t, "", "", map[string]any{"operation": "refresh_operation_token", "refresh_token": refresh}), 401, usersInvalidToken)
}

// testUsersRoleChange: alter_role and alter_user change what a user may do
// from the next request on.
func testUsersRoleChange(t *testing.T, in *instance) {
	id := usersAddRole(t, in, "u2_editor", usersTablePerm(map[string][4]bool{"books": {true, true, false, false}}))
	usersAddRole(t, in, "u2_cats", usersTablePerm(map[string][4]bool{"books": {true, false, false, false}, "cats": {true, false, false, false}}))
	usersAddUser(t, in, "u2_user", "u2_editor")
	for i := 0; i < 2; i++ {
		usersExpect(t, "search before alter_role", usersSearchBooks(t, in, "u2_user"), 200, usersBooksRow)
	}
	r := in.admin(t, map[string]any{"operation": "alter_role", "id": id, "role": "u2_editor",
		"permission": usersTablePerm(map[string][4]bool{"books": {false, true, false, false}})})
	if r.Status != 200 {
		t.Fatalf("alter_role: %d %s", r.Status, r.Raw)
	}
	usersExpect(t, "search after alter_role took read away", usersSearchBooks(t, in, "u2_user"), 403, usersTableRefused("books", "read"))
	insert := func(id int) response {
		t.Helper()
		return in.post(t, "u2_user", usersPass, map[string]any{"operation": "insert", "database": usersDB, "table": "books",
			"records": []map[string]any{{"id": id, "title": "by u2"}}})
	}
	recExpect(t, "insert kept by alter_role", insert(20), 200, "inserted 1 of 1 records")

	usersExpect(t, "alter_user role", in.admin(t, map[string]any{"operation": "alter_user", "username": "u2_user", "role": "u2_cats"}),
		200, `{"message":"updated 1 of 1 records","update_hashes":["u2_user"],"skipped_hashes":[]}`)
	usersExpect(t, "insert after alter_user changed the role", insert(21), 403, usersTableRefused("books", "insert"))
	usersExpect(t, "search with the new role", usersSearchBooks(t, in, "u2_user"), 200, usersBooksRow)
	usersExpect(t, "cats with the new role", in.post(t, "u2_user", usersPass, map[string]any{"operation": "search_by_hash", "database": usersDB, "table": "cats",
		"hash_values": []any{1}, "get_attributes": []string{"id", "name"}}), 200, `[{"id":1,"name":"Tom"}]`)
}

// testUsersStorm: usersStorm concurrent wrong passwords for one user while
// another user works; every request of the other user succeeds.
func testUsersStorm(t *testing.T, in *instance) {
	usersAddRole(t, in, "u4_role", usersTablePerm(map[string][4]bool{"books": {true, false, false, false}}))
	usersAddUser(t, in, "u4_victim", "u4_role")
	usersAddUser(t, in, "u4_other", "u4_role")
	// Both log in once before the storm: the storm comes from their
	// address too, and the login throttle holds back uncached logins from
	// an address that keeps failing (TestBruteForceThrottled); cached ones
	// are answered before it.
	usersExpect(t, "the victim before the storm", usersSearchBooks(t, in, "u4_victim"), 200, usersBooksRow)
	usersExpect(t, "the other user before the storm", usersSearchBooks(t, in, "u4_other"), 200, usersBooksRow)

	start, stormOver := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wrong := make([]response, usersStorm)
	errs := make([]error, usersStorm)
	for i := range usersStorm {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			wrong[i], errs[i] = in.try("u4_victim", fmt.Sprintf("wrong-%d", i), map[string]any{"operation": "user_info"})
		}()
	}
	type tally struct {
		total, ok int
		failure   string
	}
	other := make(chan tally, 1)
	go func() {
		var n tally
		<-start
		for {
			select {
			case <-stormOver:
				other <- n
				return
			default:
			}
			r, err := in.try("u4_other", usersPass, map[string]any{"operation": "search_by_hash", "database": usersDB, "table": "books",
				"hash_values": []any{1}, "get_attributes": []string{"id", "title"}})
			n.total++
			if err == nil && r.Status == 200 && usersSameJSON(r.Raw, usersBooksRow) {
				n.ok++
			} else if n.failure == "" {
				n.failure = fmt.Sprintf("%d %s %v", r.Status, r.Raw, err)
			}
		}
	}()
	close(start)
	wg.Wait()
	close(stormOver)
	n := <-other

	for i, r := range wrong {
		if r.Status == 429 && strings.Contains(r.Error(), "Too many failed login attempts") {
			continue // the login throttle
		}
		if errs[i] != nil || r.Status != 401 || !usersSameJSON(r.Raw, fmt.Sprintf(`{"error":%q}`, usersLoginFailed)) {
			t.Errorf("wrong password %d: %d %s %v, want 401 %s or 429", i, r.Status, r.Raw, errs[i], usersLoginFailed)
		}
	}
	t.Logf("the other user made %d requests during the storm", n.total)
	if n.total == 0 || n.ok != n.total {
		t.Fatalf("the other user: %d of %d requests succeeded during the storm; first failure: %s", n.ok, n.total, n.failure)
	}
	usersExpect(t, "the victim's right password after the storm", usersSearchBooks(t, in, "u4_victim"), 200, usersBooksRow)
}

// usersSameJSON reports whether raw and want are equal as JSON.
func usersSameJSON(raw []byte, want string) bool {
	var got, exp any
	return json.Unmarshal(raw, &got) == nil && json.Unmarshal([]byte(want), &exp) == nil && reflect.DeepEqual(got, exp)
}

// testUsersSDKFlow is HarperDB-Add-Ons/sdk-go's flow: a read-only role, a
// user of it, super_user operations refused, reads allowed, writes refused.
func testUsersSDKFlow(t *testing.T, in *instance) {
	usersAddRole(t, in, "u5_sdk_reader", map[string]any{"super_user": false, usersDB: map[string]any{"tables": map[string]any{
		"books": map[string]any{"read": true, "insert": false, "update": false, "delete": false, "attribute_permissions": []any{}}}}})
	usersAddUser(t, in, "u5_sdk", "u5_sdk_reader")
	as := func(body map[string]any) response { t.Helper(); return in.post(t, "u5_sdk", usersPass, body) }

	usersExpect(t, "add_user as the reader", as(map[string]any{"operation": "add_user", "username": "u5_other", "password": usersPass, "role": "u5_sdk_reader", "active": true}),
		403, usersRestricted("addUser"))
	usersExpect(t, "system_information as the reader", as(map[string]any{"operation": "system_information"}), 403, usersRestricted("systemInformation"))
	usersExpect(t, "list_users as the reader", as(map[string]any{"operation": "list_users"}), 403, usersRestricted("listUsersExternal"))
	usersExpect(t, "search as the reader", usersSearchBooks(t, in, "u5_sdk"), 200, usersBooksRow)
	usersExpect(t, "sql select as the reader", as(map[string]any{"operation": "sql", "sql": "SELECT id, title FROM uz.books WHERE id = 1"}), 200, usersBooksRow)
	usersExpect(t, "insert as the reader", as(map[string]any{"operation": "insert", "database": usersDB, "table": "books",
		"records": []map[string]any{{"id": 50, "title": "nope"}}}), 403, usersTableRefused("books", "insert"))
	usersExpect(t, "the refused insert wrote nothing", in.admin(t, map[string]any{"operation": "search_by_hash", "database": usersDB, "table": "books",
		"hash_values": []any{50}, "get_attributes": []string{"id"}}), 200, `[]`)
}

// testUsersTokenErrors: tokens of the wrong type, garbage and forged
// tokens, and a password change ending the refresh token.
func testUsersTokenErrors(t *testing.T, in *instance) {
	usersAddRole(t, in, "u6_role", usersTablePerm(map[string][4]bool{"books": {true, false, false, false}}))
	usersAddUser(t, in, "u6_tok", "u6_role")
	op, refresh := usersTokens(t, in, "u6_tok", usersPass) // no Authorization header
	usersWhoAmI(t, in, "operation token", op, "u6_tok")
	search := map[string]any{"operation": "search_by_hash", "database": usersDB, "table": "books", "hash_values": []any{1}, "get_attributes": []string{"id", "title"}}
	usersExpect(t, "search with the operation token", in.bearer(t, op, search), 200, usersBooksRow)
	usersError(t, "refresh token as Bearer for a search", in.bearer(t, refresh, search), 401, usersInvalidToken)
	usersError(t, "refresh token as Bearer for user_info", in.bearer(t, refresh, map[string]any{"operation": "user_info"}), 401, usersInvalidToken)
	usersError(t, "garbage Bearer", in.bearer(t, "not.a.token", search), 401, usersInvalidToken)

	// The same claims unsigned (alg none), and with the signature altered.
	parts := strings.Split(op, ".")
	if len(parts) != 3 {
		t.Fatalf("operation token is not a JWT: %q", op)
	}
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
	usersError(t, "alg none token", in.bearer(t, none, search), 401, usersInvalidToken)
	sig := []byte(parts[2])
	mid := len(sig) / 2
	sig[mid] = map[bool]byte{true: 'B', false: 'A'}[sig[mid] == 'A']
	usersError(t, "altered signature", in.bearer(t, parts[0]+"."+parts[1]+"."+string(sig), search), 401, usersInvalidToken)

	usersWhoAmI(t, in, "refreshed before the password change", usersRefresh(t, in, refresh), "u6_tok")
	usersError(t, "tokens with a wrong password", in.post(t, "", "", map[string]any{"operation": "create_authentication_tokens", "username": "u6_tok", "password": "wrong"}), 401, usersInvalidCreds)

	usersExpect(t, "alter_user password", in.admin(t, map[string]any{"operation": "alter_user", "username": "u6_tok", "password": "User#Pass2"}),
		200, `{"message":"updated 1 of 1 records","update_hashes":["u6_tok"],"skipped_hashes":[]}`)
	usersError(t, "refresh after the password change", in.post(t, "", "", map[string]any{"operation": "refresh_operation_token", "refresh_token": refresh}), 401, usersInvalidToken)
	usersError(t, "refresh as Bearer after the password change", in.bearer(t, refresh, map[string]any{"operation": "refresh_operation_token"}), 401, usersInvalidToken)
	usersError(t, "tokens with the old password", in.post(t, "", "", map[string]any{"operation": "create_authentication_tokens", "username": "u6_tok", "password": usersPass}), 401, usersInvalidCreds)
	usersError(t, "Basic with the old password", in.post(t, "u6_tok", usersPass, search), 401, usersLoginFailed)
	op2, refresh2 := usersTokens(t, in, "u6_tok", "User#Pass2")
	usersWhoAmI(t, in, "token of the new password", op2, "u6_tok")
	usersWhoAmI(t, in, "refreshed with the new refresh token", usersRefresh(t, in, refresh2), "u6_tok")
}

// testUsersNoHashes: list_users and user_info never show a hash; user_info
// is the caller's own record with its role.
func testUsersNoHashes(t *testing.T, in *instance) {
	roleID := usersAddRole(t, in, "u7_role", usersTablePerm(map[string][4]bool{"books": {true, false, false, false}}))
	usersAddUser(t, in, "u7_plain", "u7_role")

	r := in.admin(t, map[string]any{"operation": "list_users"})
	var users []map[string]any
	r.JSON(t, &users)
	if r.Status != 200 {
		t.Fatalf("list_users: %d %s", r.Status, r.Raw)
	}
	usersNoSecrets(t, "list_users", r.Raw)
	found := map[string]string{}
	for _, u := range users {
		role, _ := u["role"].(map[string]any)
		if role == nil {
			t.Fatalf("list_users: user without a role object: %v", u)
		}
		found[fmt.Sprint(u["username"])] = fmt.Sprint(role["role"])
	}
	if found["u7_plain"] != "u7_role" || found[adminUser] != "super_user" {
		t.Fatalf("list_users: users and roles %v", found)
	}

	r = in.post(t, "u7_plain", usersPass, map[string]any{"operation": "user_info"})
	var info usersInfo
	r.JSON(t, &info)
	if r.Status != 200 || info.Username != "u7_plain" || !info.Active || info.Role.Role != "u7_role" || info.Role.ID != roleID ||
		info.Role.Permission["super_user"] != false || info.Role.Permission[usersDB] == nil {
		t.Fatalf("user_info as u7_plain: %d %s", r.Status, r.Raw)
	}
	usersNoSecrets(t, "user_info", r.Raw)
	r = in.admin(t, map[string]any{"operation": "user_info"})
	info = usersInfo{}
	r.JSON(t, &info)
	if r.Status != 200 || info.Username != adminUser || info.Role.Role != "super_user" || info.Role.Permission["super_user"] != true {
		t.Fatalf("user_info as the super user: %d %s", r.Status, r.Raw)
	}
	usersNoSecrets(t, "user_info of the super user", r.Raw)
}

// usersNoSecrets fails when raw has a field named like a password or a
// hash with a value, a bcrypt hash anywhere, or a test password.
func usersNoSecrets(t *testing.T, what string, raw []byte) {
	t.Helper()
	for _, pw := range []string{usersPass, adminPass} {
		if strings.Contains(string(raw), pw) {
			t.Fatalf("%s shows a password: %s", what, raw)
		}
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				lk := strings.ToLower(k)
				if (strings.Contains(lk, "password") || strings.Contains(lk, "hash")) && e != nil && e != "" {
					t.Errorf("%s: field %s.%s = %v", what, path, k, e)
				}
				walk(path+"."+k, e)
			}
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), e)
			}
		case string:
			if strings.HasPrefix(x, "$2") {
				t.Errorf("%s: a bcrypt hash at %s", what, path)
			}
		}
	}
	walk("", v)
}

// TestUsersTokensSurviveRestart: an operation token and a refresh token
// keep working across a restart in place (the restart operation) and a
// stop and start on the same root.
func TestUsersTokensSurviveRestart(t *testing.T) {
	in := startHops(t, "", "")
	usersAddRole(t, in, "u3_role", map[string]any{"super_user": false})
	usersAddUser(t, in, "u3_keeper", "u3_role")
	op, refresh := usersTokens(t, in, "u3_keeper", usersPass)
	usersWhoAmI(t, in, "before the restarts", op, "u3_keeper")

	in.restartInPlace(t)
	usersWhoAmI(t, in, "operation token after the restart operation", op, "u3_keeper")
	op2 := usersRefresh(t, in, refresh)
	usersWhoAmI(t, in, "refreshed after the restart operation", op2, "u3_keeper")

	in.restart()
	usersWhoAmI(t, in, "operation token after stop and start", op, "u3_keeper")
	usersWhoAmI(t, in, "refreshed token after stop and start", op2, "u3_keeper")
	usersWhoAmI(t, in, "refreshed after stop and start", usersRefresh(t, in, refresh), "u3_keeper")
}
