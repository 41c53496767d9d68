package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// writeAtomic replaces path with data so that a reader (or a crash) sees
// either the old file or the new one, never a mix: it writes a temporary
// file in the same directory, fsyncs it, renames it over path and fsyncs the
// directory. An existing file keeps its mode; a new one gets mode. A symlink
// at path is followed, so the file it points to is replaced.
func writeAtomic(path string, data []byte, mode os.FileMode) (err error) {
	if target, lerr := filepath.EvalSymlinks(path); lerr == nil {
		path = target
	}
	if info, serr := os.Stat(path); serr == nil {
		mode = info.Mode().Perm()
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("config: creating a temporary file in %s: %w", dir, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("config: writing %s: %w", tmp.Name(), err)
	}
	if err = tmp.Chmod(mode); err != nil {
		return fmt.Errorf("config: chmod %s: %w", tmp.Name(), err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("config: fsync %s: %w", tmp.Name(), err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("config: closing %s: %w", tmp.Name(), err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("config: replacing %s: %w", path, err)
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable. File systems that cannot fsync a
// directory report EINVAL; the rename itself has still happened.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("config: opening %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) && !isEINVAL(err) {
		return fmt.Errorf("config: fsync %s: %w", dir, err)
	}
	return nil
}
