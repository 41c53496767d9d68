package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Hash functions authentication.hashFunction accepts: the two HarperDB 4.5+
// documents. HarperDB's md5 (replaced in 4.5) is refused.
const (
	// HashSHA256 hashes new passwords with PBKDF2-HMAC-SHA256
	// (DefaultPBKDF2Iterations rounds, 16-byte random salt). HarperDB's
	// sha256 is one salted SHA-256, which a stolen database gives up to an
	// offline guesser at billions a second; hops keeps the name and the
	// function and stretches it.
	HashSHA256 = "sha256"
	// HashArgon2id hashes new passwords with argon2id (RFC 9106):
	// DefaultArgon2Memory KiB, DefaultArgon2Time passes, one lane.
	HashArgon2id = "argon2id"
)

// Hash parameters of new passwords. Existing hashes keep the parameters
// they carry.
const (
	// DefaultPBKDF2Iterations keeps one sha256 verification near bcrypt
	// cost 10's (tens of ms on the project's machines), inside the 100 ms
	// login budget.
	DefaultPBKDF2Iterations = 300_000
	// DefaultArgon2Memory (KiB) and DefaultArgon2Time are OWASP's first
	// argon2id setting (19 MiB, 2 passes, 1 lane): tens of ms a
	// verification.
	DefaultArgon2Memory = 19 * 1024
	DefaultArgon2Time   = 2
	// saltBytes is the salt of a new hash.
	saltBytes = 16
	// keyBytes is the derived key of a new hash.
	keyBytes = 32
)

// Prefixes of stored hashes; the prefix says how to verify.
const (
	prefixPBKDF2  = "$pbkdf2-sha256$"
	prefixArgon2  = "$argon2id$"
	prefixBcrypt2 = "$2" // $2a$, $2b$, $2y$: bcrypt, what hops stored before hashFunction acted
)

// errMismatch is a wrong password.
var errMismatch = errors.New("auth: password does not match")

// argon2Slots bounds concurrent argon2id verifications: each holds its
// memory parameter (19 MiB by default) while it runs, so a flood of
// logins from many addresses must not multiply it without bound.
var argon2Slots = make(chan struct{}, max(2, 2*runtime.GOMAXPROCS(0)))

// hasher makes new password hashes.
type hasher struct {
	function   string
	iterations int    // PBKDF2
	memory     uint32 // argon2, KiB
	time       uint32 // argon2
}

// newHasher checks the configured function; anything else is refused at
// start with a message naming the key.
func newHasher(o Options) (hasher, error) {
	h := hasher{function: strings.ToLower(o.HashFunction), iterations: o.PBKDF2Iterations,
		memory: o.Argon2Memory, time: o.Argon2Time}
	switch h.function {
	case HashSHA256, HashArgon2id:
		return h, nil
	}
	return h, fmt.Errorf("authentication.hashFunction %q is not supported: use %q or %q", o.HashFunction, HashSHA256, HashArgon2id)
}

// hash returns the stored form of a new password.
func (h hasher) hash(pw []byte) ([]byte, error) {
	salt := randomKey()[:saltBytes]
	switch h.function {
	case HashArgon2id:
		return h.format(salt, argon2.IDKey(pw, salt, h.time, h.memory, 1, keyBytes)), nil
	default:
		key, err := pbkdf2.Key(sha256.New, string(pw), salt, h.iterations, keyBytes)
		if err != nil {
			return nil, err
		}
		return h.format(salt, key), nil
	}
}

// dummy returns a stored hash with h's function and parameters, a random
// salt and a random key in place of a derived one: verifying a password
// against it costs what verifying against a real hash of h costs, and no
// password matches it (the key is no derivation's output but for a 2^-256
// chance). Making it costs no hashing.
func (h hasher) dummy() []byte {
	return h.format(randomKey()[:saltBytes], randomKey()[:keyBytes])
}

