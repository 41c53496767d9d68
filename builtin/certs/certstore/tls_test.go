package certstore

import (
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSNICertificates(t *testing.T) {
	s, root := openStore(t)
	if err := s.EnsureAuthority("node1"); err != nil {
		t.Fatal(err)
	}
	a, b := ecKey(t), edKey(t)
	mustAdd(t, s, AddInput{Name: "a", Certificate: selfSignedPEM(t, a, "a.local"), PrivateKey: sec1PEM(t, a)})
	mustAdd(t, s, AddInput{Name: "b", Certificate: selfSignedPEM(t, b, "b.local"), PrivateKey: pkcs8PEM(t, b), Hosts: []string{"X.local", "*.wild.local"}})
	mustAdd(t, s, AddInput{Name: "ca", Certificate: fixture(t, "conf-ca.crt"), PrivateKey: fixture(t, "conf-ca.key"), IsAuthority: true})
	mustAdd(t, s, AddInput{Name: "nohosts", Certificate: selfSignedPEM(t, a, "n.local"), PrivateKey: sec1PEM(t, a), Hosts: []string{}})

	m, err := s.SNICertificates()
	if err != nil {
		t.Fatal(err)
	}
	var hosts []string
	for h := range m {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	want := []string{"*.wild.local", "a.local", "localhost", "node1", "x.local"}
	if !reflect.DeepEqual(hosts, want) {
		t.Fatalf("hosts = %v, want %v", hosts, want)
	}
	if m["a.local"].Leaf.Subject.CommonName != "a.local" || m["x.local"].Leaf.Subject.CommonName != "b.local" {
		t.Fatal("host mapped to the wrong certificate")
	}
	if _, err := tls.X509KeyPair(pemOf(m["x.local"]), []byte(pkcs8PEM(t, b))); err != nil {
		t.Fatalf("certificate unusable: %v", err)
	}

	// A record whose key file vanished is skipped and reported.
	if err := os.Remove(filepath.Join(root, keysDir, "b.pem")); err != nil {
		t.Fatal(err)
	}
	m, err = s.SNICertificates()
	if err == nil || !strings.Contains(err.Error(), `"b"`) {
		t.Fatalf("error = %v, want one naming record b", err)
	}
	if _, ok := m["x.local"]; ok || m["a.local"] == nil {
		t.Fatalf("map after a broken record: %v", m)
	}
}

func TestSNIPrefersValidThenLongest(t *testing.T) {
	s, _ := openStore(t)
	k := ecKey(t)
	now := time.Now()
	add := func(name string, notBefore, notAfter time.Time) {
		tmpl := leafTemplate(name, "shared.local")
		tmpl.NotBefore, tmpl.NotAfter = notBefore, notAfter
		mustAdd(t, s, AddInput{Name: name, Certificate: sign(t, tmpl, k, nil, nil), PrivateKey: sec1PEM(t, k)})
	}
	add("a-expired", now.Add(-48*time.Hour), now.Add(-24*time.Hour))
	add("b-short", now.Add(-time.Hour), now.Add(24*time.Hour))
	add("c-long", now.Add(-time.Hour), now.Add(48*time.Hour))
	add("d-future", now.Add(24*time.Hour), now.Add(96*time.Hour))
	m, err := s.SNICertificates()
	if err != nil {
		t.Fatal(err)
	}
	if got := m["shared.local"].Leaf.Subject.CommonName; got != "c-long" {
		t.Fatalf("shared.local served by %s, want c-long", got)
	}
}

func TestGenerationCountsChanges(t *testing.T) {
	s, _ := openStore(t)
	k := ecKey(t)
	steps := []func() error{
		func() error { return s.EnsureAuthority("n") },
		func() error {
			return s.Add(AddInput{Name: "x", Certificate: selfSignedPEM(t, k, "x"), PrivateKey: sec1PEM(t, k)})
		},
		func() error { return s.Remove("x") },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatal(err)
		}
		if g := s.Generation(); g != uint64(i+1) {
			t.Fatalf("after step %d generation = %d", i, g)
		}
	}
	_ = s.Remove("x")
	if s.Generation() != uint64(len(steps)) {
		t.Fatal("a failed remove moved the generation")
	}
}

func pemOf(c *tls.Certificate) []byte {
	var out []byte
	for _, der := range c.Certificate {
		out = append(out, pemText("CERTIFICATE", der)...)
	}
	return out
}

// TestConcurrentUse runs adds, removes and the readers together; run with
// -race to check the locking.
func TestConcurrentUse(t *testing.T) {
	s, _ := openStore(t)
	if err := s.EnsureAuthority("node1"); err != nil {
		t.Fatal(err)
	}
	const workers = 4
	errs := make(chan error, workers*4)
	var wg sync.WaitGroup
	for i := range workers {
		k := ecKey(t)
		cert, key := selfSignedPEM(t, k, fmt.Sprintf("w%d.local", i)), sec1PEM(t, k)
		wg.Go(func() {
			name := fmt.Sprintf("w%d", i)
			errs <- s.Add(AddInput{Name: name, Certificate: cert, PrivateKey: key})
			_, err := s.SNICertificates()
			errs <- err
			_, _, err = s.NodeTLS()
			errs <- err
			errs <- s.Remove(name)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if list, _ := s.List(); len(list) != 2 || s.Generation() != 1+2*workers {
		t.Fatalf("after concurrent use: %d records, generation %d", len(list), s.Generation())
	}
}
