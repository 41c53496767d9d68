package exporter

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// tempSuffixBytes is how many random bytes name a linked temp file:
// enough that two exports of one name never pick the same one.
const tempSuffixBytes = 8

// openUnnamed opens a file in dir that has no name (O_TMPFILE): if the
// process dies before Commit, the kernel frees it and nothing is left in
// dir. File systems without O_TMPFILE answer an error, and the caller
// falls back to a named temp file.
func openUnnamed(dir string) (*os.File, error) {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open unnamed file in %s: %w", dir, err)
	}
	return os.NewFile(uintptr(fd), filepath.Join(dir, "(unnamed)")), nil
}

// linkUnnamed gives the unnamed file f a hidden name in dir made from
// pattern (its "*" replaced by random hex) and returns that path. linkat
// through /proc/self/fd needs no privilege, unlike AT_EMPTY_PATH.
func linkUnnamed(f *os.File, dir, pattern string) (string, error) {
	var rnd [tempSuffixBytes]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return "", fmt.Errorf("temp name: %w", err)
	}
	tmp := filepath.Join(dir, strings.Replace(pattern, "*", hex.EncodeToString(rnd[:]), 1))
	proc := "/proc/self/fd/" + strconv.Itoa(int(f.Fd()))
	if err := unix.Linkat(unix.AT_FDCWD, proc, unix.AT_FDCWD, tmp, unix.AT_SYMLINK_FOLLOW); err != nil {
		return "", fmt.Errorf("link export file to %s: %w", tmp, err)
	}
	return tmp, nil
}
