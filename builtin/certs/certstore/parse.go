package certstore

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
)

// PEM block types this package reads and writes.
const (
	pemCertificate = "CERTIFICATE"
	pemPKCS8       = "PRIVATE KEY"
	pemPKCS1       = "RSA PRIVATE KEY"
	pemSEC1        = "EC PRIVATE KEY"
	pemEncrypted   = "ENCRYPTED PRIVATE KEY"
	// pemECParams is what `openssl ecparam -genkey` writes before the key;
	// it is skipped, not refused.
	pemECParams = "EC PARAMETERS"
)

// chain is a parsed certificate PEM: the leaf first, then any
// intermediates, with the DER of each.
type chain struct {
	leaf  *x509.Certificate
	certs []*x509.Certificate
}

// parseChain parses a PEM holding one certificate or a chain whose first
// block is the leaf. Text around the blocks (openssl's "subject=" lines) is
// ignored; any non-CERTIFICATE block is refused.
func parseChain(pemText string) (*chain, error) {
	rest := []byte(pemText)
	var c chain
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != pemCertificate {
			return nil, badRequest(MsgCertificateNotCert)
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, badInput(MsgCertificateInvalid, err)
		}
		c.certs = append(c.certs, cert)
	}
	if len(c.certs) == 0 {
		return nil, badRequest(MsgCertificateNotPEM)
	}
	c.leaf = c.certs[0]
	return &c, nil
}

// parsedKey is a private key with the PEM block it came from, re-encoded
// as written to the key file (the original format, without extra blocks).
type parsedKey struct {
	signer crypto.Signer
	pem    []byte
}

// parseKey parses the first private key block of pemText. Encrypted keys
// and algorithms other than RSA, ECDSA and Ed25519 are refused.
func parseKey(pemText []byte) (*parsedKey, error) {
	rest := pemText
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, badRequest(MsgKeyNotPEM)
		}
		switch block.Type {
		case pemECParams:
			continue
		case pemEncrypted:
			return nil, badRequest(MsgKeyEncrypted)
		case pemPKCS8, pemPKCS1, pemSEC1:
			if _, encrypted := block.Headers["DEK-Info"]; encrypted {
				return nil, badRequest(MsgKeyEncrypted)
			}
			signer, err := parseKeyDER(block.Type, block.Bytes)
			if err != nil {
				return nil, badInput(MsgKeyInvalid, err)
			}
			clean := &pem.Block{Type: block.Type, Bytes: block.Bytes}
			return &parsedKey{signer: signer, pem: pem.EncodeToMemory(clean)}, nil
		default:
			return nil, badRequest(MsgKeyNotPEM)
		}
	}
}

// parseKeyDER parses a key in the format its block type names, then tries
// the other formats, since tools sometimes mislabel blocks.
func parseKeyDER(blockType string, der []byte) (crypto.Signer, error) {
	parsers := map[string]func([]byte) (any, error){
		pemPKCS8: x509.ParsePKCS8PrivateKey,
		pemPKCS1: func(b []byte) (any, error) { return x509.ParsePKCS1PrivateKey(b) },
		pemSEC1:  func(b []byte) (any, error) { return x509.ParseECPrivateKey(b) },
	}
	var firstErr error
	for _, typ := range []string{blockType, pemPKCS8, pemPKCS1, pemSEC1} {
		key, err := parsers[typ](der)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		switch k := key.(type) {
		case *rsa.PrivateKey:
			return k, nil
		case *ecdsa.PrivateKey:
			return k, nil
		case ed25519.PrivateKey:
			return k, nil
		default:
			return nil, fmt.Errorf("unsupported private key type %T", key)
		}
	}
	return nil, fmt.Errorf("parse %s: %w", blockType, firstErr)
}

// publicKeyEqual is implemented by the public keys of every algorithm the
// x509 package parses.
type publicKeyEqual interface {
	Equal(crypto.PublicKey) bool
}

// keyMatches reports whether signer is the private half of cert's public key.
func keyMatches(cert *x509.Certificate, signer crypto.Signer) bool {
	pub, ok := cert.PublicKey.(publicKeyEqual)
	return ok && pub.Equal(signer.Public())
}

// sameKey reports whether two private keys have the same public key.
func sameKey(a, b crypto.Signer) bool {
	pub, ok := a.Public().(publicKeyEqual)
	return ok && pub.Equal(b.Public())
}

// encodePKCS8 is the PEM the generated keys are written as.
func encodePKCS8(signer crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(signer)
	if err != nil {
		return nil, fmt.Errorf("marshal private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemPKCS8, Bytes: der}), nil
}
