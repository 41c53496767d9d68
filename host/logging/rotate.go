package logging

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"gopkg.in/natefinch/lumberjack.v2"
)

// mib is lumberjack's size unit.
const mib = 1 << 20

// noSizeLimitMiB is lumberjack's MaxSize when maxSize is null (rotation by
// interval only): lumberjack always has a limit, so it gets one no log
// reaches (2 PiB).
const noSizeLimitMiB = 1 << 31

// fileMode is the mode of log files: lines name users and addresses.
const fileMode = 0o600

// rotatedPrefix and rotatedSuffix frame the names lumberjack gives
// rotated files: hops-<UTC time>.log.
const (
	rotatedPrefix = "hops-"
	rotatedSuffix = ".log"
	gzipSuffix    = ".gz"
)

// rotatingFile is hops.log: appended to, and rotated as Rotation says.
type rotatingFile struct {
	dir string
	rot Rotation

	mu    sync.Mutex // guards the fields below and every rotation
	plain *os.File   // the file when rotation is off
	lj    *lumberjack.Logger
	size  int64 // bytes in the active file, as lumberjack counts them

	stop chan struct{}
	done chan struct{}
}

// openRotating opens <dir>/hops.log, creating dir (and rot.Path) with mode
// 0700, and starts the interval timer.
func openRotating(dir string, rot Rotation) (*rotatingFile, error) {
	if dir == "" {
		return nil, errors.New("logging: logging.root is empty")
	}
	for _, d := range []string{dir, rot.Path} {
		if d == "" {
			continue
		}
		if err := os.MkdirAll(d, dirMode); err != nil {
			return nil, fmt.Errorf("logging: create %s: %w", d, err)
		}
	}
	name := filepath.Join(dir, FileName)
	f := &rotatingFile{dir: dir, rot: rot}
	if !rot.Enabled {
		w, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_APPEND, fileMode)
		if err != nil {
			return nil, fmt.Errorf("logging: open %s: %w", name, err)
		}
		f.plain = w
		return f, nil
	}
	maxMiB := noSizeLimitMiB
	if rot.MaxSize > 0 {
		maxMiB = max(int((rot.MaxSize+mib-1)/mib), 1)
		f.rot.MaxSize = int64(maxMiB) * mib
	}
	// Compression and age limits are applied here after each rotation
	// (rotated files may move to rotation.path, and retention need not be
	// whole days), so lumberjack keeps every backup and compresses none.
	f.lj = &lumberjack.Logger{Filename: name, MaxSize: maxMiB}
	if info, err := os.Stat(name); err == nil {
		f.size = info.Size()
	}
	// Open now, so a file that cannot be written fails the start.
	if _, err := f.lj.Write(nil); err != nil {
		return nil, fmt.Errorf("logging: open %s: %w", name, err)
	}
	if rot.Interval > 0 {
		f.stop, f.done = make(chan struct{}), make(chan struct{})
		go f.timer(rot.Interval)
	}
	return f, nil
}

// Write appends p, rotating first when p would take the file past MaxSize.
func (f *rotatingFile) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.plain != nil {
		return f.plain.Write(p)
	}
	if f.rot.MaxSize > 0 && f.size > 0 && f.size+int64(len(p)) > f.rot.MaxSize {
		if err := f.rotateLocked(); err != nil {
			return 0, err
		}
	}
	n, err := f.lj.Write(p)
	f.size += int64(n)
	return n, err
}

// Rotate rotates the file now (the interval timer's call).
func (f *rotatingFile) Rotate() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.lj == nil || f.size == 0 {
		return nil
	}
	return f.rotateLocked()
}

// rotateLocked moves the active file aside (lumberjack names it
// hops-<time>.log), then tidies the rotated files.
func (f *rotatingFile) rotateLocked() error {
	if err := f.lj.Rotate(); err != nil {
		return fmt.Errorf("logging: rotate: %w", err)
	}
	f.size = 0
	return f.tidy()
}

