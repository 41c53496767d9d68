package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hops-dev/hops/builtin"
	"github.com/hops-dev/hops/builtin/export"
)

// cliTimeout bounds one CLI command in these tests (a `hops start`
// included).
const cliTimeout = 90 * time.Second

// cliResult is what one CLI command did.
type cliResult struct {
	stdout, stderr string
	code           int
}

func (r cliResult) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// runCLI runs the hops binary with args and exactly env, to its end.
func runCLI(t *testing.T, env []string, args ...string) cliResult {
	t.Helper()
	return runProgram(t, env, hopsBin, args...)
}

// runProgram runs bin with args and exactly env, to its end.
func runProgram(t *testing.T, env []string, bin string, args ...string) cliResult {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: runs the hops binary")
	}
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("hops %v: %v", args, err)
		}
		code = ee.ExitCode()
	}
	if ctx.Err() != nil {
		t.Fatalf("hops %v did not end within %s:\n%s\n%s", args, cliTimeout, out.String(), errOut.String())
	}
	return cliResult{stdout: out.String(), stderr: errOut.String(), code: code}
}

// cliEnv is a minimal environment for CLI commands on root.
func cliEnv(root string, extra ...string) []string {
	return append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + root, "ROOTPATH=" + root,
		"HDB_ADMIN_USERNAME=" + adminUser, "HDB_ADMIN_PASSWORD=" + adminPass}, extra...)
}

// opEnv points `hops op` at an instance with HarperDB's variables.
func opEnv(in *instance) []string {
	return cliEnv(in.root, "CLI_TARGET="+in.url, "CLI_TARGET_USERNAME="+adminUser, "CLI_TARGET_PASSWORD="+adminPass)
}

