package config

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/knadh/koanf/v2"
	"golang.org/x/sys/unix"
)

// Reasons a value that type-checks still cannot work. set_configuration
// refuses them; at start they stop hops with a message naming the key.
const (
	ReasonPairIncomplete = "is set but %s is not: give both the certificate and its private key"
	ReasonPairMismatch   = "does not hold the private key of %s"
	ReasonNoPEM          = "holds no PEM %s"
	ReasonNotWritable    = "is not a directory hops can create or write: %s"
	ReasonSize           = `must be a size such as "10M", "64M" or "1G" (at least 1M)`
)

// The certificate file keys, in the two places HarperDB has them.
var tlsKeySets = [][3]string{
	{"tls.certificate", "tls.privateKey", "tls.certificateAuthority"},
	{"operationsApi.tls.certificate", "operationsApi.tls.privateKey", "operationsApi.tls.certificateAuthority"},
}

// writableDirKeys are the directories hops creates or writes at start.
var writableDirKeys = []string{"logging.root", "logging.rotation.path"}

// CheckStart checks what the running configuration needs from the
// machine: the operator's certificate files (present, PEM, a matching
// pair) and the directories hops will create or write (logging.root,
// logging.rotation.path, rootPath). It writes nothing. The error is a
// *LoadError naming each key.
func (c *Config) CheckStart() error {
	if ps := machineProblems(c.view(), c.rootPath); len(ps) > 0 {
		return &LoadError{Problems: ps}
	}
	return nil
}

// machineProblems checks ko against the machine (see CheckStart).
func machineProblems(ko *koanf.Koanf, root string) []Problem {
	var out []Problem
	for _, set := range tlsKeySets {
		out = append(out, tlsProblems(ko, set)...)
	}
	for _, k := range writableDirKeys {
		if dir := ko.String(k); dir != "" {
			if err := creatableDir(dir); err != nil {
				out = append(out, Problem{Key: k, Reason: fmt.Sprintf(ReasonNotWritable, err)})
			}
		}
	}
	if err := creatableDir(root); err != nil {
		out = append(out, Problem{Key: rootPathKey, Reason: fmt.Sprintf(ReasonNotWritable, err)})
	}
	return out
}

// tlsProblems checks one certificate, key and CA triple.
func tlsProblems(ko *koanf.Koanf, set [3]string) []Problem {
	certPath, keyPath, caPath := ko.String(set[0]), ko.String(set[1]), ko.String(set[2])
	var out []Problem
	switch {
	case certPath == "" && keyPath == "":
	case certPath == "":
		out = append(out, Problem{Key: set[1], Reason: fmt.Sprintf(ReasonPairIncomplete, set[0])})
	case keyPath == "":
		out = append(out, Problem{Key: set[0], Reason: fmt.Sprintf(ReasonPairIncomplete, set[1])})
	default:
		if err := CheckKeyPair(certPath, keyPath); err != nil {
			var pe *PairError
			if errors.As(err, &pe) {
				out = append(out, Problem{Key: set[pe.Which], Reason: pe.Reason})
			} else {
				out = append(out, Problem{Key: set[0], Reason: err.Error()})
			}
		}
	}
	if caPath != "" {
		if _, err := ReadCertificates(caPath); err != nil {
			out = append(out, Problem{Key: set[2], Reason: err.Error()})
		}
	}
	return out
}

// PairError says which file of a certificate pair is wrong: Which is 0
// for the certificate, 1 for the private key.
type PairError struct {
	Which  int
	Reason string
}

func (e *PairError) Error() string { return e.Reason }

// CheckKeyPair reads a PEM certificate and private key and checks that
// the key is the certificate's. The error is a *PairError.
func CheckKeyPair(certPath, keyPath string) error {
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return &PairError{0, err.Error()}
	}
	if b, _ := pem.Decode(certPEM); b == nil {
		return &PairError{0, fmt.Sprintf(ReasonNoPEM, "certificate")}
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return &PairError{1, err.Error()}
	}
	if b, _ := pem.Decode(keyPEM); b == nil {
		return &PairError{1, fmt.Sprintf(ReasonNoPEM, "private key")}
	}
	if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
		return &PairError{1, fmt.Sprintf(ReasonPairMismatch, certPath) + ": " + err.Error()}
	}
	return nil
}

// ReadCertificates reads every certificate of a PEM file (a CA chain).
func ReadCertificates(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf(ReasonNoPEM, "certificate")
	}
	return out, nil
}

// creatableDir reports why dir cannot be used as a directory hops writes:
// it exists and is not a writable directory, or its nearest existing
// ancestor is not a directory this process may create entries in.
func creatableDir(dir string) error {
	dir = filepath.Clean(dir)
	for p := dir; ; p = filepath.Dir(p) {
		info, err := os.Stat(p)
		if err == nil {
			if !info.IsDir() {
				return fmt.Errorf("%s is not a directory", p)
			}
			if err := unix.Access(p, unix.W_OK|unix.X_OK); err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			return nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%s: %w", p, err)
		}
		if parent := filepath.Dir(p); parent == p {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
}

// Size units of ParseSize.
const (
	kib = 1 << 10
	mib = 1 << 20
	gib = 1 << 30
)

// ParseSize reads a size: a whole number of bytes, or a number with a K,
// M or G suffix (binary units, an optional trailing B, any case). Sizes
// under 1M are refused: rotation works in whole mebibytes.
func ParseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	t = strings.TrimSuffix(t, "B")
	mult := int64(1)
	switch {
	case strings.HasSuffix(t, "K"):
		mult, t = kib, strings.TrimSuffix(t, "K")
	case strings.HasSuffix(t, "M"):
		mult, t = mib, strings.TrimSuffix(t, "M")
	case strings.HasSuffix(t, "G"):
		mult, t = gib, strings.TrimSuffix(t, "G")
	}
	n, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult || n*mult < mib {
		return 0, errors.New(ReasonSize)
	}
	return n * mult, nil
}

// checkSize is the Check of logging.rotation.maxSize.
func checkSize(v any) error {
	s, _ := v.(string)
	_, err := ParseSize(s)
	return err
}

// TLSFiles returns the operator's certificate files for the operations
// API: operationsApi.tls.* when its certificate is set (HarperDB lets that
// section override tls for the operations API), else tls.*. An empty
// certificate means none is configured: HTTPS serves the certs family's.
func (c *Config) TLSFiles() (certificate, privateKey, certificateAuthority string) {
	set, ok := tlsSetOf(c.view())
	if !ok {
		return "", "", ""
	}
	return c.String(set[0]), c.String(set[1]), c.String(set[2])
}

// tlsSetOf returns the key set TLSFiles reads: operationsApi.tls when its
// certificate is set, else tls when its certificate is; ok is false when
// neither is.
func tlsSetOf(ko *koanf.Koanf) ([3]string, bool) {
	for _, set := range [][3]string{tlsKeySets[1], tlsKeySets[0]} {
		if ko.String(set[0]) != "" {
			return set, true
		}
	}
	return [3]string{}, false
}

// ReasonTLSUnused reports a certificate no listener serves.
const ReasonTLSUnused = "is set but operationsApi.network.securePort is null: no HTTPS listener serves it"

// unusedTLSWarning reports operator certificate files while HTTPS is off.
func unusedTLSWarning(ko *koanf.Koanf) []Warning {
	set, ok := tlsSetOf(ko)
	if !ok || ko.Int(apiPorts[1]) > 0 {
		return nil
	}
	return []Warning{{Key: set[0], Source: "configuration", Reason: ReasonTLSUnused}}
}
