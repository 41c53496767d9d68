package certstore

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tidwall/buntdb"
)

// change is a checked record about to be saved, with its parsed
// certificate and, when one was given, its key.
type change struct {
	rec   stored
	chain *chain
	key   *parsedKey
}

// Add adds the certificate in.Name, replacing any record of that name (and
// its key file). Errors for bad input are *Error with status 400; any other
// error is a fault.
//
// With in.PrivateKey the key must match the certificate and is written to
// <keys>/<name>.pem. Without it, the key files on disk are searched for
// one matching the certificate and the record names that file; when none
// matches, an authority is stored without a key and anything else is
// refused with MsgNoSuitableKey. Expired certificates are accepted.
//
// Order of work, so no state is half-written: the key goes to a temporary
// file, the record is committed, then the key file is renamed into place;
// a failure at any step removes the temporary and undoes the record.
func (s *Store) Add(in AddInput) error {
	c, err := check(in)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.dropListed()
	if err := s.save(c, nil); err != nil {
		return err
	}
	s.gen.Add(1)
	return nil
}

// check validates in and parses its PEMs.
func check(in AddInput) (*change, error) {
	if err := checkName(in.Name); err != nil {
		return nil, err
	}
	if in.Certificate == "" {
		return nil, badRequest(MsgRequired, "certificate")
	}
	ch, err := parseChain(in.Certificate)
	if err != nil {
		return nil, err
	}
	c := &change{chain: ch, rec: stored{
		Name:        in.Name,
		Certificate: in.Certificate,
		IsAuthority: in.IsAuthority,
		Uses:        nonNil(in.Uses),
		Hosts:       in.Hosts,
	}}
	if c.rec.Hosts == nil {
		c.rec.Hosts = defaultHosts(ch.leaf)
	}
	if in.PrivateKey != "" {
		if c.key, err = parseKey([]byte(in.PrivateKey)); err != nil {
			return nil, err
		}
		if !keyMatches(ch.leaf, c.key.signer) {
			return nil, badRequest(MsgKeyMismatch)
		}
	}
	return c, nil
}

