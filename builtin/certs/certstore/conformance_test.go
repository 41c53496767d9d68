package certstore

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// TestConformanceSequence replays the steps of the conformance case
// 30-certs.json against the engine, with its openssl-made PEMs.
func TestConformanceSequence(t *testing.T) {
	s, root := openStore(t)
	if err := s.EnsureAuthority("node1"); err != nil {
		t.Fatal(err)
	}
	rsaCert, rsaKeyPEM := fixture(t, "conf-rsa.crt"), fixture(t, "conf-rsa.key")

	mustAdd(t, s, AddInput{Name: "conf_rsa", Certificate: rsaCert, PrivateKey: rsaKeyPEM, Hosts: []string{"conf-rsa.local"}})
	r, _ := record(t, s, "conf_rsa")
	if strPtr(r.PrivateKeyName) != "conf_rsa.pem" || !reflect.DeepEqual(r.Hosts, []string{"conf-rsa.local"}) ||
		r.Details.Subject != "CN=conf-rsa.local O=Conf Test" || r.Details.ValidFrom != "Nov 23 05:03:09 2026 GMT" {
		t.Fatalf("conf_rsa = %+v", r)
	}

	mustAdd(t, s, AddInput{Name: "conf_rsa2", Certificate: fixture(t, "conf-rsa2.crt")})
	if r, _ := record(t, s, "conf_rsa2"); strPtr(r.PrivateKeyName) != "conf_rsa.pem" || r.Details.Subject != "CN=conf-rsa2.local O=Conf Test" {
		t.Fatalf("conf_rsa2 = %+v", r)
	}

	mustAdd(t, s, AddInput{Name: "conf_ec", Certificate: fixture(t, "conf-ec.crt"), PrivateKey: fixture(t, "conf-ec.key")})
	if r, _ := record(t, s, "conf_ec"); strPtr(r.PrivateKeyName) != "conf_ec.pem" || !strings.Contains(r.Details.SubjectAltName, "DNS:conf-ec.local") {
		t.Fatalf("conf_ec = %+v", r)
	}
	mustAdd(t, s, AddInput{Name: "conf_ec", Certificate: rsaCert, PrivateKey: rsaKeyPEM})
	if r, _ := record(t, s, "conf_ec"); r.Details.Subject != "CN=conf-rsa.local O=Conf Test" {
		t.Fatalf("replaced conf_ec = %+v", r)
	}

	mustAdd(t, s, AddInput{Name: "conf_ca", Certificate: fixture(t, "conf-ca.crt"), PrivateKey: fixture(t, "conf-ca.key"), IsAuthority: true})
	mustAdd(t, s, AddInput{Name: "conf_leaf", Certificate: fixture(t, "conf-leaf.crt"), PrivateKey: fixture(t, "conf-leaf.key"), Hosts: []string{"conf-leaf.local"}})
	if r, _ := record(t, s, "conf_leaf"); r.Details.Issuer != "CN=Conf Test CA O=Conf Test" || r.IsAuthority {
		t.Fatalf("conf_leaf = %+v", r)
	}

	err := s.Add(AddInput{Name: "conf_orphan", Certificate: fixture(t, "conf-orphan.crt")})
	wantStatus(t, err, http.StatusBadRequest, MsgNoSuitableKey)
	err = s.Add(AddInput{Name: "conf_x", Certificate: "not a pem", IsAuthority: true})
	wantStatus(t, err, http.StatusBadRequest, MsgCertificateNotPEM)

	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range list {
		names = append(names, r.Name)
	}
	want := []string{"HOPS-Certificate-Authority-node1", "conf_ca", "conf_ec", "conf_leaf", "conf_rsa", "conf_rsa2", "node1"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("names = %v, want %v (byte order)", names, want)
	}

	for _, name := range []string{"conf_rsa2", "conf_rsa", "conf_ec", "conf_leaf", "conf_ca"} {
		if err := s.Remove(name); err != nil {
			t.Fatalf("Remove(%s): %v", name, err)
		}
	}
	wantStatus(t, s.Remove("conf_rsa"), http.StatusNotFound, "Certificate 'conf_rsa' not found")
	files := keyFilesIn(t, root)
	if !reflect.DeepEqual(files, []string{"HOPS-Certificate-Authority-node1.pem", "node1.pem"}) {
		t.Fatalf("key files after the sequence = %v", files)
	}
}