// A second `hops run` on a root where one runs exits at once, naming the
// running one's PID, and the first keeps serving.
func TestSecondInstanceOnARootRefused(t *testing.T) {
	in := startHops(t, "", "")
	pidFile, err := os.ReadFile(filepath.Join(in.root, PIDFileName))
	if err != nil || strings.TrimSpace(string(pidFile)) != strconv.Itoa(in.cmd.Process.Pid) {
		t.Fatalf("pid file holds %q (%v), want %d", pidFile, err, in.cmd.Process.Pid)
	}
	// Another port, so only the lock can refuse it.
	r := runCLI(t, append(in.env, "OPERATIONSAPI_NETWORK_PORT="+strconv.Itoa(freePort(t))), "run")
	want := fmt.Sprintf("another hops (pid %d) is running on root %s", in.cmd.Process.Pid, in.root)
	if r.code == 0 || !strings.Contains(r.stderr, want) {
		t.Fatalf("second hops on the root: want a failure naming %q, got %s", want, r)
	}
	if strings.Contains(r.stdout, "serving") {
		t.Errorf("the refused hops served:\n%s", r.stdout)
	}
	recExpect(t, "get_status after the refusal", in.admin(t, map[string]any{"operation": "get_status"}), 200, "")

	// The restart operation's re-exec keeps the lock: the new image holds
	// it with the same PID, and a second hops is still refused.
	recExpect(t, "restart", in.admin(t, map[string]any{"operation": "restart"}), 200, "")
	deadline := time.Now().Add(startWait)
	for strings.Count(in.out.String(), "hops: ready:") < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("hops did not serve again after the restart:\n%s", in.out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if pid, running, err := runningPID(in.root); err != nil || !running || pid != in.cmd.Process.Pid {
		t.Errorf("after the in-place restart: pid %d running %v (%v), want %d", pid, running, err, in.cmd.Process.Pid)
	}
	r = runCLI(t, append(in.env, "OPERATIONSAPI_NETWORK_PORT="+strconv.Itoa(freePort(t))), "run")
	if r.code == 0 || !strings.Contains(r.stderr, want) {
		t.Errorf("second hops after the in-place restart: %s", r)
	}
}

// SIGTERM to the whole process group, as systemd sends it, while an
// export runs: the families keep serving until the host shuts them down
// (none is restarted), each family's Shutdown runs, the job ends ERROR
// saying the family shut down, no ERROR line is logged, no child is left
// and the exit status is 0.
func TestStopSignalToProcessGroup(t *testing.T) {
	in := prepareHops(t, "", "")
	in.setpgid = true
	in.start()
	t.Cleanup(in.stop)

	recExpect(t, "create_table", in.admin(t, map[string]any{"operation": "create_table", "database": expDB, "table": "big", "primary_key": "id"}), 200, "")
	per := expKillRows / expKillBatches
	pad := strings.Repeat("p", expKillPad)
	for b := 0; b < expKillBatches; b++ {
		batch := make([]map[string]any, per)
		for i := range batch {
			id := b*per + i
			batch[i] = map[string]any{"id": id, "pad": pad}
		}
		recExpect(t, "insert", in.admin(t, map[string]any{"operation": "insert", "database": expDB, "table": "big", "records": batch}), 200, "")
	}
	dir := t.TempDir()
	body := map[string]any{"operation": "export_local", "format": "json", "path": dir, "filename": "big",
		"search_operation": map[string]any{"operation": "sql", "sql": "SELECT * FROM exp.big"}}
	exportPID := in.familyPID(t, "plugin builtin export")
	kids := children(in.cmd.Process.Pid)
	id := recStartJob(t, in, body)
	// Freeze the export family while it writes, so the job is surely in
	// flight when the signal arrives; it resumes once the host's shutdown
	// has begun, and then finds its Shutdown call waiting.
	expWaitWriting(t, exportPID, dir, filepath.Join(dir, "big.json"))
	if err := syscall.Kill(exportPID, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(-in.cmd.Process.Pid, syscall.SIGTERM); err != nil {
		_ = syscall.Kill(exportPID, syscall.SIGCONT)
		t.Fatal(err)
	}
	shuttingDown := in.waitOutput("hops.status: family shut down", stopWait)
	if err := syscall.Kill(exportPID, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	if !shuttingDown {
		t.Errorf("the status family was not shut down after SIGTERM:\n%s", in.out.String())
	}
	select {
	case <-in.exited:
	case <-time.After(stopWait):
		t.Fatalf("hops did not stop within %s of SIGTERM to its group:\n%s", stopWait, in.out.String())
	}
	out := in.out.String()
	if code := in.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit status %d after SIGTERM, want 0", code)
	}
	logFile, err := os.ReadFile(filepath.Join(in.root, "log", "hops.log"))
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"output": out, "hops.log": string(logFile)} {
		for _, line := range strings.Split(text, "\n") {
			if strings.Contains(line, "[ERROR]") || strings.Contains(line, "family restarted") {
				t.Errorf("%s: %s", name, line)
			}
		}
	}
	for _, fam := range builtin.Names() {
		if !strings.Contains(out, "hops."+fam+": family shut down") {
			t.Errorf("family %s was not shut down by the host", fam)
		}
	}
	deadline := time.Now().Add(outputWait)
	for pid, cmd := range kids {
		for alive(pid) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if alive(pid) {
			t.Errorf("child %d (%s) outlived hops", pid, cmd)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}

	in.start()
	var jobs []map[string]any
	in.admin(t, map[string]any{"operation": "get_job", "id": id}).JSON(t, &jobs)
	if len(jobs) != 1 || jobs[0]["status"] != "ERROR" || jobs[0]["message"] != export.MsgJobStopped {
		t.Errorf("the export in flight at SIGTERM: %v; want ERROR %q", jobs, export.MsgJobStopped)
	}
}

// notifyListener is a fake service manager: the datagrams sent to its
// NOTIFY_SOCKET, one string each.
func notifyListener(t *testing.T) (path string, msgs <-chan string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "hops-notify-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path = filepath.Join(dir, "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ch := make(chan string, 64)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			ch <- string(buf[:n])
		}
	}()
	return path, ch
}

// nextNotify returns the next datagram, failing after stopWait.
func nextNotify(t *testing.T, msgs <-chan string, what string) string {
	t.Helper()
	select {
	case m := <-msgs:
		return m
	case <-time.After(stopWait):
		t.Fatalf("no sd_notify datagram %s within %s", what, stopWait)
		return ""
	}
}

