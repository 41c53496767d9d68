package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Key file layout: DESIGN.md's rootPath/keys, in a subdirectory of its own.
// The certs family names key files "<certificate name>.pem" directly in
// keys/ and deletes those it no longer uses, so a certificate named
// "jwt-signing" could otherwise overwrite or remove the signing key; it
// skips directories.
const (
	keysDir        = "keys/auth"
	signingKeyFile = "jwt-signing.pem"
	keysDirMode    = 0o700
	keyFileMode    = 0o600
	pemKeyType     = "PRIVATE KEY"
)

// Token types, the value of the "type" claim.
const (
	tokenOperation = "operation"
	tokenRefresh   = "refresh"
)

// claims are a token's claims: sub is the username, jti a refresh
// token's id.
type claims struct {
	Type string `json:"type"`
	// Account is the account id of the user the token was issued to.
	Account string `json:"aid"`
	jwt.RegisteredClaims
}

// signer holds the Ed25519 key tokens are signed with.
type signer struct {
	key ed25519.PrivateKey
	pub ed25519.PublicKey
	kid string // keyID(pub), the "kid" header of the tokens it signs
}

// loadSigner reads rootPath/keys/auth/jwt-signing.pem, creating it on first
// start. The file is written under a temporary name and linked into place,
// so a concurrent start never reads half a key and the first writer wins.
func loadSigner(rootPath string) (*signer, error) {
	dir := filepath.Join(rootPath, filepath.FromSlash(keysDir))
	if err := os.MkdirAll(dir, keysDirMode); err != nil {
		return nil, fmt.Errorf("auth: create %s: %w", dir, err)
	}
	path := filepath.Join(dir, signingKeyFile)
	if sg, err := readSigner(path); !errors.Is(err, os.ErrNotExist) {
		return sg, err
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("auth: generate signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("auth: encode signing key: %w", err)
	}
	tmp, err := os.CreateTemp(dir, signingKeyFile+".tmp*")
	if err != nil {
		return nil, fmt.Errorf("auth: write signing key: %w", err)
	}
	defer os.Remove(tmp.Name())
	werr := pem.Encode(tmp, &pem.Block{Type: pemKeyType, Bytes: der})
	if err := errors.Join(werr, tmp.Chmod(keyFileMode), tmp.Sync(), tmp.Close()); err != nil {
		return nil, fmt.Errorf("auth: write signing key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("auth: install signing key: %w", err)
	}
	return readSigner(path)
}

func readSigner(path string) (*signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("auth: read signing key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != pemKeyType {
		return nil, fmt.Errorf("auth: %s holds no %q PEM block", path, pemKeyType)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("auth: parse signing key %s: %w", path, err)
	}
	key, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("auth: %s is a %T, want an Ed25519 key", path, k)
	}
	pub := key.Public().(ed25519.PublicKey)
	return &signer{key: key, pub: pub, kid: keyID(pub)}, nil
}

// issue signs a token of the given type for u's account, valid for ttl;
// id is a refresh token's id (jti), "" for an operation token.
func (s *Service) issue(u *user, typ, id string, ttl time.Duration) (string, error) {
	now := s.now()
	c := claims{Type: typ, Account: u.AccountID, RegisteredClaims: jwt.RegisteredClaims{
		Subject:   u.Username,
		ID:        id,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
	}}
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
	t.Header["kid"] = s.signer.kid
	tok, err := t.SignedString(s.signer.key)
	if err != nil {
		return "", fmt.Errorf("auth: sign token: %w", err)
	}
	return tok, nil
}

// parseToken verifies a token's signature (EdDSA only) and expiry. Errors
// are 401 "token expired" or "invalid token".
func (s *Service) parseToken(token string) (*claims, error) {
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, s.verifyKey,
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(s.now))
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, unauthorized(MsgTokenExpired)
	case err != nil || c.Subject == "" || c.Account == "" || (c.Type != tokenOperation && c.Type != tokenRefresh):
		return nil, unauthorized(MsgInvalidToken)
	}
	return &c, nil
}