// defaultHosts are the certificate's DNS SANs, else its CN, else none.
func defaultHosts(cert *x509.Certificate) []string {
	if len(cert.DNSNames) > 0 {
		return append([]string(nil), cert.DNSNames...)
	}
	if cert.Subject.CommonName != "" {
		return []string{cert.Subject.CommonName}
	}
	return []string{}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// save stores c (and meta keys, in the same transaction). The caller holds
// the write lock.
func (s *Store) save(c *change, meta map[string]string) error {
	records, err := s.allRecords()
	if err != nil {
		return err
	}
	var tmp string
	if c.key != nil {
		if tmp, err = s.stageKey(c, records); err != nil {
			return err
		}
	} else if c.rec.PrivateKeyName, err = s.findKey(c.chain.leaf); err != nil {
		return err
	} else if c.rec.PrivateKeyName == "" && !c.rec.IsAuthority {
		return badRequest(MsgNoSuitableKey)
	}

	prev, hadPrev, prevMeta, err := s.commit(c, meta)
	if err != nil {
		removeTemp(tmp)
		return err
	}
	if tmp != "" {
		if err := s.install(tmp, c.rec.PrivateKeyName); err != nil {
			removeTemp(tmp)
			return errors.Join(err, s.undo(c.rec.Name, prev, hadPrev, prevMeta))
		}
	}
	if hadPrev && prev.PrivateKeyName != c.rec.PrivateKeyName {
		after := replaceRecord(records, c.rec)
		// The change is saved; a failure to drop the old key only leaves an
		// unreferenced key file behind, so it is not reported as a failure.
		_ = s.removeKeyIfUnused(prev.PrivateKeyName, after)
	}
	return nil
}

// stageKey writes c's key to a temporary file and names the key file in
// the record. It refuses to overwrite <name>.pem while another record uses
// a different key in it.
func (s *Store) stageKey(c *change, records []stored) (string, error) {
	keyFile := keyFileName(c.rec.Name)
	if other := userOf(records, keyFile, c.rec.Name); other != "" {
		cur, err := s.readKey(keyFile)
		if err != nil || !sameKey(cur.signer, c.key.signer) {
			return "", badRequest(MsgKeyFileInUse, keyFile, other)
		}
	}
	c.rec.PrivateKeyName = keyFile
	return s.writeTemp(keyFile, c.key.pem)
}

// commit saves the record and meta keys in one transaction and returns what
// they replaced, for undo.
func (s *Store) commit(c *change, meta map[string]string) (prev stored, hadPrev bool, prevMeta map[string]string, err error) {
	prevMeta = map[string]string{}
	err = s.db.Update(func(tx *buntdb.Tx) error {
		if prev, hadPrev, err = getRecord(tx, c.rec.Name); err != nil {
			return err
		}
		if err := s.writeRecord(tx, &c.rec); err != nil {
			return err
		}
		for k, v := range meta {
			old, err := tx.Get(k)
			if err != nil && !errors.Is(err, buntdb.ErrNotFound) {
				return err
			}
			prevMeta[k] = old
			if _, _, err := tx.Set(k, v, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return stored{}, false, nil, fmt.Errorf("certstore: save certificate %q: %w", c.rec.Name, err)
	}
	return prev, hadPrev, prevMeta, nil
}

// install renames the temporary key file into place and syncs the directory.
func (s *Store) install(tmp, keyFile string) error {
	if err := s.rename(tmp, filepath.Join(s.keysDir, keyFile)); err != nil {
		return fmt.Errorf("certstore: install key file: %w", err)
	}
	return s.syncKeysDir()
}

// undo restores the record (and meta keys) a failed save replaced.
func (s *Store) undo(name string, prev stored, hadPrev bool, prevMeta map[string]string) error {
	err := s.db.Update(func(tx *buntdb.Tx) error {
		if hadPrev {
			if err := putRecord(tx, &prev); err != nil {
				return err
			}
		} else if _, err := tx.Delete(recordPrefix + name); err != nil && !errors.Is(err, buntdb.ErrNotFound) {
			return err
		}
		for k, v := range prevMeta {
			var err error
			if v == "" {
				_, err = tx.Delete(k)
			} else {
				_, _, err = tx.Set(k, v, nil)
			}
			if err != nil && !errors.Is(err, buntdb.ErrNotFound) {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("certstore: undo save of %q: %w", name, err)
	}
	return nil
}

// removeTemp deletes a temporary key file, if any.
func removeTemp(tmp string) {
	if tmp != "" {
		_ = os.Remove(tmp)
	}
}

// replaceRecord returns records with rec in place of its namesake.
func replaceRecord(records []stored, rec stored) []stored {
	out := make([]stored, 0, len(records)+1)
	for _, r := range records {
		if r.Name != rec.Name {
			out = append(out, r)
		}
	}
	return append(out, rec)
}

// Remove deletes the record name and its key file, unless another record
// still names that key file. An unknown name is a 404 *Error (MsgNotFound).
func (s *Store) Remove(name string) error {
	if name == "" {
		return badRequest(MsgRequired, "name")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.dropListed()
	var prev stored
	err := s.db.Update(func(tx *buntdb.Tx) error {
		var ok bool
		var err error
		if prev, ok, err = getRecord(tx, name); err != nil {
			return err
		}
		if !ok {
			return notFound(name)
		}
		_, err = tx.Delete(recordPrefix + name)
		return err
	})
	if e, ok := AsError(err); ok {
		return e
	}
	if err != nil {
		return fmt.Errorf("certstore: remove certificate %q: %w", name, err)
	}
	s.gen.Add(1)
	records, err := s.allRecords()
	if err != nil {
		return err
	}
	// The record is gone; a key file left behind (removal failed) is
	// unreferenced and harmless, so the removal still succeeded.
	_ = s.removeKeyIfUnused(prev.PrivateKeyName, records)
	return nil
}