// format is the stored form of a derived key and its salt.
func (h hasher) format(salt, key []byte) []byte {
	b64 := base64.RawStdEncoding
	if h.function == HashArgon2id {
		return fmt.Appendf(nil, "%sv=%d$m=%d,t=%d,p=1$%s$%s", prefixArgon2, argon2.Version, h.memory, h.time,
			b64.EncodeToString(salt), b64.EncodeToString(key))
	}
	return fmt.Appendf(nil, "%s%d$%s$%s", prefixPBKDF2, h.iterations, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// verifyHash checks pw against a stored hash of any function hops has
// written: pbkdf2-sha256, argon2id, or bcrypt. nil means it matches.
// pause, when not nil, is called before the hash starts and, for PBKDF2,
// every lanePauseRounds rounds (the low lane's yield to the normal lane,
// lanes.go); argon2id and bcrypt run in one piece after the first call.
func verifyHash(stored, pw []byte, pause func()) error {
	if pause != nil {
		pause()
	}
	switch {
	case bytes.HasPrefix(stored, []byte(prefixPBKDF2)):
		return verifyPBKDF2(string(stored[len(prefixPBKDF2):]), pw, pause)
	case bytes.HasPrefix(stored, []byte(prefixArgon2)):
		return verifyArgon2(string(stored[len(prefixArgon2):]), pw)
	case bytes.HasPrefix(stored, []byte(prefixBcrypt2)):
		return bcrypt.CompareHashAndPassword(stored, pw)
	}
	return errors.New("auth: unknown password hash format")
}

// maxPBKDF2Iterations refuses a stored hash that would take minutes.
const maxPBKDF2Iterations = 50_000_000

func verifyPBKDF2(rest string, pw []byte, pause func()) error {
	parts := strings.Split(rest, "$") // iterations, salt, key
	if len(parts) != 3 {
		return errors.New("auth: malformed pbkdf2 hash")
	}
	iter, err := strconv.Atoi(parts[0])
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[1])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[2])
	if err != nil || err1 != nil || err2 != nil || iter < 1 || iter > maxPBKDF2Iterations || len(want) == 0 {
		return errors.New("auth: malformed pbkdf2 hash")
	}
	var got []byte
	if pause == nil {
		if got, err = pbkdf2.Key(sha256.New, string(pw), salt, iter, len(want)); err != nil {
			return err
		}
	} else {
		got = pbkdf2SHA256(pw, salt, iter, len(want), pause)
	}
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return errMismatch
	}
	return nil
}

// pbkdf2SHA256 is PBKDF2-HMAC-SHA256 (RFC 8018) calling pause every
// lanePauseRounds rounds, which crypto/pbkdf2 cannot. TestPBKDF2Pausing
// checks it against crypto/pbkdf2.
func pbkdf2SHA256(pw, salt []byte, iter, keyLen int, pause func()) []byte {
	prf := hmac.New(sha256.New, pw)
	size := prf.Size()
	out := make([]byte, 0, (keyLen+size-1)/size*size)
	u := make([]byte, 0, size)
	t := make([]byte, size)
	var idx [4]byte
	for block := uint32(1); len(out) < keyLen; block++ {
		binary.BigEndian.PutUint32(idx[:], block)
		prf.Reset()
		prf.Write(salt)
		prf.Write(idx[:])
		u = prf.Sum(u[:0])
		copy(t, u)
		for n := 2; n <= iter; n++ {
			if n%lanePauseRounds == 0 {
				pause()
			}
			prf.Reset()
			prf.Write(u)
			u = prf.Sum(u[:0])
			subtle.XORBytes(t, t, u)
		}
		out = append(out, t...)
	}
	return out[:keyLen]
}

// maxArgon2Memory refuses a stored hash that would take more than 256 MiB.
const maxArgon2Memory = 256 * 1024

func verifyArgon2(rest string, pw []byte) error {
	parts := strings.Split(rest, "$") // v=19, m=..,t=..,p=.., salt, key
	if len(parts) != 4 || parts[0] != "v="+strconv.Itoa(argon2.Version) {
		return errors.New("auth: malformed argon2id hash")
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[1], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || m > maxArgon2Memory || t == 0 || p == 0 {
		return errors.New("auth: malformed argon2id hash")
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[2])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[3])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return errors.New("auth: malformed argon2id hash")
	}
	argon2Slots <- struct{}{}
	got := argon2.IDKey(pw, salt, t, m, p, uint32(len(want)))
	<-argon2Slots
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return errMismatch
	}
	return nil
}
