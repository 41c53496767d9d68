package main

import (
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestTokenRevivalAfterDropAndReAdd: tokens are bound to the account they
// were issued for, so a user dropped and added again under the same name
// and password inherits none of the old account's tokens.
func TestTokenRevivalAfterDropAndReAdd(t *testing.T) {
	in := startHops(t, "", "")
	usersAddRole(t, in, "h1_role", map[string]any{"super_user": false})
	usersAddUser(t, in, "h1_ghost", "h1_role")
	op, refresh := usersTokens(t, in, "h1_ghost", usersPass)
	usersWhoAmI(t, in, "before the drop", op, "h1_ghost")

	recExpect(t, "drop_user", in.admin(t, map[string]any{"operation": "drop_user", "username": "h1_ghost"}), 200, "h1_ghost successfully deleted")
	usersAddUser(t, in, "h1_ghost", "h1_role")

	usersError(t, "old operation token", in.bearer(t, op, map[string]any{"operation": "user_info"}), 401, usersInvalidToken)
	usersError(t, "old refresh token", in.post(t, "", "", map[string]any{"operation": "refresh_operation_token", "refresh_token": refresh}), 401, usersInvalidToken)
	usersError(t, "old refresh token as Bearer", in.bearer(t, refresh, map[string]any{"operation": "refresh_operation_token"}), 401, usersInvalidToken)

	op2, refresh2 := usersTokens(t, in, "h1_ghost", usersPass)
	usersWhoAmI(t, in, "the new account's token", op2, "h1_ghost")
	usersWhoAmI(t, in, "the new account's refreshed token", usersRefresh(t, in, refresh2), "h1_ghost")

	// Only the newest refresh token of an account works.
	_, refresh3 := usersTokens(t, in, "h1_ghost", usersPass)
	usersError(t, "superseded refresh token", in.post(t, "", "", map[string]any{"operation": "refresh_operation_token", "refresh_token": refresh2}), 401, usersInvalidToken)
	usersRefresh(t, in, refresh3)
}

// TestBruteForceThrottled: wrong passwords for one user are held, then
// refused 429 with Retry-After without being verified; the right cached
// login keeps working, and the auth event log records the failures with
// user and client address, never the password.
func TestBruteForceThrottled(t *testing.T) {
	in := startHops(t, "", "", "LOGGING_AUDITAUTHEVENTS_LOGFAILED=true", "LOGGING_AUDITAUTHEVENTS_LOGSUCCESSFUL=true")
	usersAddRole(t, in, "h2_role", map[string]any{"super_user": false})
	usersAddUser(t, in, "h2_victim", "h2_role")
	recExpect(t, "cached login", in.admin(t, map[string]any{"operation": "user_info"}), 200, "")

	var last response
	for i := 0; i < 20; i++ {
		last = in.post(t, "h2_victim", fmt.Sprintf("Guess#%d", i), map[string]any{"operation": "user_info"})
		if last.Status == http.StatusTooManyRequests {
			break
		}
		usersError(t, "wrong password", last, 401, usersLoginFailed)
	}
	if last.Status != http.StatusTooManyRequests {
		t.Fatalf("no 429 after 20 wrong passwords: %d %s", last.Status, last.Raw)
	}
	if ra, err := strconv.Atoi(last.Header.Get("Retry-After")); err != nil || ra < 1 {
		t.Fatalf("429 without a Retry-After: %q", last.Header.Get("Retry-After"))
	}
	if !strings.Contains(last.Error(), "Too many failed login attempts") {
		t.Fatalf("429 body %s", last.Raw)
	}
	// The right password of the throttled user from this address waits
	// its turn too; other users' logins do not.
	if r := usersSearchBooksAs(t, in, "h2_victim"); r.Status != http.StatusTooManyRequests {
		t.Fatalf("the right password during the wait: %d %s", r.Status, r.Raw)
	}
	recExpect(t, "cached login during the throttle", in.admin(t, map[string]any{"operation": "user_info"}), 200, "")

	if !in.waitOutput(`login failed: username=h2_victim client=127.0.0.1:`, outputWait) {
		t.Fatalf("no auth event line for a failed login:\n%s", in.out.String())
	}
	if !in.waitOutput(`login succeeded: username=admin client=127.0.0.1:`, outputWait) {
		t.Fatalf("no auth event line for a successful login:\n%s", in.out.String())
	}
	if strings.Contains(in.out.String(), "Guess#") {
		t.Fatal("a password reached the log")
	}
}

func usersSearchBooksAs(t *testing.T, in *instance, user string) response {
	t.Helper()
	return in.post(t, user, usersPass, map[string]any{"operation": "user_info"})
}

// TestAuthorizeLocal: with authentication.authorizeLocal a loopback
// request without credentials acts as the super user, and hops says so at
// start; without it (the default) it is a 401.
func TestAuthorizeLocal(t *testing.T) {
	off := startHops(t, "", "")
	usersError(t, "no credentials, authorizeLocal off", off.post(t, "", "", map[string]any{"operation": "user_info"}), 401, "Must login")
	off.stop()

	in := startHops(t, "", "", "AUTHENTICATION_AUTHORIZELOCAL=true")
	r := in.post(t, "", "", map[string]any{"operation": "user_info"})
	var info usersInfo
	r.JSON(t, &info)
	if r.Status != 200 || info.Username != adminUser {
		t.Fatalf("user_info without credentials: %d %s", r.Status, r.Raw)
	}
	recExpect(t, "a super-user operation without credentials", in.post(t, "", "", map[string]any{"operation": "list_users"}), 200, "")
	usersError(t, "wrong credentials still fail", in.post(t, adminUser, "nope", map[string]any{"operation": "user_info"}), 401, usersLoginFailed)
	if !in.waitOutput("[WARN]  hops.auth: authentication.authorizeLocal is on", outputWait) {
		t.Fatalf("no WARN line at start:\n%s", in.out.String())
	}
}

// TestHashFunction: argon2id hashes new passwords and keeps the others
// verifying; md5 (HarperDB's legacy hash) is refused at start with a
// message naming the key.
func TestHashFunction(t *testing.T) {
	root := t.TempDir()
	in := startHops(t, root, "", "AUTHENTICATION_HASHFUNCTION=sha256")
	usersAddRole(t, in, "h4_role", map[string]any{"super_user": false})
	usersAddUser(t, in, "h4_old", "h4_role")
	in.stop()

	in.env = append(in.env, "AUTHENTICATION_HASHFUNCTION=argon2id")
	in.start()
	usersAddUser(t, in, "h4_new", "h4_role")
	for _, u := range []string{"h4_old", "h4_new", adminUser} {
		pass := usersPass
		if u == adminUser {
			pass = adminPass
		}
		recExpect(t, "login of "+u, in.post(t, u, pass, map[string]any{"operation": "user_info"}), 200, "")
	}
	in.stop()

	cmd := exec.Command(hopsBin, "run")
	cmd.Env = append(in.env, "AUTHENTICATION_HASHFUNCTION=md5")
	out, err := cmd.CombinedOutput()
	// The config layer refuses it before auth opens, naming the key.
	if err == nil || !strings.Contains(string(out), "AUTHENTICATION_HASHFUNCTION (environment): must be one of [sha256, argon2id]") {
		t.Fatalf("hops with hashFunction md5: %v\n%s", err, out)
	}
}

// startHopsArgs is startHops with args after "run" (the instance starts
// once without them, is stopped, and starts again with them: startHops
// starts at once).
func startHopsArgs(t *testing.T, root string, args []string, env ...string) *instance {
	t.Helper()
	in := startHops(t, root, "", env...)
	in.stop()
	in.args = args
	in.start()
	return in
}

// TestSecretsStayPrivate: under umask 022 every file hops writes under
// its root is 0600 and every directory 0700 (files an older hops left
// open are tightened at start), and system_information never shows a
// password given on the command line.
func TestSecretsStayPrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	root := t.TempDir()
	// What an older hops under umask 022 would have left.
	if err := os.MkdirAll(filepath.Join(root, "keys"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "keys", "old.pem"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	const secret = "Cmd#Line#Secret1"
	in := startHopsArgs(t, root, []string{"--admin-password", secret, "--admin-password-file=/nonexistent/" + secret})
	recExpect(t, "create_table", in.admin(t, map[string]any{"operation": "create_table", "database": "h5", "table": "t", "primary_key": "id"}), 200, "")
	recExpect(t, "insert", in.admin(t, map[string]any{"operation": "insert", "database": "h5", "table": "t", "records": []map[string]any{{"id": 1}}}), 200, "")
	recExpect(t, "set_configuration", in.admin(t, map[string]any{"operation": "set_configuration", "logging_level": "debug"}), 200, "")

	r := in.admin(t, map[string]any{"operation": "system_information", "attributes": []string{"harperdb_processes"}})
	if r.Status != 200 || !strings.Contains(string(r.Raw), "[REDACTED]") {
		t.Fatalf("system_information processes: %d %.400s", r.Status, r.Raw)
	}
	if strings.Contains(string(r.Raw), secret) {
		t.Fatalf("system_information shows the command-line password: %s", r.Raw)
	}
	for pid, cmd := range children(in.cmd.Process.Pid) {
		if env, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid)); strings.Contains(string(env), adminPass) {
			t.Errorf("family %s inherited HDB_ADMIN_PASSWORD", cmd)
		}
	}

	var open []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return nil // gone meanwhile
		}
		if d.Type()&fs.ModeSocket != 0 || d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		if info.Mode().Perm()&0o077 != 0 {
			open = append(open, fmt.Sprintf("%s %v", strings.TrimPrefix(path, root), info.Mode().Perm()))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(open) > 0 {
		t.Fatalf("readable by others under umask 022:\n%s", strings.Join(open, "\n"))
	}
}
