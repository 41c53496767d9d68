package certs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hops-dev/hops/builtin/certs/certstore"
	"github.com/hops-dev/hops/sdk"
)

func TestAddListRemove(t *testing.T) {
	h := serve(t, "")
	certPEM, keyPEM := selfSigned(t, "shop.test")
	r := h.Super(t, map[string]any{"operation": "add_certificate", "name": "shop", "certificate": certPEM,
		"private_key": keyPEM, "is_authority": false, "hosts": []string{"shop.test", "*.shop.test"}, "uses": []string{"https"}})
	if r.Status != 200 || string(r.Body) != `{"message":"Successfully added certificate: shop"}`+"\n" {
		t.Fatalf("add: %d %s", r.Status, r.Body)
	}

	lr := h.Super(t, map[string]any{"operation": "list_certificates"})
	if strings.Contains(string(lr.Body), "PRIVATE KEY") || strings.Contains(string(lr.Body), `"private_key":`) {
		t.Fatalf("list_certificates shows a private key: %s", lr.Body)
	}
	all, byName := list(t, h)
	names := make([]string, len(all))
	for i, rec := range all {
		names[i] = rec.Name
	}
	if want := []string{certstore.CAName(testHost), testHost, "shop"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("names = %v, want %v (byte order)", names, want)
	}
	rec := byName["shop"]
	if rec.Certificate != certPEM || rec.IsAuthority || !rec.IsSelfSigned || rec.PrivateKeyName == nil ||
		*rec.PrivateKeyName != "shop.pem" || !reflect.DeepEqual(rec.Hosts, []string{"shop.test", "*.shop.test"}) ||
		!reflect.DeepEqual(rec.Uses, []string{"https"}) || rec.Details["subject"] != "CN=shop.test" {
		t.Fatalf("record = %+v", rec)
	}
	keyFile := filepath.Join(h.RootPath, "keys", "shop.pem")
	wantMode(t, keyFile, 0o600)

	r = h.Super(t, map[string]any{"operation": "remove_certificate", "name": "shop"})
	if r.Status != 200 || string(r.Body) != `{"message":"Successfully removed shop"}`+"\n" {
		t.Fatalf("remove: %d %s", r.Status, r.Body)
	}
	if _, err := os.Stat(keyFile); !os.IsNotExist(err) {
		t.Fatalf("the key file outlived its certificate: %v", err)
	}
	if _, byName := list(t, h); len(byName) != 2 {
		t.Fatalf("after remove: %v", byName)
	}
	r = h.Super(t, map[string]any{"operation": "remove_certificate", "name": "shop"})
	if r.Status != 404 || r.Error() != fmt.Sprintf(certstore.MsgNotFound, "shop") {
		t.Fatalf("remove twice: %d %s", r.Status, r.Body)
	}
}

func TestAddWithoutKeyFindsTheKeyOnDisk(t *testing.T) {
	h := serve(t, "")
	certPEM, keyPEM := selfSigned(t, "a.test")
	h.Super(t, map[string]any{"operation": "add_certificate", "name": "a", "certificate": certPEM, "private_key": keyPEM, "is_authority": false})
	// The same certificate under another name, without a key: the engine
	// finds a.pem on disk and names it.
	r := h.Super(t, map[string]any{"operation": "add_certificate", "name": "b", "certificate": certPEM, "is_authority": false})
	if r.Status != 200 {
		t.Fatalf("add without key: %d %s", r.Status, r.Body)
	}
	_, byName := list(t, h)
	if k := byName["b"].PrivateKeyName; k == nil || *k != "a.pem" {
		t.Fatalf("b's key = %v, want a.pem", k)
	}
}