// Under a service manager (NOTIFY_SOCKET), hops says READY=1 once it
// serves, RELOADING=1 and READY=1 again around the restart operation's
// in-place re-exec, and STOPPING=1 when it is stopped.
func TestNotifyServiceManager(t *testing.T) {
	sock, msgs := notifyListener(t)
	in := startHops(t, "", "", "NOTIFY_SOCKET="+sock)
	ready := nextNotify(t, msgs, "at start")
	if !strings.Contains(ready, "READY=1\n") || !strings.Contains(ready, "STATUS=serving the operations API on "+in.url) {
		t.Fatalf("first notification %q, want READY=1 with the URL", ready)
	}
	recExpect(t, "restart", in.admin(t, map[string]any{"operation": "restart"}), 200, "")
	if m := nextNotify(t, msgs, "at restart"); !strings.HasPrefix(m, "RELOADING=1\nMONOTONIC_USEC=") {
		t.Fatalf("at the restart: %q, want RELOADING=1 with MONOTONIC_USEC", m)
	}
	if m := nextNotify(t, msgs, "after the restart"); !strings.HasPrefix(m, "READY=1") {
		t.Fatalf("after the restart: %q, want READY=1", m)
	}
	recExpect(t, "get_status after the restart", in.admin(t, map[string]any{"operation": "get_status"}), 200, "")
	in.stop()
	if m := nextNotify(t, msgs, "at stop"); m != "STOPPING=1" {
		t.Fatalf("at stop: %q, want STOPPING=1", m)
	}
	if code := in.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit status %d", code)
	}
}

// `hops op --help` prints help and sends nothing, whatever the target.
func TestOpHelpSendsNothing(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("hops op --help sent a request: %s %s", r.Method, r.URL)
		w.WriteHeader(http.StatusTeapot)
	}))
	defer srv.Close()
	env := cliEnv(t.TempDir(), "CLI_TARGET="+srv.URL, "HOPS_URL="+srv.URL, "CLI_TARGET_PASSWORD=x")
	for _, args := range [][]string{
		{"op", "--help"},
		{"op", "-h"},
		{"op", "--help", "--url", srv.URL},
		{"op", "get_status", "--help"},
		{"op", "export_local", "path=/tmp", "--wait", "--help"},
		{"help", "op"},
	} {
		r := runCLI(t, env, args...)
		if r.code != 0 || !strings.Contains(r.stdout, "hops op OPERATION [key=value ...]") || r.stderr != "" {
			t.Errorf("hops %v: want help on stdout and exit 0, got %s", args, r)
		}
	}
}

// Every command answers --help on stdout with exit status 0.
func TestEveryCommandHelp(t *testing.T) {
	env := cliEnv(t.TempDir())
	for _, cmd := range [][]string{{}, {"run"}, {"start"}, {"stop"}, {"restart"}, {"status"}, {"op"},
		{"config"}, {"config", "check"}, {"version"}, {"completion"}, {"completion", "bash"}, {"help"}} {
		r := runCLI(t, env, append(cmd, "--help")...)
		if r.code != 0 || !strings.Contains(r.stdout, "Usage:") || r.stderr != "" {
			t.Errorf("hops %v --help: %s", cmd, r)
		}
	}
	r := runCLI(t, env, "version")
	if r.code != 0 || !strings.Contains(r.stdout, "hops "+Version) || !strings.Contains(r.stdout, "go:       go1.") {
		t.Errorf("hops version: %s", r)
	}
	r = runCLI(t, env, "bogus")
	if r.code != exitUsage || !strings.Contains(r.stderr, `unknown command "bogus"`) {
		t.Errorf("hops bogus: %s", r)
	}
}

