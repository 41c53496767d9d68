package tlscerts

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// build runs Source.build over records (marshalled as list_certificates
// answers them) in the fake family's root.
func buildFrom(t *testing.T, s *Source, records []map[string]any) *snapshot {
	t.Helper()
	body, err := json.Marshal(records)
	if err != nil {
		t.Fatal(err)
	}
	sn, err := s.build(body)
	if err != nil {
		t.Fatal(err)
	}
	return sn
}

func recordOf(name string, l leaf, hosts []string, uses ...string) map[string]any {
	if uses == nil {
		uses = []string{}
	}
	return map[string]any{"name": name, "certificate": l.certPEM, "private_key_name": name + ".pem",
		"is_authority": false, "uses": uses, "hosts": hosts}
}

func writeKey(t *testing.T, f *fakeFamily, file, keyPEM string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(f.root, "keys", file), []byte(keyPEM), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestPickRules(t *testing.T) {
	f := newFakeFamily(t)
	s := f.source(t)
	now := time.Now()
	// Whole seconds: certificates store times to the second, and the tie
	// below needs two equal expiries.
	hour := now.Truncate(time.Second).Add(time.Hour)
	valid := func(cn string, until time.Duration) leaf {
		return f.ca.issue(t, cn, []string{cn}, now.Add(-time.Hour), hour.Add(until-time.Hour))
	}
	expired := f.ca.issue(t, "dup.test", []string{"dup.test"}, now.Add(-2*time.Hour), now.Add(-time.Hour))
	short, long := valid("dup.test", time.Hour), valid("dup.test", 2*time.Hour)
	tie1, tie2 := valid("tie.test", time.Hour), valid("tie.test", time.Hour)
	if !tie1.cert.NotAfter.Equal(tie2.cert.NotAfter) {
		t.Fatal("the tie needs equal expiries")
	}
	for name, l := range map[string]leaf{"a-expired": expired, "b-short": short, "c-long": long, "t1": tie1, "t2": tie2} {
		writeKey(t, f, name+".pem", l.keyPEM)
	}
	mixed := valid("Mixed.Test", time.Hour)
	writeKey(t, f, "mixed.pem", mixed.keyPEM)
	caKeyed := f.ca.issue(t, "ca-host.test", []string{"ca-host.test"}, now.Add(-time.Hour), now.Add(time.Hour))
	writeKey(t, f, "keyed-ca.pem", caKeyed.keyPEM)
	noKey := valid("nokey.test", time.Hour)

	f.mu.Lock()
	records := append([]map[string]any{}, f.records...)
	f.mu.Unlock()
	keyedCA := recordOf("keyed-ca", caKeyed, []string{"ca-host.test"})
	keyedCA["is_authority"] = true
	noKeyRec := recordOf("nokey", noKey, []string{"nokey.test"})
	noKeyRec["private_key_name"] = nil
	records = append(records,
		recordOf("a-expired", expired, []string{"dup.test"}),
		recordOf("b-short", short, []string{"dup.test"}),
		recordOf("c-long", long, []string{"dup.test"}),
		recordOf("t1", tie1, []string{"tie.test"}),
		recordOf("t2", tie2, []string{"tie.test"}),
		recordOf("mixed", mixed, []string{"Mixed.Test."}),
		keyedCA, noKeyRec)
	sn := buildFrom(t, s, records)
	if sn.skipped != nil {
		t.Fatalf("skipped: %v", sn.skipped)
	}
	cases := []struct {
		serverName string
		want       leaf
	}{
		{"dup.test", long},              // valid now, then the one expiring last
		{"tie.test", tie1},              // a tie keeps the first by name
		{"mixed.test", mixed},           // hosts are lower-cased
		{"MIXED.TEST.", mixed},          // and so is the server name, without its dot
		{"ca-host.test", f.node},        // an authority is never served
		{"nokey.test", f.node},          // nor a record without a key
		{"", f.node},                    // no SNI: the node certificate
		{"unknown.example.com", f.node}, // no match: the node certificate
		{"localhost", f.node},           // the node's own hosts
	}
	for _, c := range cases {
		if got := sn.pick(c.serverName); got == nil || !got.Leaf.Equal(c.want.cert) {
			t.Errorf("pick(%q) = %v, want %s", c.serverName, got, c.want.cert.Subject)
		}
	}
	// The pool holds the authority: a certificate it signed verifies.
	if _, err := short.cert.Verify(x509.VerifyOptions{Roots: sn.pool}); err != nil {
		t.Errorf("the pool lacks the authority: %v", err)
	}
}

func TestNodeCertificateSelection(t *testing.T) {
	f := newFakeFamily(t)
	now := time.Now()
	other := f.ca.issue(t, "api.test", []string{"api.test"}, now.Add(-time.Hour), now.Add(time.Hour))
	writeKey(t, f, "a-api.pem", other.keyPEM)
	f.mu.Lock()
	records := append([]map[string]any{}, f.records...)
	f.mu.Unlock()
	// "a-api" sorts before node1.test and also claims the operations API.
	records = append([]map[string]any{recordOf("a-api", other, []string{"api.test"}, "operations_api")}, records...)

	for _, c := range []struct {
		hostname string
		want     leaf
	}{
		{nodeName, f.node},      // the record named after the hostname
		{"", other},             // no hostname: the first by name using operations_api
		{"renamed-host", other}, // a hostname no record has: the same
	} {
		s, err := New(Options{RootPath: f.root, Hostname: c.hostname, List: f.list})
		if err != nil {
			t.Fatal(err)
		}
		if got := buildFrom(t, s, records).node; got == nil || !got.Leaf.Equal(c.want.cert) {
			t.Errorf("hostname %q: node = %v, want %s", c.hostname, got, c.want.cert.Subject)
		}
	}

	// No node at all: an unknown name has nothing to be served.
	f.remove(t, nodeName)
	s := f.source(t)
	_, err := s.GetCertificate(&tls.ClientHelloInfo{ServerName: "unknown.test"})
	if !errors.Is(err, ErrNoCertificate) {
		t.Fatalf("without a node certificate: %v", err)
	}
}

func TestUnusableRecordsAreLeftOutAndRetried(t *testing.T) {
	f := newFakeFamily(t)
	now := time.Now()
	broken := f.ca.issue(t, "broken.test", []string{"broken.test"}, now.Add(-time.Hour), now.Add(time.Hour))
	escape := f.ca.issue(t, "escape.test", []string{"escape.test"}, now.Add(-time.Hour), now.Add(time.Hour))
	// A valid key just outside keys/: a record naming "../escape.pem" must
	// not reach it.
	if err := os.WriteFile(filepath.Join(f.root, "escape.pem"), []byte(escape.keyPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	writeKey(t, f, "broken.pem", "not a key")
	escapeRec := recordOf("escape", escape, []string{"escape.test"})
	escapeRec["private_key_name"] = "../escape.pem"
	badCA := map[string]any{"name": "bad-ca", "certificate": "garbage", "private_key_name": nil, "is_authority": true}
	f.mu.Lock()
	f.records = append(f.records, recordOf("broken", broken, []string{"broken.test"}), escapeRec, badCA)
	f.mu.Unlock()
	f.bump(t)

	s := f.source(t)
	clock := time.Now()
	s.now = func() time.Time { return clock }
	err := s.Refresh(context.Background())
	for _, want := range []string{`"broken"`, `"escape"`, `"bad-ca"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Refresh error %v does not name %s", err, want)
		}
	}
	for _, name := range []string{"broken.test", "escape.test"} {
		if c, err := s.GetCertificate(&tls.ClientHelloInfo{ServerName: name}); err != nil || !c.Leaf.Equal(f.node.cert) {
			t.Errorf("%s: %v %v, want the node certificate", name, c, err)
		}
	}

	// The key file is repaired in place (the keys directory itself does
	// not change): within retryInterval nothing is reloaded, after it the
	// record is served.
	writeKey(t, f, "broken.pem", broken.keyPEM)
	calls := f.calls.Load()
	if c, _ := s.GetCertificate(&tls.ClientHelloInfo{ServerName: "broken.test"}); !c.Leaf.Equal(f.node.cert) || f.calls.Load() != calls {
		t.Fatalf("reloaded before retryInterval (%d -> %d calls)", calls, f.calls.Load())
	}
	clock = clock.Add(retryInterval)
	if c, err := s.GetCertificate(&tls.ClientHelloInfo{ServerName: "broken.test"}); err != nil || !c.Leaf.Equal(broken.cert) {
		t.Fatalf("after retryInterval: %v %v, want the repaired record", c, err)
	}
}