// tidy moves rotated files to rotation.path, gzips them when compress is
// on, and deletes those older than retention. It runs after each
// rotation, under f.mu, so two tidies never race.
func (f *rotatingFile) tidy() error {
	var errs []error
	dest := f.rot.Path
	if dest == "" {
		dest = f.dir
	}
	entries, err := os.ReadDir(f.dir)
	if err != nil {
		return fmt.Errorf("logging: %w", err)
	}
	for _, e := range entries {
		if !isRotated(e.Name()) || strings.HasSuffix(e.Name(), gzipSuffix) {
			continue
		}
		src := filepath.Join(f.dir, e.Name())
		dst := filepath.Join(dest, e.Name())
		if f.rot.Compress {
			errs = append(errs, gzipTo(src, dst+gzipSuffix))
		} else if dst != src {
			errs = append(errs, move(src, dst))
		}
	}
	if f.rot.Retention > 0 {
		errs = append(errs, prune(dest, f.rot.Retention))
	}
	return errors.Join(errs...)
}

// isRotated reports whether name is a rotated hops log (possibly gzipped).
func isRotated(name string) bool {
	name = strings.TrimSuffix(name, gzipSuffix)
	return strings.HasPrefix(name, rotatedPrefix) && strings.HasSuffix(name, rotatedSuffix)
}

// move renames src to dst, copying when they are on different file
// systems.
func move(src, dst string) error {
	if err := os.Rename(src, dst); err == nil {
		return nil
	}
	if err := copyFile(src, dst, func(w io.Writer) io.WriteCloser { return nopCloser{w} }); err != nil {
		return err
	}
	return os.Remove(src)
}

// gzipTo writes src gzipped to dst and removes src.
func gzipTo(src, dst string) error {
	if err := copyFile(src, dst, func(w io.Writer) io.WriteCloser { return gzip.NewWriter(w) }); err != nil {
		return err
	}
	return os.Remove(src)
}

// copyFile copies src to dst (mode 0600) through wrap, syncing dst; dst is
// written beside under a temporary name and renamed, so a crash never
// leaves half a file under the final name.
func copyFile(src, dst string, wrap func(io.Writer) io.WriteCloser) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("logging: %w", err)
	}
	defer in.Close()
	tmp := dst + ".tmp"
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, fileMode)
	if err != nil {
		return fmt.Errorf("logging: %w", err)
	}
	defer func() {
		if err != nil {
			_ = out.Close()
			_ = os.Remove(tmp)
		}
	}()
	w := wrap(out)
	if _, err = io.Copy(w, in); err != nil {
		return fmt.Errorf("logging: copy %s: %w", src, err)
	}
	if err = w.Close(); err != nil {
		return fmt.Errorf("logging: %w", err)
	}
	if err = out.Sync(); err != nil {
		return fmt.Errorf("logging: %w", err)
	}
	if err = out.Close(); err != nil {
		return fmt.Errorf("logging: %w", err)
	}
	if err = os.Rename(tmp, dst); err != nil {
		return fmt.Errorf("logging: %w", err)
	}
	return nil
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// prune deletes the rotated files in dir last modified before retention
// ago.
func prune(dir string, retention time.Duration) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("logging: %w", err)
	}
	cutoff := time.Now().Add(-retention)
	var errs []error
	for _, e := range entries {
		if !isRotated(e.Name()) {
			continue
		}
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(cutoff) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("logging: %w", err))
		}
	}
	return errors.Join(errs...)
}

// timer rotates a non-empty file every interval until Close.
func (f *rotatingFile) timer(interval time.Duration) {
	defer close(f.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-f.stop:
			return
		case <-t.C:
			if err := f.Rotate(); err != nil {
				fmt.Fprintln(os.Stderr, "hops:", err)
			}
		}
	}
}

// Close stops the timer and closes the file.
func (f *rotatingFile) Close() error {
	if f.stop != nil {
		close(f.stop)
		<-f.done
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.plain != nil {
		return f.plain.Close()
	}
	return f.lj.Close()
}
