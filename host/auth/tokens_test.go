package auth

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/tidwall/buntdb"

	"github.com/hops-dev/hops/sdk"
)

func (e *env) tokens(ctx context.Context, body map[string]any) (op, refresh string) {
	e.t.Helper()
	v, err := e.call(ctx, sdk.Caller{}, "create_authentication_tokens", body)
	if err != nil {
		e.t.Fatal(err)
	}
	m := obj(e.t, v)
	op, _ = m["operation_token"].(string)
	refresh, _ = m["refresh_token"].(string)
	if op == "" || refresh == "" {
		e.t.Fatalf("tokens = %v", m)
	}
	return op, refresh
}

func (e *env) claimsOf(token string) *claims {
	e.t.Helper()
	c, err := e.s.parseToken(token)
	if err != nil {
		e.t.Fatalf("parse %q: %v", token, err)
	}
	return c
}

func TestCreateTokens(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := context.Background()
	creds := map[string]any{"username": plainName, "password": plainPass}

	op, refresh := e.tokens(ctx, creds)
	oc, rc := e.claimsOf(op), e.claimsOf(refresh)
	if oc.Subject != plainName || oc.Type != tokenOperation || rc.Subject != plainName || rc.Type != tokenRefresh {
		t.Fatalf("claims: %+v / %+v", oc, rc)
	}
	if got := oc.ExpiresAt.Sub(oc.IssuedAt.Time); got != DefaultOperationTokenTimeout {
		t.Fatalf("operation token lifetime %v", got)
	}
	if got := rc.ExpiresAt.Sub(rc.IssuedAt.Time); got != DefaultRefreshTokenTimeout {
		t.Fatalf("refresh token lifetime %v", got)
	}

	// The Basic caller, read from the request's Authorization header.
	op2, _ := e.tokens(WithAuthorization(ctx, basic(plainName, plainPass)), nil)
	if e.claimsOf(op2).Subject != plainName {
		t.Fatal("tokens for the Basic caller name another user")
	}
	_, err := e.call(WithAuthorization(ctx, basic(plainName, "wrong")), sdk.Caller{}, "create_authentication_tokens", nil)
	wantError(t, err, http.StatusUnauthorized, MsgLoginFailed)
	// A Bearer caller cannot mint a refresh token.
	_, err = e.call(WithAuthorization(ctx, "Bearer "+op), sdk.Caller{}, "create_authentication_tokens", nil)
	wantError(t, err, http.StatusUnauthorized, MsgMustLogin)
	// HarperDB 4.7.29: a wrong Basic header is "Login failed" even with
	// good credentials in the body.
	_, err = e.call(WithAuthorization(ctx, basic(plainName, "wrong")), sdk.Caller{}, "create_authentication_tokens",
		map[string]any{"username": plainName, "password": plainPass})
	wantError(t, err, http.StatusUnauthorized, MsgLoginFailed)

	for name, c := range map[string]struct {
		body   map[string]any
		status int
		msg    string
	}{
		"wrong password":   {map[string]any{"username": plainName, "password": "wrong"}, 401, MsgInvalidCredentials},
		"unknown user":     {map[string]any{"username": "nobody", "password": "x"}, 401, MsgInvalidCredentials},
		"username only":    {map[string]any{"username": plainName}, 401, MsgInvalidCredentials},
		"password only":    {map[string]any{"password": plainPass}, 401, MsgInvalidCredentials},
		"no credentials":   {nil, 401, MsgMustLogin},
		"both empty":       {map[string]any{"username": "", "password": ""}, 401, MsgMustLogin},
		"empty password":   {map[string]any{"username": plainName, "password": ""}, 400, "'password' is not allowed to be empty"},
		"empty username":   {map[string]any{"username": "", "password": "x"}, 400, "'username' is not allowed to be empty"},
		"both numbers":     {map[string]any{"username": 5, "password": 6}, 400, "'username' must be a string. 'password' must be a string"},
		"username number":  {map[string]any{"username": 5, "password": "x"}, 400, msgUsernameNotStr},
		"password number":  {map[string]any{"username": plainName, "password": 5}, 400, msgPasswordNotStr},
		"expires_in bool":  {map[string]any{"username": plainName, "password": plainPass, "expires_in": true}, 400, msgExpiresInType},
		"expires_in words": {map[string]any{"username": plainName, "password": plainPass, "expires_in": "soon"}, 400, msgExpiresInFormat},
		"expires_in zero":  {map[string]any{"username": plainName, "password": plainPass, "expires_in": 0}, 400, msgExpiresInFormat},
		"expires_in unit":  {map[string]any{"username": plainName, "password": plainPass, "expires_in": "3 fortnights"}, 400, msgExpiresInFormat},
		"expires_in huge":  {map[string]any{"username": plainName, "password": plainPass, "expires_in": "500y"}, 400, msgExpiresInFormat},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := e.call(ctx, sdk.Caller{}, "create_authentication_tokens", c.body)
			wantError(t, err, c.status, c.msg)
		})
	}

	if err := e.s.CreateUser("sleepy", "Sleepy#1", readerRole, false); err != nil {
		t.Fatal(err)
	}
	_, err = e.call(ctx, sdk.Caller{}, "create_authentication_tokens", map[string]any{"username": "sleepy", "password": "Sleepy#1"})
	wantError(t, err, http.StatusUnauthorized, MsgUserInactive)
}

