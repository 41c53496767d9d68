package tlscerts

import (
	"crypto/tls"
	"strings"
	"testing"
)

// The operations API's TLS: 1.2 or later, and TLS 1.2 only with ECDHE and
// an AEAD cipher.
func TestTLSConfigModern(t *testing.T) {
	cfg := (&Source{}).TLSConfig()
	if cfg.MinVersion != tls.VersionTLS12 {
		t.Fatalf("MinVersion %x", cfg.MinVersion)
	}
	if len(cfg.CipherSuites) == 0 {
		t.Fatal("no cipher suite list: Go's defaults include CBC suites")
	}
	insecure := map[uint16]bool{}
	for _, s := range tls.InsecureCipherSuites() {
		insecure[s.ID] = true
	}
	for _, id := range cfg.CipherSuites {
		name := tls.CipherSuiteName(id)
		if insecure[id] || !strings.HasPrefix(name, "TLS_ECDHE_") || !(strings.Contains(name, "_GCM_") || strings.Contains(name, "CHACHA20")) {
			t.Errorf("suite %s is not ECDHE with an AEAD cipher", name)
		}
	}
}