// `hops op --wait` follows a job: exit 0 and the COMPLETE record on
// stdout when it succeeds; exit 1 naming the error when it ends ERROR (an
// export into /proc, where no file can be created).
func TestOpWaitFollowsJobs(t *testing.T) {
	in := startHops(t, "", "")
	expSetup(t, in)
	env := opEnv(in)
	search := `search_operation={"operation":"sql","sql":"SELECT * FROM exp.dogs"}`

	r := runCLI(t, env, "op", "export_local", "format=json", "path="+t.TempDir(), search, "--wait")
	var job struct{ Status, Message string }
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &job) != nil || job.Status != "COMPLETE" {
		t.Fatalf("--wait on an export that succeeds: %s", r)
	}
	if !strings.Contains(r.stderr, "Starting job with id ") || !strings.Contains(r.stderr, ": COMPLETE") {
		t.Errorf("--wait's progress lines: %s", r.stderr)
	}

	r = runCLI(t, env, "op", "export_local", "format=json", "path=/proc", search, "--wait")
	if r.code != 1 || json.Unmarshal([]byte(r.stdout), &job) != nil || job.Status != "ERROR" ||
		!strings.Contains(r.stderr, "ended ERROR: "+job.Message) {
		t.Fatalf("--wait on an export that fails: %s", r)
	}

	// On a terminal (a pty from script(1)), a job that reports its total
	// draws a bar with the percentage.
	if scriptBin, err := exec.LookPath("script"); err == nil {
		line := strings.Join([]string{hopsBin, "op", "delete_records_before", "database=" + expDB, "table=" + expTable,
			"date=" + time.Now().Add(24*time.Hour).UTC().Format(time.RFC3339), "--wait"}, " ")
		r = runProgram(t, env, scriptBin, "-qec", line, "/dev/null")
		if r.code != 0 || !strings.Contains(r.stdout, "] 100% ") || !strings.Contains(r.stdout, "records") {
			t.Errorf("--wait on a terminal: want a bar at 100%%, got %q", r.stdout)
		}
	} else {
		t.Log("no script(1): the terminal bar is not checked")
	}

	// Without --wait the job's answer is printed and the status is 0.
	r = runCLI(t, env, "op", "export_local", "format=json", "path=/proc", search)
	if r.code != 0 || !strings.Contains(r.stdout, `"job_id"`) {
		t.Errorf("without --wait: %s", r)
	}
	// A refused operation is exit 1 with its answer.
	r = runCLI(t, env, "op", "describe_table", "database=exp", "table=nope")
	if r.code != 1 || !strings.Contains(r.stdout, "does not exist") {
		t.Errorf("a 404: %s", r)
	}
}

