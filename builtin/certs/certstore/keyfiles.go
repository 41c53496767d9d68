package certstore

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Key files are <keys>/<name>.pem. A key being added is first written to
// <name>.pem.<random>.tmp and renamed into place once its record is saved.
const (
	keyFileSuffix = ".pem"
	tempSuffix    = ".tmp"
	// maxKeyFileSize bounds what is read from a file in the keys directory:
	// a PEM private key is under 10 KiB (RSA-8192 is about 6.5 KiB), so a
	// larger file is not a key and is skipped instead of read whole.
	maxKeyFileSize = 64 << 10
)

// keyFileName is the key file an added key is written to.
func keyFileName(name string) string { return name + keyFileSuffix }

// writeTemp writes pemBytes to a new temporary file beside keyFile, mode
// 0600, synced, and returns its path.
func (s *Store) writeTemp(keyFile string, pemBytes []byte) (string, error) {
	f, err := os.CreateTemp(s.keysDir, keyFile+".*"+tempSuffix)
	if err != nil {
		return "", fmt.Errorf("certstore: create key file: %w", err)
	}
	tmp := f.Name()
	err = f.Chmod(keyFileMode)
	if err == nil {
		_, err = f.Write(pemBytes)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("certstore: write key file: %w", err)
	}
	return tmp, nil
}

// syncKeysDir makes a rename or removal in the keys directory durable.
func (s *Store) syncKeysDir() error {
	d, err := os.Open(s.keysDir)
	if err != nil {
		return fmt.Errorf("certstore: open keys directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("certstore: sync keys directory: %w", err)
	}
	return nil
}

// readKey parses the key file called name in the keys directory.
func (s *Store) readKey(name string) (*parsedKey, error) {
	return readKeyPath(filepath.Join(s.keysDir, name))
}

// readKeyPath parses the key file at path, refusing files too large to be
// a key.
func readKeyPath(path string) (*parsedKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxKeyFileSize {
		return nil, fmt.Errorf("%s: larger than %d bytes, not a key", path, maxKeyFileSize)
	}
	return parseKey(b)
}

// keyFiles lists the candidate key files (regular, not temporary), the
// most recently written first, ties by name: when several files hold the
// same key, the newest is the one most likely added for this certificate.
func (s *Store) keyFiles() ([]string, error) {
	entries, err := os.ReadDir(s.keysDir)
	if err != nil {
		return nil, fmt.Errorf("certstore: list keys: %w", err)
	}
	type file struct {
		name string
		mod  int64
	}
	var files []file
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasSuffix(e.Name(), tempSuffix) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		if info.Size() <= maxKeyFileSize {
			files = append(files, file{e.Name(), info.ModTime().UnixNano()})
		}
	}
	sort.Slice(files, func(i, j int) bool {
		if files[i].mod != files[j].mod {
			return files[i].mod > files[j].mod
		}
		return files[i].name < files[j].name
	})
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.name
	}
	return names, nil
}

// findKey returns the name of a key file whose key matches cert, or "".
// Files that are not parsable keys are skipped.
func (s *Store) findKey(cert *x509.Certificate) (string, error) {
	names, err := s.keyFiles()
	if err != nil {
		return "", err
	}
	for _, name := range names {
		key, err := s.readKey(name)
		if err == nil && keyMatches(cert, key.signer) {
			return name, nil
		}
	}
	return "", nil
}

// removeKeyIfUnused deletes the key file unless one of records names it.
// A missing file is not an error.
func (s *Store) removeKeyIfUnused(keyFile string, records []stored) error {
	if keyFile == "" || userOf(records, keyFile, "") != "" {
		return nil
	}
	err := os.Remove(filepath.Join(s.keysDir, keyFile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("certstore: remove key file: %w", err)
	}
	return s.syncKeysDir()
}

// userOf returns the name of a record other than except that uses keyFile,
// or "".
func userOf(records []stored, keyFile, except string) string {
	for _, r := range records {
		if r.PrivateKeyName == keyFile && r.Name != except {
			return r.Name
		}
	}
	return ""
}

// recoverTempFiles finishes or discards key files a crash left as
// temporaries. Add saves the record before renaming the key into place, so
// a temporary whose key matches the record naming its target is rolled
// forward (unless the target already holds that record's key); any other
// temporary never got a record and is deleted.
func (s *Store) recoverTempFiles() error {
	entries, err := os.ReadDir(s.keysDir)
	if err != nil {
		return fmt.Errorf("certstore: list keys: %w", err)
	}
	records, err := s.allRecords()
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), tempSuffix) {
			continue
		}
		tmp := filepath.Join(s.keysDir, e.Name())
		target := tempTarget(e.Name())
		if target != "" && s.tempCompletes(tmp, target, records) {
			if err := os.Rename(tmp, filepath.Join(s.keysDir, target)); err != nil {
				return fmt.Errorf("certstore: recover key file %s: %w", target, err)
			}
			continue
		}
		if err := os.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("certstore: remove stale key file: %w", err)
		}
	}
	return s.syncKeysDir()
}

// tempTarget maps "<name>.pem.<random>.tmp" to "<name>.pem"; "" if the name
// has another shape.
func tempTarget(tmpName string) string {
	i := strings.LastIndex(tmpName, keyFileSuffix+".")
	if i < 0 {
		return ""
	}
	return tmpName[:i+len(keyFileSuffix)]
}

// tempCompletes reports whether the temporary key must become target: some
// record names target, the temporary's key matches that record's
// certificate, and target does not already hold a matching key.
func (s *Store) tempCompletes(tmp, target string, records []stored) bool {
	key, err := readKeyPath(tmp)
	if err != nil {
		return false
	}
	for _, r := range records {
		if r.PrivateKeyName != target {
			continue
		}
		c, err := parseChain(r.Certificate)
		if err != nil || !keyMatches(c.leaf, key.signer) {
			continue
		}
		if cur, err := s.readKey(target); err == nil && keyMatches(c.leaf, cur.signer) {
			return false
		}
		return true
	}
	return false
}
