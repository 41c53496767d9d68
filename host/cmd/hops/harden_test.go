package main

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
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

// rssKiB is a process's resident set (VmRSS) in KiB.
func rssKiB(t *testing.T, pid int) int {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// unauthFloodConns is the number of unauthenticated connections.
const unauthFloodConns = 256

// TestUnauthenticatedFloodMemory: 256 connections without valid
// credentials, half declaring the largest body and half a body just under
// what a public operation may send, all trickling bytes, raise the host's
// RSS by less than 64 MiB (it was 2 GiB for 32 such connections when the
// body was sized from Content-Length).
func TestUnauthenticatedFloodMemory(t *testing.T) {
	in := startHops(t, "", "")
	pid := in.cmd.Process.Pid
	before := rssKiB(t, pid)
	conns := make([]net.Conn, 0, unauthFloodConns)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	addr := strings.TrimSuffix(strings.TrimPrefix(in.url, "http://"), "/")
	for i := range unauthFloodConns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		declared := 64 << 20
		auth := ""
		if i%2 == 1 {
			declared = 60 << 10
		}
		if i%4 == 3 {
			auth = "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("admin:wrong")) + "\r\n"
		}
		fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n%sContent-Length: %d\r\n\r\n{\"operation\":\"user_info\",\"pad\":\"", auth, declared)
	}
	pad := []byte(strings.Repeat("x", 1024))
	for range 20 { // trickle: 20 KiB more on every connection still open
		for _, c := range conns {
			_ = c.SetWriteDeadline(time.Now().Add(time.Second))
			_, _ = c.Write(pad)
		}
	}
	after := rssKiB(t, pid)
	t.Logf("host RSS %d KiB before, %d KiB with %d unauthenticated connections trickling", before, after, unauthFloodConns)
	if after-before > 64<<10 {
		t.Fatalf("host RSS grew by %d KiB (limit 64 MiB)", after-before)
	}
	recExpect(t, "the API during the flood", in.admin(t, map[string]any{"operation": "user_info"}), 200, "")
}

// TestRestartNotHeldByStalledBody: a client that stopped sending its body
// does not hold up restart: the old image cuts it off (503, retry) and
// the new one serves.
func TestRestartNotHeldByStalledBody(t *testing.T) {
	in := startHops(t, "", "", "OPERATIONSAPI_NETWORK_TIMEOUT=120000")
	addr := strings.TrimSuffix(strings.TrimPrefix(in.url, "http://"), "/")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	auth := base64.StdEncoding.EncodeToString([]byte(adminUser + ":" + adminPass))
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nAuthorization: Basic %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"operation\":", auth)
	time.Sleep(200 * time.Millisecond) // the server is now waiting for the rest

	start := time.Now()
	in.restartInPlace(t) // the new image answers (host_information's start time changed)
	_ = c.SetReadDeadline(time.Now().Add(stopWait))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("the stalled request got no answer: %v", err)
	}
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("the stalled request: %s", resp.Status)
	}
	t.Logf("restart with a stalled body: serving again after %v", time.Since(start).Round(time.Millisecond))
}