func TestExpiresIn(t *testing.T) {
	e := newEnv(t, Options{})
	for in, want := range map[any]time.Duration{
		"1d": 24 * time.Hour, "30m": 30 * time.Minute, "2 hours": 2 * time.Hour, "90": 90 * time.Second,
		"1500ms": 1500 * time.Millisecond, 120: 2 * time.Minute, "1W": 7 * 24 * time.Hour,
	} {
		op, _ := e.tokens(context.Background(), map[string]any{"username": plainName, "password": plainPass, "expires_in": in})
		c := e.claimsOf(op)
		// JWT times are whole seconds.
		if got := c.ExpiresAt.Sub(c.IssuedAt.Time); got != want.Truncate(time.Second) && got != want.Truncate(time.Second)+time.Second {
			t.Errorf("expires_in %v: lifetime %v, want %v", in, got, want)
		}
	}
}

func TestRefreshOperationToken(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := context.Background()
	op, refresh := e.tokens(ctx, map[string]any{"username": plainName, "password": plainPass})

	v := obj(t, e.ok(sdk.Caller{}, "refresh_operation_token", map[string]any{"refresh_token": refresh}))
	if _, has := v["refresh_token"]; has || len(v) != 1 {
		t.Fatalf("refresh answer = %v, want only operation_token", v)
	}
	c, err := e.s.Authenticate(ctx, "Bearer "+v["operation_token"].(string))
	if err != nil || c.Username != plainName {
		t.Fatalf("refreshed token: %+v, %v", c, err)
	}
	// The refresh token as Bearer.
	v2, err := e.call(WithAuthorization(ctx, "Bearer "+refresh), sdk.Caller{}, "refresh_operation_token", nil)
	if err != nil || obj(t, v2)["operation_token"] == "" {
		t.Fatalf("bearer refresh: %v, %v", v2, err)
	}

	_, err = e.call(ctx, sdk.Caller{}, "refresh_operation_token", nil)
	wantError(t, err, http.StatusBadRequest, msgRefreshRequired)
	_, err = e.call(WithAuthorization(ctx, basic(plainName, plainPass)), sdk.Caller{}, "refresh_operation_token", nil)
	wantError(t, err, http.StatusBadRequest, msgRefreshRequired)
	_, err = e.call(WithAuthorization(ctx, "Bearer "+op), sdk.Caller{}, "refresh_operation_token", nil)
	wantError(t, err, http.StatusBadRequest, msgRefreshRequired)
	_, err = e.call(ctx, sdk.Caller{}, "refresh_operation_token", map[string]any{"refresh_token": op})
	wantError(t, err, http.StatusUnauthorized, MsgInvalidToken)
	_, err = e.call(ctx, sdk.Caller{}, "refresh_operation_token", map[string]any{"refresh_token": "abc.def.ghi"})
	wantError(t, err, http.StatusUnauthorized, MsgInvalidToken)
	_, err = e.call(ctx, sdk.Caller{}, "refresh_operation_token", map[string]any{"refresh_token": 7})
	wantError(t, err, http.StatusBadRequest, msgRefreshNotString)

	e.clock.Add(int64(DefaultRefreshTokenTimeout + time.Minute))
	_, err = e.call(ctx, sdk.Caller{}, "refresh_operation_token", map[string]any{"refresh_token": refresh})
	wantError(t, err, http.StatusUnauthorized, MsgTokenExpired)
}

