package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/hops-dev/hops/host/config"
)

// Background-instance timing.
const (
	// startReadyTimeout bounds how long `hops start` waits for the
	// background instance to report READY=1: a first start generates
	// keys and certificates and starts every family.
	startReadyTimeout = 2 * time.Minute
	// defaultStopTimeout is how long `hops stop` waits for the instance
	// to release its pid file after SIGTERM: longer than the host's own
	// drain (30 s) plus the families' shutdown (15 s).
	defaultStopTimeout = 60 * time.Second
	// lockPollInterval is how often stop polls the pid file's lock.
	lockPollInterval = 50 * time.Millisecond
	// consoleTailBytes is how much of the console log a failed start shows.
	consoleTailBytes = 4 << 10
)

// ConsoleLogName is the file in the log directory that receives the
// stdout and stderr of a hops started by `hops start` (the super user's
// generated password at first start, the serving address, anything
// printed before logging is set up).
const ConsoleLogName = "hops-console.log"

const startLong = `Start hops in the background and return once it serves.

The instance is 'hops run' with the same flags, detached from the terminal
(its own session), its stdout and stderr appended to <log dir>/` + ConsoleLogName + `
(the log dir is logging.root, default <root>/log). When logging.file is on,
log lines go to hops.log there only (logging.stdStreams is set false for
the background instance): the console log holds the few lines hops prints
(the address, a generated password) and nothing rotates it. 'hops start' waits for
the instance's readiness notification (the sd_notify protocol, on a socket
of its own) and exits 0 once it serves; if the instance stops during
start, it prints the end of the console log and exits 1.

'hops status' and 'hops stop' find the instance through <root>/hops.pid.`

func newStartCmd(keys map[string]any) *cobra.Command {
	f := &runFlags{keys: keys}
	c := &cobra.Command{
		Use:   "start [flags] [--CONFIG_KEY value ...]",
		Short: "Start hops in the background and wait until it serves",
		Long:  startLong,
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return startHopsBackground(c, f)
		},
	}
	f.register(c.Flags())
	return c
}

// startHopsBackground is `hops start`.
func startHopsBackground(c *cobra.Command, f *runFlags) error {
	cfg, err := f.loadConfig()
	if err != nil {
		return err
	}
	root := cfg.RootPath()
	if pid, running, err := runningPID(root); err != nil {
		return err
	} else if running {
		return &exitError{code: 1, msg: fmt.Sprintf("already running (pid %d, root %s)", pid, root)}
	}
	logDir := cfg.String("logging.root")
	if logDir == "" {
		logDir = filepath.Join(root, "log")
	}
	if err := os.MkdirAll(logDir, rootDirMode); err != nil {
		return fmt.Errorf("create the log dir: %w", err)
	}
	consolePath := filepath.Join(logDir, ConsoleLogName)
	console, err := os.OpenFile(consolePath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open the console log: %w", err)
	}
	defer console.Close()
	consoleStart, _ := console.Seek(0, 2)

	sockDir, err := os.MkdirTemp("", "hops-start-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(sockDir)
	sockPath := filepath.Join(sockDir, "notify.sock")
	sock, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sockPath, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("readiness socket: %w", err)
	}
	defer sock.Close()

	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the hops binary: %w", err)
	}
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return err
	}
	defer devnull.Close()
	cmd := exec.Command(exe, append([]string{"run"}, backgroundFlags(cfg, f).args()...)...)
	cmd.Env = append(withoutEnv(os.Environ(), "NOTIFY_SOCKET"), "NOTIFY_SOCKET="+sockPath)
	cmd.Env = append(cmd.Env, f.secretEnv()...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = devnull, console, console
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start hops: %w", err)
	}
	pid := cmd.Process.Pid
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	ready := make(chan string, 1)
	go func() { ready <- waitReady(sock) }()

	select {
	case status := <-ready:
		out := c.OutOrStdout()
		fmt.Fprintf(out, "hops started (pid %d, root %s)\n", pid, root)
		if status != "" {
			fmt.Fprintf(out, "%s\n", status)
		}
		fmt.Fprintf(out, "console output: %s\n", consolePath)
		_ = cmd.Process.Release()
		return nil
	case err := <-exited:
		tail := readTail(consolePath, consoleStart, consoleTailBytes)
		return &exitError{code: 1, msg: fmt.Sprintf("hops stopped during start (%v); %s says:\n%s", err, consolePath, tail)}
	case <-time.After(startReadyTimeout):
		return &exitError{code: 1, msg: fmt.Sprintf("hops (pid %d) is not serving after %s; it may still be starting: see %s", pid, startReadyTimeout, consolePath)}
	}
}

// backgroundFlags are the flags of the background `hops run`: f, and
// when hclog writes hops.log (which logging.rotation rotates) it does not
// also copy every line to stderr, which lands in the console log, a file
// nothing rotates.
func backgroundFlags(cfg *config.Config, f *runFlags) *runFlags {
	if !cfg.Bool("logging.file") || !cfg.Bool("logging.stdStreams") {
		return f
	}
	child := *f
	child.keys = map[string]any{"logging.stdStreams": "false"}
	for k, v := range f.keys {
		child.keys[k] = v
	}
	return &child
}

// waitReady reads sd_notify datagrams until one holds READY=1 and returns
// its STATUS= text, if any.
func waitReady(sock *net.UnixConn) string {
	buf := make([]byte, 4096)
	for {
		n, err := sock.Read(buf)
		if err != nil {
			// Closed by the caller, which has stopped waiting.
			return ""
		}
		ready, status := false, ""
		for _, line := range strings.Split(string(buf[:n]), "\n") {
			if line == "READY=1" {
				ready = true
			}
			if s, ok := strings.CutPrefix(line, "STATUS="); ok {
				status = s
			}
		}
		if ready {
			return status
		}
	}
}

