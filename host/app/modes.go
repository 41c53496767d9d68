package app

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/hashicorp/go-hclog"
)

// Modes of what holds secrets: users' password hashes (database/
// system.db), private keys (keys/, database/certs.db), the config file
// (TLS paths, the plugins list) and logs (usernames, client addresses).
const (
	// processUmask makes every file and directory hops and its families
	// create private to hops' user, whatever umask hops was started with:
	// 0600 files, 0700 directories (an export a user asks for included).
	processUmask   = 0o077
	secretDirMode  = 0o700
	secretFileMode = 0o600
)

// restrictUmask sets the process umask (inherited by the families hops
// starts) and returns the one it replaces.
func restrictUmask() int { return syscall.Umask(processUmask) }

// secureModes tightens what an older hops, or a umask of 022, left open
// to other users: the root, database/, keys/ and backup/ (recursively),
// the config file, and the log files hops writes (and the log directory
// when it is inside the root). Each change is logged; errors are logged
// and do not stop the start.
func secureModes(root, configFile, logDir string, log hclog.Logger) {
	fix := func(path string, want fs.FileMode) {
		st, err := os.Lstat(path)
		if err != nil || st.Mode()&fs.ModeSymlink != 0 {
			return
		}
		if st.Mode().Perm()&^want == 0 {
			return
		}
		if err := os.Chmod(path, st.Mode().Perm()&want); err != nil {
			log.Warn("cannot restrict the mode of a file holding secrets", "path", path, "error", err)
			return
		}
		log.Warn("restricted the mode of a file holding secrets", "path", path, "was", st.Mode().Perm().String())
	}
	tree := func(dir string) {
		_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				if !errors.Is(err, fs.ErrNotExist) {
					log.Warn("cannot walk a directory holding secrets", "path", path, "error", err)
				}
				return nil
			case d.IsDir():
				fix(path, secretDirMode)
			case d.Type().IsRegular():
				fix(path, secretFileMode)
			}
			return nil
		})
	}
	fix(root, secretDirMode)
	for _, sub := range []string{"database", "keys", "backup"} {
		tree(filepath.Join(root, sub))
	}
	if configFile != "" {
		fix(configFile, secretFileMode)
	}
	if logDir == "" {
		return
	}
	if rel, err := filepath.Rel(root, logDir); err == nil && !strings.HasPrefix(rel, "..") {
		fix(logDir, secretDirMode)
	}
	files, _ := filepath.Glob(filepath.Join(logDir, "hops*.log*"))
	for _, f := range files {
		fix(f, secretFileMode)
	}
}
