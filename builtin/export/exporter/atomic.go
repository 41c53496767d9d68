package exporter

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// exportFileMode is the mode of a committed export: a data file other
// tools read, as a file created under the usual umask 022 would be
// (os.CreateTemp makes the temp file 0600).
const exportFileMode = 0o644

// ErrFileDone is returned by AtomicFile.Write and Commit after Commit or
// Abort has run.
var ErrFileDone = errors.New("exporter: export file already committed or aborted")

// AtomicFile is an export file being written: the bytes go to a file in
// the destination directory that has no name (Linux O_TMPFILE) or a hidden
// temp name (elsewhere, or on a file system without O_TMPFILE), and only
// Commit makes them visible under the final name, all at once. A reader
// never sees a half-written export and a failed job leaves nothing behind;
// with an unnamed file, neither does a process killed mid-export.
//
// Use: f, err := CreateAtomic(dir, name); defer f.Abort(); write; f.Commit().
// Not safe for concurrent use.
type AtomicFile struct {
	f     *os.File
	dir   string
	final string
	done  bool
	// unnamed is set when f has no name yet (O_TMPFILE): Commit links it
	// to a temp name before the rename, Abort only closes it.
	unnamed bool
}

// CreateAtomic starts an export file that Commit will publish as
// <dir>/<name>, replacing any file of that name. name must be a plain file
// name (no separators, no ".."); otherwise the error is an *Error with
// MsgFilenameInvalid.
func CreateAtomic(dir, name string) (*AtomicFile, error) {
	if !plainName(name) {
		return nil, badRequest(MsgFilenameInvalid)
	}
	a := &AtomicFile{dir: dir, final: filepath.Join(dir, name)}
	if f, err := openUnnamed(dir); err == nil {
		a.f, a.unnamed = f, true
		return a, nil
	}
	f, err := os.CreateTemp(dir, tempPattern(name))
	if err != nil {
		return nil, fmt.Errorf("create export file in %s: %w", dir, err)
	}
	a.f = f
	return a, nil
}

// tempPattern is the os.CreateTemp pattern of the hidden temp name of an
// export called name.
func tempPattern(name string) string { return "." + name + ".tmp-*" }

// Path is where the file appears after Commit.
func (a *AtomicFile) Path() string { return a.final }

// Write implements io.Writer, into the temp file.
func (a *AtomicFile) Write(p []byte) (int, error) {
	if a.done {
		return 0, ErrFileDone
	}
	return a.f.Write(p)
}

// Commit flushes the file to disk, gives it its final mode and renames it
// to Path, then syncs the directory so the rename survives a crash. On any
// failure the temp file is removed and nothing is published.
func (a *AtomicFile) Commit() error {
	if a.done {
		return ErrFileDone
	}
	a.done = true
	tmp := a.f.Name()
	err := a.f.Sync()
	if err == nil {
		err = a.f.Chmod(exportFileMode)
	}
	if err == nil && a.unnamed {
		// The link may not take the final name: linkat never replaces a
		// file, and an export replaces one of its name.
		tmp, err = linkUnnamed(a.f, a.dir, tempPattern(filepath.Base(a.final)))
	}
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, a.final)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("commit export file %s: %w", a.final, err)
	}
	if err := syncDir(a.dir); err != nil {
		return fmt.Errorf("commit export file %s: %w", a.final, err)
	}
	return nil
}

// Abort discards the temp file. It is a no-op after Commit or a previous
// Abort, so it can always be deferred.
func (a *AtomicFile) Abort() error {
	if a.done {
		return nil
	}
	a.done = true
	tmp := a.f.Name()
	cerr := a.f.Close()
	if a.unnamed { // closing an unnamed file frees it
		tmp = "(unnamed)"
	} else if err := os.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove temp export file %s: %w", tmp, err)
	}
	if cerr != nil && !errors.Is(cerr, os.ErrClosed) {
		return fmt.Errorf("close temp export file %s: %w", tmp, cerr)
	}
	return nil
}

// syncDir fsyncs a directory so a rename inside it is durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory: %w", err)
	}
	return nil
}