func withoutEnv(env []string, name string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// readTail returns up to limit bytes of path written after offset from.
func readTail(path string, from, limit int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return ""
	}
	if st.Size()-from > limit {
		from = st.Size() - limit
	}
	buf := make([]byte, st.Size()-from)
	n, _ := f.ReadAt(buf, from)
	return strings.TrimRight(string(buf[:n]), "\n")
}

// rootFlag is the --root flag of stop, restart, status and config check.
func rootFlag(c *cobra.Command, root *string) {
	c.Flags().StringVar(root, "root", "", "root directory (default $ROOTPATH, else ~/hops)")
}

// resolveRoot finds the root directory as `hops run` would. If the config
// cannot be loaded (stop and status must work on a root whose config has
// since been broken), the root is the flag, else $ROOTPATH, else ~/hops.
func resolveRoot(flag string) (string, error) {
	flags := map[string]any{}
	if flag != "" {
		flags["rootPath"] = flag
	}
	if cfg, err := config.New(config.Options{Flags: flags}); err == nil {
		return cfg.RootPath(), nil
	}
	root := flag
	if root == "" {
		root = os.Getenv("ROOTPATH")
	}
	if root == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(home, "hops"), nil
	}
	return filepath.Abs(root)
}

func newStopCmd() *cobra.Command {
	var root string
	var timeout time.Duration
	c := &cobra.Command{
		Use:   "stop",
		Short: "Stop the hops running on a root",
		Long: `Stop the hops running on a root: SIGTERM to the PID in <root>/hops.pid,
then wait until it has released the file's lock, which it does as the last
thing before it exits. A root with no running hops is not an error.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			r, err := resolveRoot(root)
			if err != nil {
				return err
			}
			return stopHops(c, r, timeout)
		},
	}
	rootFlag(c, &root)
	c.Flags().DurationVar(&timeout, "timeout", defaultStopTimeout, "how long to wait for hops to stop")
	return c
}

// stopHops is `hops stop`.
func stopHops(c *cobra.Command, root string, timeout time.Duration) error {
	pid, running, err := runningPID(root)
	if err != nil {
		return err
	}
	if !running {
		fmt.Fprintf(c.OutOrStdout(), "hops is not running (root %s)\n", root)
		return nil
	}
	if pid <= 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("hops on root %s is starting and has not written its PID yet; try again", root)}
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("signal pid %d: %w", pid, err)
	}
	deadline := time.Now().Add(timeout)
	for {
		_, still, err := runningPID(root)
		if err != nil {
			return err
		}
		// The lock goes a moment before the process: wait for both, so
		// that a start right after finds the old process gone.
		if !still && processGone(pid) {
			fmt.Fprintf(c.OutOrStdout(), "hops stopped (pid %d, root %s)\n", pid, root)
			return nil
		}
		if time.Now().After(deadline) {
			return &exitError{code: 1, msg: fmt.Sprintf("hops (pid %d) has not stopped %s after SIGTERM", pid, timeout)}
		}
		time.Sleep(lockPollInterval)
	}
}

// processGone reports whether pid has exited (a zombie counts as gone:
// its parent may never reap it).
func processGone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return errors.Is(err, os.ErrNotExist)
	}
	s := string(stat)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && len(s) > i+2 {
		return s[i+2] == 'Z'
	}
	return false
}

func newStatusCmd() *cobra.Command {
	var root string
	c := &cobra.Command{
		Use:   "status",
		Short: "Say whether hops runs on a root, and its PID",
		Long: `Say whether a hops runs on a root, from <root>/hops.pid and its lock.
Exit status 0 when it runs, 3 when it does not (the LSB convention).`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			r, err := resolveRoot(root)
			if err != nil {
				return err
			}
			pid, running, err := runningPID(r)
			if err != nil {
				return err
			}
			if !running {
				fmt.Fprintf(c.OutOrStdout(), "hops is not running (root %s)\n", r)
				return &exitError{code: exitNotRunning}
			}
			if pid <= 0 {
				fmt.Fprintf(c.OutOrStdout(), "hops is starting (root %s)\n", r)
				return nil
			}
			fmt.Fprintf(c.OutOrStdout(), "hops is running (pid %d, root %s)\n", pid, r)
			return nil
		},
	}
	rootFlag(c, &root)
	return c
}

func newRestartCmd(keys map[string]any) *cobra.Command {
	f := &runFlags{keys: keys}
	var timeout time.Duration
	c := &cobra.Command{
		Use:   "restart [flags] [--CONFIG_KEY value ...]",
		Short: "Stop the background hops of a root, then start it again",
		Long: `Stop the hops running on a root (as 'hops stop'), then start it in the
background with the given flags (as 'hops start'). A root with no running
hops is simply started.

To restart without dropping a connection and keeping the PID (what
systemd and other supervisors need), send the restart operation instead:
'hops op restart'.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, err := f.loadConfig()
			if err != nil {
				return err
			}
			if err := stopHops(c, cfg.RootPath(), timeout); err != nil {
				return err
			}
			return startHopsBackground(c, f)
		},
	}
	f.register(c.Flags())
	c.Flags().DurationVar(&timeout, "timeout", defaultStopTimeout, "how long to wait for hops to stop")
	return c
}
