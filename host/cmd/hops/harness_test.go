package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The integration tests start the real hops binary on a loopback port and
// talk HTTP to it. TestMain builds the binary and the example plugin once.

var (
	hopsBin    string
	exampleBin string
)

const (
	adminUser = "admin"
	adminPass = "Admin#Pass1"
	// startWait bounds how long an instance may take to answer /health.
	startWait = 30 * time.Second
	// stopWait bounds a graceful stop before the test kills the process.
	stopWait = 20 * time.Second
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hops-it-")
	if err != nil {
		panic(err)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		if !testingShort() {
			hopsBin = filepath.Join(dir, "hops")
			exampleBin = filepath.Join(dir, "hops-example")
			for out, pkg := range map[string]string{hopsBin: ".", exampleBin: "../../../plugins/example"} {
				cmd := exec.Command("go", "build", "-o", out, pkg)
				cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
				if err := cmd.Run(); err != nil {
					fmt.Fprintln(os.Stderr, "build", pkg, err)
					return 1
				}
			}
		}
		return m.Run()
	}()
	os.Exit(code)
}

func testingShort() bool {
	for _, a := range os.Args {
		if a == "-test.short" || a == "-test.short=true" {
			return true
		}
	}
	return false
}

// instance is one running hops process.
type instance struct {
	t      testing.TB
	root   string
	port   int
	url    string
	cmd    *exec.Cmd
	out    *syncBuffer
	env    []string
	exited chan struct{}
	// setpgid starts hops in a process group of its own (with its
	// families), so a test can signal the group as a service manager does.
	setpgid bool
	// args are added after "run" on hops' command line.
	args []string
	// wrap is a command prefix hops runs under (e.g. ip netns exec ns).
	wrap []string
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitOutput reports whether hops' output holds substr within d. The
// output reaches the buffer through exec's copying goroutine, so a line the
// process wrote before it answered a request can arrive after the answer.
func (in *instance) waitOutput(substr string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		if strings.Contains(in.out.String(), substr) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// outputWait bounds waitOutput: long enough for a pipe copy on a loaded CI
// machine. Checks that a line is absent wait for it too, so they cannot
// pass merely because the line has not been copied yet.
const outputWait = 2 * time.Second

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startHops starts hops on a fresh root (or root, when given) with a
// config file holding configYAML (when not empty) and extra env.
func startHops(t testing.TB, root, configYAML string, env ...string) *instance {
	t.Helper()
	in := prepareHops(t, root, configYAML, env...)
	in.start()
	t.Cleanup(in.stop)
	return in
}

// prepareHops is startHops without the start: the caller may set the
// instance's fields, then calls start and registers stop.
func prepareHops(t testing.TB, root, configYAML string, env ...string) *instance {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: starts the hops binary")
	}
	if root == "" {
		root = t.TempDir()
	}
	if configYAML != "" {
		if err := os.WriteFile(filepath.Join(root, "hops-config.yaml"), []byte(configYAML), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	in := &instance{t: t, root: root, port: freePort(t), out: &syncBuffer{}}
	in.url = "http://127.0.0.1:" + strconv.Itoa(in.port) + "/"
	in.env = append([]string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + root,
		"ROOTPATH=" + root,
		"HDB_ADMIN_USERNAME=" + adminUser, "HDB_ADMIN_PASSWORD=" + adminPass,
		"OPERATIONSAPI_NETWORK_PORT=" + strconv.Itoa(in.port),
		"LOGGING_LEVEL=debug",
	}, env...)
	return in
}

func (in *instance) start() {
	in.t.Helper()
	in.launch()
	in.waitUntil(in.started, "answer /health, or its families did not end their start,")
}

// launch starts the hops process without waiting for it.
func (in *instance) launch() {
	in.t.Helper()
	argv := append(append(append([]string{}, in.wrap...), hopsBin, "run"), in.args...)
	in.cmd = exec.Command(argv[0], argv[1:]...)
	in.cmd.Env = in.env
	in.cmd.Stdout, in.cmd.Stderr = in.out, in.out
	if in.setpgid {
		in.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	}
	if err := in.cmd.Start(); err != nil {
		in.t.Fatal(err)
	}
	in.exited = make(chan struct{})
	go func() { _ = in.cmd.Wait(); close(in.exited) }()
}

// waitUntil polls ok until it holds, failing the test (saying hops did
// not <what>) after startWait or if hops exits.
func (in *instance) waitUntil(ok func() bool, what string) {
	in.t.Helper()
	deadline := time.Now().Add(startWait)
	for time.Now().Before(deadline) {
		select {
		case <-in.exited:
			in.t.Fatalf("hops exited at start:\n%s", in.out.String())
		default:
		}
		if ok() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	in.t.Fatalf("hops did not %s within %s:\n%s", what, startWait, in.out.String())
}

// healthy reports whether hops answers GET /health.
func (in *instance) healthy() bool {
	resp, err := http.Get(strings.TrimSuffix(in.url, "/") + "/health")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == 200
}

// started reports whether hops answers /health and no family is still in
// its first start (GET /ready names none "starting"): hops serves HTTP
// while its families start, and the tests begin where a start has ended,
// each family serving or failed.
func (in *instance) started() bool {
	if !in.healthy() {
		return false
	}
	resp, err := http.Get(strings.TrimSuffix(in.url, "/") + "/ready")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return err == nil && !bytes.Contains(body, []byte(`"starting"`))
}

// stop stops hops gracefully (SIGTERM), killing it if it hangs.
func (in *instance) stop() {
	if in.cmd == nil || in.cmd.Process == nil {
		return
	}
	select {
	case <-in.exited:
		return
	default:
	}
	_ = in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-in.exited:
	case <-time.After(stopWait):
		_ = in.cmd.Process.Kill()
		<-in.exited
		in.t.Errorf("hops did not stop within %s of SIGTERM:\n%s", stopWait, in.out.String())
	}
}

// restart stops hops and starts it again on the same root and port.
func (in *instance) restart() {
	in.stop()
	in.start()
}

// response is an answer, decoded.
type response struct {
	Status int
	Header http.Header
	Raw    []byte
}

func (r response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Raw, v); err != nil {
		t.Fatalf("decode %q: %v", r.Raw, err)
	}
}

func (r response) Error() string {
	var m struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(r.Raw, &m)
	return m.Error
}

// post sends body as user:pass (no auth when user is "").
func (in *instance) post(t testing.TB, user, pass string, body any) response {
	t.Helper()
	r, err := in.try(user, pass, body)
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	return r
}

// admin sends body as the super user.
func (in *instance) admin(t testing.TB, body any) response {
	t.Helper()
	return in.post(t, adminUser, adminPass, body)
}

var client = &http.Client{Timeout: 60 * time.Second}

func (in *instance) try(user, pass string, body any) (response, error) {
	raw, ok := body.([]byte)
	if !ok {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return response{}, err
		}
	}
	req, err := http.NewRequest(http.MethodPost, in.url, bytes.NewReader(raw))
	if err != nil {
		return response{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Raw: data}, nil
}

// children returns the pids of the processes whose parent is pid, with
// their command lines.
func children(pid int) map[int]string {
	out := map[int]string{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, state := procStat(p); ppid == pid && state != "Z" {
			cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
			out[p] = strings.ReplaceAll(strings.TrimRight(string(cmdline), "\x00"), "\x00", " ")
		}
	}
	return out
}

// procStat returns a process's parent pid and state ("" when gone).
func procStat(pid int) (ppid int, state string) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, ""
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, ""
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0, ""
	}
	ppid, _ = strconv.Atoi(f[1])
	return ppid, f[0]
}

// alive reports whether pid runs (zombies count as dead).
func alive(pid int) bool {
	_, state := procStat(pid)
	return state != "" && state != "Z"
}

// familyPID finds the pid of a family's process under hops.
func (in *instance) familyPID(t testing.TB, suffix string) int {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for pid, cmd := range children(in.cmd.Process.Pid) {
			if strings.HasSuffix(cmd, suffix) {
				return pid
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no child process ending in %q; children: %v", suffix, children(in.cmd.Process.Pid))
	return 0
}
