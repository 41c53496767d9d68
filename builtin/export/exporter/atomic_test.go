package exporter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// dirNames lists the entries of dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestAtomicFileCommit(t *testing.T) {
	dir := t.TempDir()
	f, err := CreateAtomic(dir, "out.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("[1,")); err != nil {
		t.Fatal(err)
	}
	// Mid-write, a reader sees no export file at all.
	if _, err := os.Stat(filepath.Join(dir, "out.json")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("final file visible before Commit: %v", err)
	}
	_, _ = f.Write([]byte("2]"))
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(f.Path())
	if err != nil || string(data) != "[1,2]" {
		t.Fatalf("committed file = %q, %v", data, err)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"out.json"}) {
		t.Errorf("directory holds %q, want only out.json", names)
	}
	if info, _ := os.Stat(f.Path()); info.Mode().Perm() != exportFileMode {
		t.Errorf("mode = %v, want %v", info.Mode().Perm(), os.FileMode(exportFileMode))
	}
	if err := f.Abort(); err != nil {
		t.Errorf("Abort after Commit = %v, want no-op", err)
	}
	if _, err := os.Stat(f.Path()); err != nil {
		t.Errorf("Abort after Commit removed the export: %v", err)
	}
	if _, err := f.Write([]byte("x")); !errors.Is(err, ErrFileDone) {
		t.Errorf("Write after Commit = %v", err)
	}
	if err := f.Commit(); !errors.Is(err, ErrFileDone) {
		t.Errorf("second Commit = %v", err)
	}
}

func TestAtomicFileCommitReplacesExisting(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "out.csv")
	if err := os.WriteFile(target, []byte("old contents, longer than new"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, _ := CreateAtomic(dir, "out.csv")
	_, _ = f.Write([]byte("new"))
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(target); string(data) != "new" {
		t.Errorf("file = %q, want new", data)
	}
}

func TestAtomicFileAbortLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	f, err := CreateAtomic(dir, "out.json")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.Write([]byte("[half"))
	// Mid-write the directory holds nothing (an unnamed file) or one
	// hidden temp file (the fallback), never the export's name.
	want := 1
	if f.unnamed {
		want = 0
	}
	if names := dirNames(t, dir); len(names) != want || slices.Contains(names, "out.json") {
		t.Fatalf("mid-write directory holds %q (unnamed %v)", names, f.unnamed)
	}
	if err := f.Abort(); err != nil {
		t.Fatal(err)
	}
	if names := dirNames(t, dir); len(names) != 0 {
		t.Errorf("Abort left %q", names)
	}
	if err := f.Abort(); err != nil {
		t.Errorf("second Abort = %v", err)
	}
}

func TestCreateAtomicRefusesUnsafeNames(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"", ".", "..", "../x.json", "a/b.json", "a\\b", "x\x00.json"} {
		_, err := CreateAtomic(dir, name)
		wantBadRequest(t, err, MsgFilenameInvalid)
	}
	if _, err := CreateAtomic(filepath.Join(dir, "missing"), "x.json"); err == nil {
		t.Error("missing directory accepted")
	}
}

func TestExportLocal(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ format, msg, content string }{
		{FormatJSON, MsgLocalJSONDone, `[{"id":1,"name":"a"},{"id":2,"name":"b, c"}]`},
		{FormatCSV, MsgLocalCSVDone, "id,name\n1,a\n2,\"b, c\"\n"},
	} {
		req, err := DecodeLocal([]byte(fmt.Sprintf(`{"format":%q,"path":%q,"filename":"dogs","search_operation":%s}`, tc.format, dir, sqlSearch)))
		if err != nil {
			t.Fatal(err)
		}
		res, err := ExportLocal(context.Background(), req, strings.NewReader(tc.content))
		if err != nil {
			t.Fatal(err)
		}
		if res.Message != tc.msg || res.Path != filepath.Join(dir, "dogs."+tc.format) {
			t.Errorf("result = %+v", res)
		}
		if data, _ := os.ReadFile(res.Path); string(data) != tc.content {
			t.Errorf("%s file = %q, want %q", tc.format, data, tc.content)
		}
	}
}

func TestExportLocalFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	req := LocalRequest{Format: FormatCSV, Path: dir, Filename: "broken"}
	file := bytes.Repeat([]byte("1,xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"), 5000)
	errStore := errors.New("store read failed")
	_, err := ExportLocal(context.Background(), req, io.MultiReader(bytes.NewReader(file), failingReader{errStore}))
	if !errors.Is(err, errStore) {
		t.Fatalf("err = %v, want the source's error", err)
	}
	if names := dirNames(t, dir); len(names) != 0 {
		t.Errorf("failed export left %q", names)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ExportLocal(ctx, req, bytes.NewReader(file)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled export err = %v", err)
	}
	if names := dirNames(t, dir); len(names) != 0 {
		t.Errorf("cancelled export left %q", names)
	}
}

func TestAtomicFileOfAKilledWriterLeavesNothing(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("unnamed files need Linux O_TMPFILE")
	}
	dir := t.TempDir()
	f, err := CreateAtomic(dir, "out.csv")
	if err != nil {
		t.Fatal(err)
	}
	if !f.unnamed {
		t.Skip("the temp directory's file system has no O_TMPFILE")
	}
	_, _ = f.Write([]byte("a,b\n1,2\n"))
	// A process killed now never runs Abort: closing the descriptor, as
	// the kernel does at exit, must leave the directory empty.
	_ = f.f.Close()
	if names := dirNames(t, dir); len(names) != 0 {
		t.Fatalf("a dead writer left %q", names)
	}
}

func TestAtomicFileCommitsAnUnnamedFileBesideAnExistingOne(t *testing.T) {
	dir := t.TempDir()
	for i := range 2 { // the second commit replaces the first
		f, err := CreateAtomic(dir, "out.json")
		if err != nil {
			t.Fatal(err)
		}
		body := fmt.Sprintf("[%d]", i)
		_, _ = f.Write([]byte(body))
		if err := f.Commit(); err != nil {
			t.Fatal(err)
		}
		if data, _ := os.ReadFile(f.Path()); string(data) != body {
			t.Fatalf("commit %d: file %q", i, data)
		}
		if names := dirNames(t, dir); !slices.Equal(names, []string{"out.json"}) {
			t.Fatalf("commit %d: directory holds %q", i, names)
		}
	}
}
