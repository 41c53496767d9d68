package certs

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hops-dev/hops/builtin/certs/certstore"
	"github.com/hops-dev/hops/sdk"
	"github.com/hops-dev/hops/sdk/sdktest"
)

func TestDescribeListsTheTable(t *testing.T) {
	h := serve(t, "")
	if h.Description.Name != "certs" || h.Description.Version != Version {
		t.Fatalf("described %q %q", h.Description.Name, h.Description.Version)
	}
	want := map[string]string{
		"add_certificate":    "addCertificate",
		"remove_certificate": "removeCertificate",
		"list_certificates":  "listCertificates",
	}
	got := map[string]string{}
	for _, op := range h.Description.Operations {
		got[op.Name] = op.RestrictedName
		if op.Access != sdk.AccessSuperUser {
			t.Errorf("%s access = %s, want super_user", op.Name, op.Access)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("operations = %v, want %v", got, want)
	}
}

func TestFirstStartGeneratesAuthorityAndNodeCertificate(t *testing.T) {
	h := serve(t, "")
	all, byName := list(t, h)
	if len(all) != 2 {
		t.Fatalf("a fresh root lists %d records, want the authority and the node certificate", len(all))
	}
	ca, ok := byName[certstore.CAName(testHost)]
	if !ok || !ca.IsAuthority || !reflect.DeepEqual(ca.Uses, []string{certstore.UseCA}) {
		t.Fatalf("authority record = %+v", ca)
	}
	node, ok := byName[testHost]
	if !ok || node.IsAuthority || node.PrivateKeyName == nil || *node.PrivateKeyName != testHost+".pem" ||
		!reflect.DeepEqual(node.Uses, []string{certstore.UseOperationsAPI, certstore.UseHTTPS}) {
		t.Fatalf("node record = %+v", node)
	}

	pool := x509.NewCertPool()
	pool.AddCert(parseLeaf(t, ca.Certificate))
	leaf := parseLeaf(t, node.Certificate)
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
		t.Fatalf("the node certificate does not verify against the generated authority: %v", err)
	}
	for _, name := range []string{testHost, "localhost", "127.0.0.1", "::1"} {
		if err := leaf.VerifyHostname(name); err != nil {
			t.Errorf("node certificate does not serve %s: %v", name, err)
		}
	}
	if ips := leaf.IPAddresses; len(ips) != 2 || !ips[0].Equal(net.IPv4(127, 0, 0, 1)) || !ips[1].Equal(net.IPv6loopback) {
		t.Errorf("node IP SANs = %v", ips)
	}

	keys := filepath.Join(h.RootPath, "keys")
	wantMode(t, keys, os.ModeDir|0o700)
	wantMode(t, filepath.Join(keys, testHost+".pem"), 0o600)
	wantMode(t, filepath.Join(keys, certstore.CAName(testHost)+".pem"), 0o600)
	if _, err := os.Stat(filepath.Join(h.RootPath, "database", "certs.db")); err != nil {
		t.Fatalf("certs.db: %v", err)
	}
}

func wantMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode() & (os.ModeDir | os.ModePerm); got != want {
		t.Errorf("%s mode = %v, want %v", path, got, want)
	}
}

func TestRecordsSurviveARestartAndTheAuthorityIsReused(t *testing.T) {
	root := t.TempDir()
	h := serve(t, root)
	certPEM, keyPEM := selfSigned(t, "kept.test")
	if r := h.Super(t, map[string]any{"operation": "add_certificate", "name": "kept", "certificate": certPEM,
		"private_key": keyPEM, "is_authority": false}); r.Status != 200 {
		t.Fatalf("add: %d %s", r.Status, r.Body)
	}
	before, _ := list(t, h)
	if err := h.Client.Shutdown(context.Background(), time.Now().Add(time.Second)); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if r := h.Super(t, map[string]any{"operation": "list_certificates"}); r.Status != 503 || r.Error() != MsgNotReady {
		t.Fatalf("after shutdown: %d %s", r.Status, r.Body)
	}

	h2 := serve(t, root)
	after, _ := list(t, h2)
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("after a restart the list changed (authority or node regenerated?):\nbefore %+v\nafter  %+v", before, after)
	}
}

func TestDefaultHostnameIsTheMachines(t *testing.T) {
	f := newFamily(t)
	f.osHostname = func() (string, error) { return "from-os", nil }
	h := sdktest.New(t, f, sdktest.Options{})
	_, byName := list(t, h)
	if _, ok := byName["from-os"]; !ok {
		t.Fatalf("no node record named after os.Hostname: %v", byName)
	}
	if _, ok := byName[certstore.CAName("from-os")]; !ok {
		t.Fatalf("no authority named after os.Hostname: %v", byName)
	}
}

func TestConfigureErrors(t *testing.T) {
	cases := []struct {
		name    string
		section string
		root    bool
		osErr   error
		want    string
	}{
		{"section not an object", `[1]`, true, nil, MsgSectionNotObject},
		{"hostname a number", `{"hostname": 5}`, true, nil, MsgHostnameNotString},
		{"no root path", `{}`, false, nil, MsgNoRootPath},
		{"unsafe hostname", `{"hostname": "a/b"}`, true, nil, certstore.MsgUnsafeName},
		{"no os hostname", `null`, true, errors.New("uname failed"), "uname failed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFamily(t)
			if c.osErr != nil {
				f.osHostname = func() (string, error) { return "", c.osErr }
			}
			cfg := sdk.Config{Section: json.RawMessage(c.section)}
			if c.root {
				cfg.RootPath = t.TempDir()
			}
			err := f.Configure(context.Background(), cfg)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Configure = %v, want an error containing %q", err, c.want)
			}
			if r, err := f.listCertificates(context.Background(), &sdk.Request{}); err == nil {
				t.Fatalf("a family that failed to configure answered %+v", r)
			}
		})
	}
}

func TestRequestsBeforeConfigureAnswer503(t *testing.T) {
	f := newFamily(t)
	_, err := f.listCertificates(context.Background(), &sdk.Request{})
	e, ok := sdk.AsError(err)
	if !ok || e.Status != 503 || e.Message != MsgNotReady {
		t.Fatalf("list before Configure = %v", err)
	}
}

func TestConfigureTwiceIsRefused(t *testing.T) {
	f := newFamily(t)
	cfg := sdk.Config{RootPath: t.TempDir()}
	if err := f.Configure(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Shutdown(context.Background()) })
	if err := f.Configure(context.Background(), cfg); err == nil {
		t.Fatal("a second Configure succeeded")
	}
}