func TestPasswordChangeAndDeactivationKillRefreshTokens(t *testing.T) {
	e := newEnv(t, Options{})
	admin := e.admin()
	ctx := context.Background()
	creds := map[string]any{"username": plainName, "password": plainPass}
	refreshOf := func() string { _, r := e.tokens(ctx, creds); return r }
	refresh := func(tok string) error {
		_, err := e.call(ctx, sdk.Caller{}, "refresh_operation_token", map[string]any{"refresh_token": tok})
		return err
	}

	r1 := refreshOf()
	e.ok(admin, "alter_user", map[string]any{"username": plainName, "password": "Plain#Pass2"})
	wantError(t, refresh(r1), http.StatusUnauthorized, MsgInvalidToken)

	creds["password"] = "Plain#Pass2"
	r2 := refreshOf()
	if err := refresh(r2); err != nil {
		t.Fatalf("fresh refresh token refused: %v", err)
	}
	e.ok(admin, "alter_user", map[string]any{"username": plainName, "active": false})
	e.ok(admin, "alter_user", map[string]any{"username": plainName, "active": true})
	wantError(t, refresh(r2), http.StatusUnauthorized, MsgInvalidToken)

	// Changing only the role keeps refresh tokens.
	r3 := refreshOf()
	e.ok(admin, "alter_user", map[string]any{"username": plainName, "role": SuperUserRole})
	if err := refresh(r3); err != nil {
		t.Fatalf("role change killed the refresh token: %v", err)
	}
}

func TestSigningKeyPersists(t *testing.T) {
	e := newEnv(t, Options{})
	op, refresh := e.tokens(context.Background(), map[string]any{"username": plainName, "password": plainPass})

	dir := filepath.Join(e.root, filepath.FromSlash(keysDir))
	for _, d := range []string{filepath.Dir(dir), dir} {
		if st, err := os.Stat(d); err != nil || st.Mode().Perm() != keysDirMode {
			t.Fatalf("keys dir %s: %v, %v", d, st, err)
		}
	}
	if filepath.Base(filepath.Dir(dir)) != "keys" {
		t.Fatalf("signing key outside rootPath/keys: %s", dir)
	}
	if st, err := os.Stat(filepath.Join(dir, signingKeyFile)); err != nil || st.Mode().Perm() != keyFileMode {
		t.Fatalf("key file: %v, %v", st, err)
	}

	e.s = e.open(Options{}) // a restart over the same root and database
	c, err := e.s.Authenticate(context.Background(), "Bearer "+op)
	if err != nil || c.Username != plainName {
		t.Fatalf("operation token after restart: %+v, %v", c, err)
	}
	if _, err := e.call(context.Background(), sdk.Caller{}, "refresh_operation_token", map[string]any{"refresh_token": refresh}); err != nil {
		t.Fatalf("refresh token after restart: %v", err)
	}

	if err := os.WriteFile(filepath.Join(dir, signingKeyFile), []byte("junk"), keyFileMode); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(e.db, Options{RootPath: e.root}); err == nil {
		t.Fatal("Open accepted a corrupt signing key")
	}
}

func TestCallerToken(t *testing.T) {
	e := newEnv(t, Options{})
	admin := e.admin()
	tok := e.s.CallerToken(plainName)
	c, err := e.s.CallerFromToken(tok)
	if err != nil || c.Username != plainName || c.Role != readerRole || c.SuperUser || c.Token == "" {
		t.Fatalf("CallerFromToken = %+v, %v", c, err)
	}
	for name, bad := range map[string]string{
		"garbage":  "not-a-token",
		"empty":    "",
		"tampered": tok[:len(tok)-2] + "AA",
		"other process": func() string {
			return newEnv(t, Options{}).s.CallerToken(plainName)
		}(),
		"jwt": func() string {
			op, _ := e.tokens(context.Background(), map[string]any{"username": plainName, "password": plainPass})
			return op
		}(),
	} {
		_, err := e.s.CallerFromToken(bad)
		if se := wantStatus(t, err, http.StatusUnauthorized); se.Message != MsgInvalidToken {
			t.Errorf("%s: message %q", name, se.Message)
		}
	}
	e.ok(admin, "alter_user", map[string]any{"username": plainName, "active": false})
	_, err = e.s.CallerFromToken(tok)
	wantError(t, err, http.StatusUnauthorized, MsgUserInactive)
	e.ok(admin, "drop_user", map[string]any{"username": plainName})
	_, err = e.s.CallerFromToken(tok)
	wantError(t, err, http.StatusUnauthorized, MsgInvalidToken)

	adminTok := e.s.CallerToken(adminName)
	e.clock.Add(int64(callerTokenTTL + time.Second))
	_, err = e.s.CallerFromToken(adminTok)
	wantError(t, err, http.StatusUnauthorized, MsgTokenExpired)
}

