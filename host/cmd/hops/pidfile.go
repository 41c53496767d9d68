package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// PIDFileName is the pid file inside rootPath. While hops runs it holds
// an exclusive flock(2) on the file, so the lock, not the file's
// presence, says whether an instance runs: a crash releases it with the
// process, and a stale file left behind never blocks a start.
const PIDFileName = "hops.pid"

// envPIDFD hands the locked pid file's descriptor across a restart's
// re-exec, so the new image keeps the lock without a moment in which a
// second instance could take it.
const envPIDFD = "HOPS_PID_FD"

// rootDirMode is the mode of a rootPath created here (before the config
// creates it): it holds keys and users.
const rootDirMode = 0o700

// errRunning is the error of a lock held by a running instance.
type errRunning struct {
	root string
	pid  int
}

func (e *errRunning) Error() string {
	if e.pid > 0 {
		return fmt.Sprintf("another hops (pid %d) is running on root %s", e.pid, e.root)
	}
	return fmt.Sprintf("another hops is running on root %s", e.root)
}

// pidLock is the held lock of <root>/hops.pid.
type pidLock struct {
	f *os.File
}

// lockPIDFile takes the exclusive lock of <root>/hops.pid and writes this
// process's PID into it. When another process holds it, the error is an
// *errRunning naming that process's PID. A descriptor handed over in
// HOPS_PID_FD by the previous image of this process is adopted instead.
func lockPIDFile(root string) (*pidLock, error) {
	path := filepath.Join(root, PIDFileName)
	f, err := inheritedPIDFile(path)
	if err != nil {
		return nil, err
	}
	if f == nil {
		if err := os.MkdirAll(root, rootDirMode); err != nil {
			return nil, fmt.Errorf("create root %s: %w", root, err)
		}
		if f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600); err != nil {
			return nil, fmt.Errorf("open pid file: %w", err)
		}
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			pid, _ := readPID(path)
			return nil, &errRunning{root: root, pid: pid}
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	l := &pidLock{f: f}
	if err := l.write(strconv.Itoa(os.Getpid()) + "\n"); err != nil {
		l.release()
		return nil, err
	}
	return l, nil
}

// inheritedPIDFile adopts the descriptor named in HOPS_PID_FD (clearing
// the variable) when it is open on path; nil when there is none.
func inheritedPIDFile(path string) (*os.File, error) {
	v := os.Getenv(envPIDFD)
	os.Unsetenv(envPIDFD)
	if v == "" {
		return nil, nil
	}
	fd, err := strconv.Atoi(v)
	if err != nil || fd < 0 {
		return nil, fmt.Errorf("%s=%q is not a descriptor", envPIDFD, v)
	}
	syscall.CloseOnExec(fd)
	f := os.NewFile(uintptr(fd), path)
	var held, named unix.Stat_t
	if unix.Fstat(fd, &held) != nil || unix.Stat(path, &named) != nil || held.Dev != named.Dev || held.Ino != named.Ino {
		// Not the pid file of this root (a changed root, a removed file):
		// lock the file afresh.
		f.Close()
		return nil, nil
	}
	return f, nil
}

func (l *pidLock) write(s string) error {
	if err := l.f.Truncate(0); err != nil {
		return fmt.Errorf("write pid file: %w", err)
	}
	if _, err := l.f.WriteAt([]byte(s), 0); err != nil {
		return fmt.Errorf("write pid file: %w", err)
	}
	return nil
}

// handOver makes the descriptor survive exec and returns the environment
// entry that names it to the next image.
func (l *pidLock) handOver() (string, error) {
	fd := int(l.f.Fd())
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, 0); err != nil {
		return "", fmt.Errorf("hand the pid file over: %w", err)
	}
	return envPIDFD + "=" + strconv.Itoa(fd), nil
}

// release empties the pid file and drops the lock. The file stays: a
// file removed while another process waits to lock it would let two
// processes hold locks on two files of the same name.
func (l *pidLock) release() {
	_ = l.write("")
	_ = l.f.Close()
}

// readPID reads the PID written in a pid file (0 when it holds none).
func readPID(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return 0, nil
	}
	pid, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("pid file %s holds %q", path, s)
	}
	return pid, nil
}

// runningPID reports whether a hops runs on root (it holds the pid
// file's lock) and its PID, which is 0 in the moment between taking the
// lock and writing the PID.
func runningPID(root string) (pid int, running bool, err error) {
	path := filepath.Join(root, PIDFileName)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("open pid file: %w", err)
	}
	defer f.Close()
	err = unix.Flock(int(f.Fd()), unix.LOCK_SH|unix.LOCK_NB)
	if err == nil {
		_ = unix.Flock(int(f.Fd()), unix.LOCK_UN)
		return 0, false, nil
	}
	if !errors.Is(err, unix.EWOULDBLOCK) {
		return 0, false, fmt.Errorf("check the lock of %s: %w", path, err)
	}
	pid, err = readPID(path)
	if err != nil {
		return 0, true, err
	}
	return pid, true, nil
}