func TestOperationErrors(t *testing.T) {
	h := serve(t, "")
	certPEM, keyPEM := selfSigned(t, "x.test")
	_, otherKey := selfSigned(t, "y.test")
	orphan, _ := selfSigned(t, "orphan.test")
	add := func(extra map[string]any) map[string]any {
		body := map[string]any{"operation": "add_certificate", "name": "x", "certificate": certPEM, "private_key": keyPEM, "is_authority": false}
		for k, v := range extra {
			if v == nil {
				delete(body, k)
			} else {
				body[k] = v
			}
		}
		return body
	}
	cases := []struct {
		name   string
		body   any
		status int
		want   string
	}{
		{"add without name", add(map[string]any{"name": nil}), 400, "'name' is required"},
		{"add empty name", add(map[string]any{"name": ""}), 400, "'name' is not allowed to be empty"},
		{"add name not a string", add(map[string]any{"name": 7}), 400, "'name' must be a string"},
		{"add unsafe name", add(map[string]any{"name": "../x"}), 400, certstore.MsgUnsafeName},
		{"add without certificate", add(map[string]any{"certificate": nil}), 400, "'certificate' is required"},
		{"add without is_authority", add(map[string]any{"is_authority": nil}), 400, "'is_authority' is required"},
		{"add is_authority a string", add(map[string]any{"is_authority": "false"}), 400, "'is_authority' must be a boolean"},
		{"add hosts not an array", add(map[string]any{"hosts": "x.test"}), 400, "'hosts' must be an array"},
		{"add hosts of numbers", add(map[string]any{"hosts": []int{1}}), 400, "'hosts' must be an array of strings"},
		{"add certificate not PEM", add(map[string]any{"certificate": "not a pem"}), 400, certstore.MsgCertificateNotPEM},
		{"add key not PEM", add(map[string]any{"private_key": "garbage"}), 400, certstore.MsgKeyNotPEM},
		{"add key of another certificate", add(map[string]any{"private_key": otherKey}), 400, certstore.MsgKeyMismatch},
		{"add without any matching key", add(map[string]any{"certificate": orphan, "private_key": nil}), 400, certstore.MsgNoSuitableKey},
		{"remove without name", map[string]any{"operation": "remove_certificate"}, 400, "'name' is required"},
		{"remove name not a string", map[string]any{"operation": "remove_certificate", "name": 5}, 400, "'name' must be a string"},
		{"remove unknown", map[string]any{"operation": "remove_certificate", "name": "nope"}, 404, "Certificate 'nope' not found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := h.Super(t, c.body)
			if r.Status != c.status || r.Error() != c.want {
				t.Errorf("got %d %s, want %d %q", r.Status, r.Body, c.status, c.want)
			}
		})
	}
	if _, byName := list(t, h); len(byName) != 2 {
		t.Fatalf("failed operations changed the store: %v", byName)
	}
	entries, err := os.ReadDir(filepath.Join(h.RootPath, "keys"))
	if err != nil || len(entries) != 2 {
		t.Fatalf("failed operations left key files behind: %v %v", entries, err)
	}
}

// TestBodiesThatAreNotObjects calls the handlers directly: the harness
// (like the host) reads the operation name from an object body, so a body
// that is no object never reaches a family through it.
func TestBodiesThatAreNotObjects(t *testing.T) {
	f := newFamily(t)
	for _, c := range []struct {
		name string
		h    func(context.Context, *sdk.Request) (*sdk.Response, error)
		want string
	}{
		{"add", f.addCertificate, certstore.MsgBodyNotObject},
		{"remove", f.removeCertificate, "request body must be a JSON object"},
	} {
		for _, raw := range []string{`[1]`, `"x"`, `null`, `{`} {
			_, err := c.h(context.Background(), &sdk.Request{Body: []byte(raw)})
			if status, msg := answered(err); status != 400 || msg != c.want {
				t.Errorf("%s %s: %d %q, want 400 %q", c.name, raw, status, msg, c.want)
			}
		}
	}
}

// answered is the status and message the SDK answers for a handler's error:
// an *sdk.Error or an error with HTTPStatus (certstore's), else 500.
func answered(err error) (int, string) {
	if e, ok := sdk.AsError(err); ok {
		return e.Status, e.Message
	}
	var se sdk.StatusError
	if errors.As(err, &se) {
		return se.HTTPStatus(), se.Error()
	}
	return 500, fmt.Sprint(err)
}
