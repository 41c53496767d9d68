package tlscerts

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

func TestHandshakeServesTheNodeCertificateVerifiedByTheAuthority(t *testing.T) {
	f := newFakeFamily(t)
	s := f.source(t)
	addr := serveTLS(t, s)
	onlyCA := poolOf(f.ca.cert)

	for _, name := range []string{"localhost", nodeName, "", "NODE1.test."} {
		got, err := dial(addr, name, onlyCA)
		if err != nil {
			t.Fatalf("server name %q: a client trusting only the authority refused the chain: %v", name, err)
		}
		if !got.Equal(f.node.cert) {
			t.Fatalf("server name %q: served %s, want the node certificate", name, got.Subject)
		}
	}
	// The chain really is verified: a client trusting another authority
	// refuses it.
	if _, err := dial(addr, "localhost", poolOf(newAuthority(t, "Other").cert)); err == nil {
		t.Fatal("a client trusting another authority accepted the node certificate")
	}

	// An HTTPS request through net/http, trusting CAPool.
	pool, err := s.CAPool()
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	defer client.CloseIdleConnections()
	resp, err := client.Get("https://" + addr + "/")
	if err != nil {
		t.Fatalf("GET over HTTPS trusting CAPool: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "ok" {
		t.Fatalf("body = %q", body)
	}
}

func TestAnAddedCertificateIsServedOnTheNextHandshakeAndRemovalFallsBack(t *testing.T) {
	f := newFakeFamily(t)
	s := f.source(t)
	addr := serveTLS(t, s)
	onlyCA := poolOf(f.ca.cert)
	if got := served(t, addr, "shop.test"); !got.Equal(f.node.cert) {
		t.Fatalf("before the add, shop.test got %s, want the node certificate", got.Subject)
	}

	shop := f.ca.issue(t, "shop.test", []string{"shop.test"}, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	f.put(t, "shop", shop, []string{"Shop.Test"})
	got, err := dial(addr, "shop.test", onlyCA)
	if err != nil {
		t.Fatalf("after the add, a verifying client refused shop.test: %v", err)
	}
	if !got.Equal(shop.cert) {
		t.Fatalf("after the add, shop.test got %s", got.Subject)
	}

	wild := f.ca.issue(t, "*.wild.test", []string{"*.wild.test"}, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	f.put(t, "wild", wild, []string{"*.wild.test"})
	if got, err := dial(addr, "a.wild.test", onlyCA); err != nil || !got.Equal(wild.cert) {
		t.Fatalf("a.wild.test: %v %v", got, err)
	}
	for _, name := range []string{"wild.test", "a.b.wild.test"} {
		if got := served(t, addr, name); !got.Equal(f.node.cert) {
			t.Errorf("%s must not match *.wild.test, got %s", name, got.Subject)
		}
	}

	f.remove(t, "shop")
	if got := served(t, addr, "shop.test"); !got.Equal(f.node.cert) {
		t.Fatalf("after the removal, shop.test got %s, want the node certificate", got.Subject)
	}
}

func TestListRunsOncePerChangeUnderConcurrentHandshakes(t *testing.T) {
	f := newFakeFamily(t)
	s := f.source(t)
	handshakes := func() {
		var wg sync.WaitGroup
		for range 32 {
			wg.Go(func() {
				if _, err := s.GetCertificate(&tls.ClientHelloInfo{ServerName: nodeName}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	handshakes()
	if n := f.calls.Load(); n != 1 {
		t.Fatalf("32 concurrent first handshakes called List %d times, want 1", n)
	}
	handshakes()
	if n := f.calls.Load(); n != 1 {
		t.Fatalf("with no change, List ran again (%d calls)", n)
	}
	f.bump(t)
	handshakes()
	if n := f.calls.Load(); n != 2 {
		t.Fatalf("one change made %d List calls in all, want 2", n)
	}
}

func TestTheLastGoodSetIsKeptWhenARefreshFails(t *testing.T) {
	f := newFakeFamily(t)
	var logs bytes.Buffer
	s, err := New(Options{RootPath: f.root, Hostname: nodeName, List: f.list,
		Logger: hclog.New(&hclog.LoggerOptions{Output: &logs, Level: hclog.Warn})})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	s.now = func() time.Time { return now }
	hello := &tls.ClientHelloInfo{ServerName: "localhost"}
	if c, err := s.GetCertificate(hello); err != nil || !c.Leaf.Equal(f.node.cert) {
		t.Fatalf("first load: %v %v", c, err)
	}

	f.setFail(errors.New("family restarting"))
	f.bump(t)
	c, err := s.GetCertificate(hello)
	if err != nil || !c.Leaf.Equal(f.node.cert) {
		t.Fatalf("after a failed refresh: %v %v, want the last good node certificate", c, err)
	}
	if !strings.Contains(logs.String(), "family restarting") {
		t.Fatalf("the failure was not logged: %q", logs.String())
	}
	calls := f.calls.Load()
	if _, err := s.GetCertificate(hello); err != nil || f.calls.Load() != calls {
		t.Fatalf("a handshake right after a failure called List again (%d -> %d calls, %v)", calls, f.calls.Load(), err)
	}

	// An answer that is not a list is a failure too.
	f.setFail(nil)
	f.mu.Lock()
	f.body = []byte(`{"error":"not a list"}`)
	f.mu.Unlock()
	now = now.Add(retryInterval)
	if c, err := s.GetCertificate(hello); err != nil || !c.Leaf.Equal(f.node.cert) {
		t.Fatalf("after a bad answer: %v %v", c, err)
	}
	if f.calls.Load() != calls+1 {
		t.Fatalf("after retryInterval, List was not retried (%d calls)", f.calls.Load())
	}

	// Once the family answers again, the change is picked up.
	f.mu.Lock()
	f.body = nil
	f.mu.Unlock()
	shop := f.ca.issue(t, "shop.test", []string{"shop.test"}, now.Add(-time.Hour), now.Add(time.Hour))
	f.put(t, "shop", shop, []string{"shop.test"})
	if c, err := s.GetCertificate(&tls.ClientHelloInfo{ServerName: "shop.test"}); err != nil || !c.Leaf.Equal(shop.cert) {
		t.Fatalf("after recovery: %v %v", c, err)
	}
}

func TestNothingToServeBeforeTheFirstGoodLoad(t *testing.T) {
	f := newFakeFamily(t)
	f.setFail(errors.New("no certs family"))
	s := f.source(t)
	_, err := s.GetCertificate(&tls.ClientHelloInfo{ServerName: "localhost"})
	if !errors.Is(err, ErrNoCertificate) || !strings.Contains(err.Error(), "no certs family") {
		t.Fatalf("GetCertificate = %v, want ErrNoCertificate with the cause", err)
	}
	if _, err := s.CAPool(); !errors.Is(err, ErrNoCertificate) {
		t.Fatalf("CAPool = %v", err)
	}
	if err := s.Refresh(context.Background()); err == nil || !strings.Contains(err.Error(), "no certs family") {
		t.Fatalf("Refresh = %v", err)
	}
}

func TestNewRequiresRootPathAndList(t *testing.T) {
	if _, err := New(Options{List: func(context.Context) ([]byte, error) { return nil, nil }}); err == nil {
		t.Error("New without RootPath succeeded")
	}
	if _, err := New(Options{RootPath: t.TempDir()}); err == nil {
		t.Error("New without List succeeded")
	}
}