// hops start, status, restart and stop on one root, as an operator uses
// them: start returns once hops serves, status reads the pid file, stop
// ends it; HarperDB's --KEY value flags reach the config.
func TestStartStatusStop(t *testing.T) {
	root := t.TempDir()
	port := freePort(t)
	env := cliEnv(root)
	url := "http://127.0.0.1:" + strconv.Itoa(port) + "/"
	t.Cleanup(func() {
		if pid, running, _ := runningPID(root); running && pid > 0 {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})

	if r := runCLI(t, env, "status"); r.code != exitNotRunning || !strings.Contains(r.stdout, "hops is not running") {
		t.Fatalf("status before start: %s", r)
	}
	r := runCLI(t, env, "start", "--OPERATIONSAPI_NETWORK_PORT", strconv.Itoa(port))
	if r.code != 0 || !strings.Contains(r.stdout, "hops started (pid ") || !strings.Contains(r.stdout, url) {
		t.Fatalf("start: %s", r)
	}
	pid, running, err := runningPID(root)
	if err != nil || !running || pid <= 0 {
		t.Fatalf("after start: pid %d running %v err %v", pid, running, err)
	}
	resp, err := http.Get(url + "health")
	if err != nil {
		t.Fatalf("start returned before hops served: %v", err)
	}
	resp.Body.Close()
	if r := runCLI(t, env, "status"); r.code != 0 || !strings.Contains(r.stdout, fmt.Sprintf("hops is running (pid %d, root %s)", pid, root)) {
		t.Errorf("status: %s", r)
	}
	if r := runCLI(t, env, "start", "--OPERATIONSAPI_NETWORK_PORT", strconv.Itoa(port)); r.code != 1 || !strings.Contains(r.stderr, fmt.Sprintf("already running (pid %d", pid)) {
		t.Errorf("a second start: %s", r)
	}
	opTarget := append(env, "CLI_TARGET="+url, "CLI_TARGET_PASSWORD="+adminPass)
	if r := runCLI(t, opTarget, "op", "get_status"); r.code != 0 {
		t.Errorf("op against the started hops: %s", r)
	}

	r = runCLI(t, env, "restart", "--port", strconv.Itoa(port))
	newPID, running, _ := runningPID(root)
	if r.code != 0 || !running || newPID == pid || alive(pid) {
		t.Fatalf("restart: pid %d -> %d (running %v): %s", pid, newPID, running, r)
	}
	if r := runCLI(t, opTarget, "op", "get_status"); r.code != 0 {
		t.Errorf("op after restart: %s", r)
	}

	r = runCLI(t, env, "stop")
	if r.code != 0 || !strings.Contains(r.stdout, fmt.Sprintf("hops stopped (pid %d", newPID)) || alive(newPID) {
		t.Fatalf("stop: %s", r)
	}
	if r := runCLI(t, env, "status"); r.code != exitNotRunning {
		t.Errorf("status after stop: %s", r)
	}
	if r := runCLI(t, env, "stop"); r.code != 0 || !strings.Contains(r.stdout, "hops is not running") {
		t.Errorf("stop when stopped: %s", r)
	}
	console, err := os.ReadFile(filepath.Join(root, "log", ConsoleLogName))
	if err != nil || !strings.Contains(string(console), "serving the operations API on "+strings.TrimSuffix(url, "/")) ||
		strings.Contains(string(console), "[INFO]") {
		t.Errorf("console log (%v), want the served address and no log lines (those go to hops.log):\n%s", err, console)
	}
	logFile, _ := os.ReadFile(filepath.Join(root, "log", "hops.log"))
	if strings.Contains(string(logFile), "[ERROR]") {
		t.Errorf("ERROR lines in hops.log:\n%s", logFile)
	}
}

// `hops config check` prints what a start would warn about or refuse and
// exits 1 when there is any, 0 on a clean root; it writes nothing.
func TestConfigCheckCommand(t *testing.T) {
	root := t.TempDir()
	env := cliEnv(root)
	if r := runCLI(t, env, "config", "check", "--root", root); r.code != 0 || !strings.Contains(r.stdout, "no problems") {
		t.Errorf("a fresh root: %s", r)
	}
	file := filepath.Join(root, "hops-config.yaml")
	if err := os.WriteFile(file, []byte("operationsApi:\n  network:\n    hots: 0.0.0.0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, append(env, "OPERATIONSAPI_NETWORK_PROT=1"), "config", "check", "--root", root)
	for _, want := range []string{"operationsApi.network.hots (" + file + ")", "OPERATIONSAPI_NETWORK_PROT (environment)"} {
		if r.code != 1 || !strings.Contains(r.stdout, want) {
			t.Errorf("config check: want exit 1 naming %q, got %s", want, r)
		}
	}
	if err := os.WriteFile(file, []byte("logging:\n  level: loud\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, env, "config", "check", "--root", root); r.code != 1 || !strings.Contains(r.stdout, "error: logging.level") {
		t.Errorf("a value hops refuses: %s", r)
	}
	if _, err := os.Stat(filepath.Join(root, PIDFileName)); err == nil {
		t.Errorf("config check created a pid file")
	}
}

// `hops op` over HTTPS: the server's certificate is verified (a CA it
// does not know fails), --cacert trusts a CA, --insecure skips the check.
func TestOpOverHTTPS(t *testing.T) {
	dir := t.TempDir()
	ca, caKey := testCA(t)
	certPEM, keyPEM := testLeaf(t, ca, caKey, "localhost")
	caFile, certFile, keyFile := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	for path, data := range map[string]string{certFile: certPEM, keyFile: keyPEM,
		caFile: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw}))} {
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	securePort := freePort(t)
	in := startHops(t, "", "tls:\n  certificate: "+certFile+"\n  privateKey: "+keyFile+"\n",
		"OPERATIONSAPI_NETWORK_SECUREPORT="+strconv.Itoa(securePort))
	env := cliEnv(in.root, "CLI_TARGET=https://localhost:"+strconv.Itoa(securePort)+"/", "CLI_TARGET_PASSWORD="+adminPass)
	if r := runCLI(t, env, "op", "get_status"); r.code != 1 || !strings.Contains(r.stderr, "certificate") {
		t.Errorf("an unknown CA: %s", r)
	}
	if r := runCLI(t, env, "op", "get_status", "--cacert", caFile); r.code != 0 {
		t.Errorf("--cacert: %s", r)
	}
	if r := runCLI(t, env, "op", "get_status", "--insecure"); r.code != 0 {
		t.Errorf("--insecure: %s", r)
	}
	if r := runCLI(t, env, "op", "get_status", "--cacert", keyFile); r.code != 1 || !strings.Contains(r.stderr, "holds no PEM certificate") {
		t.Errorf("--cacert naming a key: %s", r)
	}
}
