package logging

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

// line is one log line of about 1 KiB.
var line = strings.Repeat("x", 1000)

// rotated lists the rotated files in dir.
func rotated(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if isRotated(e.Name()) {
			out = append(out, e.Name())
		}
	}
	return out
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Size()
}

// Writing past maxSize rotates: the active file never passes it, the
// rotated file holds the earlier lines, and nothing is lost.
func TestRotationPastMaxSize(t *testing.T) {
	dir := t.TempDir()
	l, err := New(Options{Level: "info", File: true, Dir: dir, Rotation: Rotation{Enabled: true, MaxSize: mib}})
	if err != nil {
		t.Fatal(err)
	}
	const lines = 2500 // about 2.5 MiB
	for i := range lines {
		l.Info(line, "n", i)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	active := filepath.Join(dir, FileName)
	if size := fileSize(t, active); size > mib {
		t.Errorf("hops.log is %d bytes, past maxSize %d", size, mib)
	}
	files := rotated(t, dir)
	if len(files) < 2 {
		t.Fatalf("rotated files %v, want at least 2 after %d lines of 1 KiB past 1 MiB", files, lines)
	}
	total := 0
	for _, f := range append(files, FileName) {
		if size := fileSize(t, filepath.Join(dir, f)); size > mib {
			t.Errorf("%s is %d bytes, past maxSize", f, size)
		}
		data, _ := os.ReadFile(filepath.Join(dir, f))
		total += bytes.Count(data, []byte("\n"))
	}
	if total != lines {
		t.Errorf("%d lines across the files, want %d", total, lines)
	}
	if info, _ := os.Stat(active); info.Mode().Perm() != fileMode {
		t.Errorf("hops.log mode %v, want %v", info.Mode().Perm(), os.FileMode(fileMode))
	}
}

// rotation.enabled: false lets the file grow.
func TestRotationDisabled(t *testing.T) {
	dir := t.TempDir()
	l, err := New(Options{File: true, Dir: dir, Rotation: Rotation{Enabled: false, MaxSize: mib}})
	if err != nil {
		t.Fatal(err)
	}
	for range 1500 {
		l.Info(line)
	}
	_ = l.Close()
	if size := fileSize(t, filepath.Join(dir, FileName)); size <= mib {
		t.Errorf("size %d: the file should grow past 1 MiB", size)
	}
	if files := rotated(t, dir); len(files) != 0 {
		t.Errorf("rotated files %v with rotation off", files)
	}
}

// compress gzips rotated files and path moves them to another folder.
func TestRotationCompressAndPath(t *testing.T) {
	dir, archive := t.TempDir(), filepath.Join(t.TempDir(), "archive")
	l, err := New(Options{File: true, Dir: dir, Rotation: Rotation{Enabled: true, MaxSize: mib, Compress: true, Path: archive}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1500 {
		l.Info(line, "n", i)
	}
	_ = l.Close()
	if files := rotated(t, dir); len(files) != 0 {
		t.Errorf("rotated files left in the log folder: %v", files)
	}
	files := rotated(t, archive)
	if len(files) != 1 || !strings.HasSuffix(files[0], gzipSuffix) {
		t.Fatalf("archive holds %v, want one .gz", files)
	}
	f, err := os.Open(filepath.Join(archive, files[0]))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil || !strings.Contains(string(data), "n=0\n") {
		t.Errorf("the archive does not hold the first line (%v)", err)
	}
}

// retention deletes rotated files older than it at the next rotation.
func TestRotationRetention(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "hops-2020-01-01T00-00-00.000.log")
	if err := os.WriteFile(old, []byte("old\n"), fileMode); err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(old, past, past); err != nil {
		t.Fatal(err)
	}
	l, err := New(Options{File: true, Dir: dir, Rotation: Rotation{Enabled: true, MaxSize: mib, Retention: 24 * time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	for range 1200 {
		l.Info(line)
	}
	_ = l.Close()
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("a rotated file past retention was kept (%v)", err)
	}
	if files := rotated(t, dir); len(files) != 1 {
		t.Errorf("rotated files %v, want the new one kept", files)
	}
}

// interval rotates a non-empty file on a timer.
func TestRotationInterval(t *testing.T) {
	dir := t.TempDir()
	l, err := New(Options{File: true, Dir: dir, Rotation: Rotation{Enabled: true, MaxSize: 64 * mib, Interval: 20 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.Info("before the tick")
	deadline := time.Now().Add(10 * time.Second)
	for len(rotated(t, dir)) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if len(rotated(t, dir)) == 0 {
		t.Fatal("no rotation on the interval")
	}
}

// logging.format: json writes one JSON object per line.
func TestJSONFormat(t *testing.T) {
	var buf bytes.Buffer
	l, err := New(Options{Level: "info", JSON: true, Stderr: true, StderrWriter: &buf})
	if err != nil {
		t.Fatal(err)
	}
	l.Info("hello", "user", "admin")
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatalf("not JSON: %q (%v)", buf.String(), err)
	}
	if m["@message"] != "hello" || m["user"] != "admin" || m["@level"] != "info" {
		t.Errorf("line = %v", m)
	}
}

// Under a service manager with both stderr and the file on, each line is
// written once: to the file; stderr gets one line saying where.
func TestServiceManagerWritesOneCopy(t *testing.T) {
	for _, env := range [][]string{{"INVOCATION_ID=abc"}, {"JOURNAL_STREAM=8:123"}, nil} {
		dir := t.TempDir()
		var stderr bytes.Buffer
		l, err := New(Options{Stderr: true, File: true, Dir: dir, Rotation: Rotation{Enabled: true, MaxSize: mib},
			Environ: func() []string { return env }, StderrWriter: &stderr})
		if err != nil {
			t.Fatal(err)
		}
		l.Info("the only copy")
		_ = l.Close()
		data, _ := os.ReadFile(filepath.Join(dir, FileName))
		inFile := strings.Count(string(data), "the only copy")
		onStderr := strings.Count(stderr.String(), "the only copy")
		if env != nil && (inFile != 1 || onStderr != 0 || !strings.Contains(stderr.String(), "logging to "+filepath.Join(dir, FileName))) {
			t.Errorf("%v: file %d, stderr %d (%q)", env, inFile, onStderr, stderr.String())
		}
		if env == nil && (inFile != 1 || onStderr != 1) {
			t.Errorf("no service manager: file %d, stderr %d; want both", inFile, onStderr)
		}
	}
}

// Plugin lines re-logged by go-plugin carry one timestamp: the plugin's
// "timestamp" argument is dropped, other arguments kept, also through
// Named and With.
func TestPluginLinesCarryOneTimestamp(t *testing.T) {
	var buf bytes.Buffer
	base := hclog.New(&hclog.LoggerOptions{Output: &buf, Level: hclog.Debug})
	l := ForPlugins(base).Named("records").With("family", "records")
	l.Debug("store open", "dir", "/x", "timestamp", "2026-12-07T00:10:10.667Z")
	l.Info("plain")
	out := buf.String()
	if strings.Contains(out, "timestamp=") || !strings.Contains(out, "dir=/x") || !strings.Contains(out, "family=records") {
		t.Errorf("output:\n%s", out)
	}
}

// A null maxSize rotates by interval only: the file grows past 1 MiB.
func TestRotationWithoutMaxSize(t *testing.T) {
	dir := t.TempDir()
	l, err := New(Options{File: true, Dir: dir, Rotation: Rotation{Enabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	for range 1500 {
		l.Info(line)
	}
	_ = l.Close()
	if size := fileSize(t, filepath.Join(dir, FileName)); size <= mib {
		t.Errorf("size %d: without maxSize the file should grow past 1 MiB", size)
	}
	if files := rotated(t, dir); len(files) != 0 {
		t.Errorf("rotated by size without a maxSize: %v", files)
	}
}