// A user dropped and added again under the same name is another account:
// none of the old account's tokens works for it.
func TestTokensDieWithTheirAccount(t *testing.T) {
	e := newEnv(t, Options{})
	admin := e.admin()
	ctx := context.Background()
	creds := map[string]any{"username": plainName, "password": plainPass}
	op, refresh := e.tokens(ctx, creds)
	callerTok := e.login(plainName, plainPass).Token
	if _, err := e.s.Authenticate(ctx, "Bearer "+op); err != nil {
		t.Fatalf("operation token before the drop: %v", err)
	}

	e.ok(admin, "drop_user", map[string]any{"username": plainName})
	e.ok(admin, "add_user", map[string]any{"username": plainName, "password": plainPass, "role": readerRole, "active": true})

	_, err := e.s.Authenticate(ctx, "Bearer "+op)
	wantError(t, err, http.StatusUnauthorized, MsgInvalidToken)
	_, err = e.call(ctx, sdk.Caller{}, "refresh_operation_token", map[string]any{"refresh_token": refresh})
	wantError(t, err, http.StatusUnauthorized, MsgInvalidToken)
	_, err = e.s.CallerFromToken(callerTok)
	wantError(t, err, http.StatusUnauthorized, MsgInvalidToken)

	// The new account's own tokens work.
	op2, refresh2 := e.tokens(ctx, creds)
	if c, err := e.s.Authenticate(ctx, "Bearer "+op2); err != nil || c.Username != plainName {
		t.Fatalf("new account's token: %+v, %v", c, err)
	}
	if _, err := e.call(ctx, sdk.Caller{}, "refresh_operation_token", map[string]any{"refresh_token": refresh2}); err != nil {
		t.Fatalf("new account's refresh token: %v", err)
	}
	if e.claimsOf(op).Account == e.claimsOf(op2).Account {
		t.Fatal("the re-added user kept the old account id")
	}
}

// Only the newest refresh token of an account works, as in HarperDB;
// refreshing does not replace it.
func TestNewestRefreshTokenOnly(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := context.Background()
	creds := map[string]any{"username": plainName, "password": plainPass}
	refresh := func(tok string) error {
		_, err := e.call(ctx, sdk.Caller{}, "refresh_operation_token", map[string]any{"refresh_token": tok})
		return err
	}
	_, r1 := e.tokens(ctx, creds)
	if err := refresh(r1); err != nil {
		t.Fatal(err)
	}
	_, r2 := e.tokens(ctx, creds)
	wantError(t, refresh(r1), http.StatusUnauthorized, MsgInvalidToken)
	for range 2 {
		if err := refresh(r2); err != nil {
			t.Fatalf("newest refresh token: %v", err)
		}
	}
}

// User records written before tokens named accounts get an account id at
// Open; a token without one is refused.
func TestAccountIDsAssignedAtOpen(t *testing.T) {
	e := newEnv(t, Options{})
	err := e.db.Update(func(tx *buntdb.Tx) error {
		u, err := getUser(tx, plainName)
		if err != nil {
			return err
		}
		u.AccountID = ""
		return setJSON(tx, userPrefix+plainName, u)
	})
	if err != nil {
		t.Fatal(err)
	}
	e.s = e.open(Options{})
	var u *user
	if err := e.db.View(func(tx *buntdb.Tx) (err error) { u, err = getUser(tx, plainName); return err }); err != nil {
		t.Fatal(err)
	}
	if u.AccountID == "" {
		t.Fatal("no account id after Open")
	}
	// A token naming no account, signed with the right key.
	old, err := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims{Type: tokenOperation, RegisteredClaims: jwt.RegisteredClaims{
		Subject: plainName, IssuedAt: jwt.NewNumericDate(time.Now()), ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour)),
	}}).SignedString(e.s.signer.key)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.s.Authenticate(context.Background(), "Bearer "+old)
	wantError(t, err, http.StatusUnauthorized, MsgInvalidToken)
}
