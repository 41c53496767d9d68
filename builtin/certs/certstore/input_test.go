package certstore

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/hops-dev/hops/sdk"
)

func TestDecodeAddInputFieldErrors(t *testing.T) {
	cases := []struct {
		body string
		msg  string
	}{
		{`[]`, MsgBodyNotObject},
		{`null`, MsgBodyNotObject},
		{`not json`, MsgBodyNotObject},
		{`{"certificate":"x","is_authority":true}`, "'name' is required"},
		{`{"name":null,"certificate":"x","is_authority":true}`, "'name' must be a string"},
		{`{"name":"a","certificate":"x","is_authority":null}`, "'is_authority' must be a boolean"},
		{`{"Name":"a","name":"b","certificate":"x","is_authority":true,"hosts":null}`, "'hosts' must be an array"},
		{`{"NAME":"a","Certificate":"x","is_Authority":true}`, "'name' is required. 'certificate' is required. 'is_authority' is required"},
		{`{"name":5,"certificate":"","is_authority":"yes","hosts":[1]}`,
			"'name' must be a string. 'certificate' is not allowed to be empty. 'is_authority' must be a boolean. 'hosts' must be an array of strings"},
		{`{"name":5,"certificate":"x","is_authority":true}`, "'name' must be a string"},
		{`{"name":"","certificate":"x","is_authority":true}`, "'name' is not allowed to be empty"},
		{`{"name":"a","is_authority":true}`, "'certificate' is required"},
		{`{"name":"a","certificate":{},"is_authority":true}`, "'certificate' must be a string"},
		{`{"name":"a","certificate":"","is_authority":true}`, "'certificate' is not allowed to be empty"},
		{`{"name":"a","certificate":"x"}`, "'is_authority' is required"},
		{`{"name":"a","certificate":"x","is_authority":"true"}`, "'is_authority' must be a boolean"},
		{`{"name":"a","certificate":"x","is_authority":1}`, "'is_authority' must be a boolean"},
		{`{"name":"a","certificate":"x","is_authority":true,"private_key":7}`, "'private_key' must be a string"},
		{`{"name":"a","certificate":"x","is_authority":true,"private_key":""}`, "'private_key' is not allowed to be empty"},
		{`{"name":"a","certificate":"x","is_authority":true,"hosts":"h"}`, "'hosts' must be an array"},
		{`{"name":"a","certificate":"x","is_authority":true,"hosts":["h",1]}`, "'hosts' must be an array of strings"},
		{`{"name":"a","certificate":"x","is_authority":true,"uses":{}}`, "'uses' must be an array"},
	}
	for _, c := range cases {
		_, err := DecodeAddInput([]byte(c.body))
		var e struct {
			Status  int
			Message string
		}
		ok := false
		if se, isSDK := sdk.AsError(err); isSDK {
			e.Status, e.Message, ok = se.Status, se.Message, true
		} else if ce, isStore := AsError(err); isStore {
			e.Status, e.Message, ok = ce.Status, ce.Message, true
		}
		if !ok || e.Status != http.StatusBadRequest || e.Message != c.msg {
			t.Errorf("DecodeAddInput(%s) = %v, want 400 %q", c.body, err, c.msg)
		}
	}
}

func TestMessageConstants(t *testing.T) {
	pinned := map[string]string{
		fmt.Sprintf(MsgRequired, "name"):     "'name' is required",
		fmt.Sprintf(MsgNotFound, "x"):        "Certificate 'x' not found",
		MsgNoSuitableKey:                     "A suitable private key was not found for this certificate",
		AddedMessage("conf_rsa"):             "Successfully added certificate: conf_rsa",
		RemovedMessage("conf_rsa"):           "Successfully removed conf_rsa",
		fmt.Sprintf(MsgArray, "hosts"):       "'hosts' must be an array",
		fmt.Sprintf(MsgBool, "is_authority"): "'is_authority' must be a boolean",
	}
	for got, want := range pinned {
		if got != want {
			t.Errorf("message %q, want %q", got, want)
		}
	}
}

func TestDecodeAddInputValues(t *testing.T) {
	body := `{"operation":"add_certificate","name":"n","certificate":"PEM","is_authority":false,
		"hosts":["a.local","b.local"],"uses":[],"private_key":"KEY","extra":1}`
	in, err := DecodeAddInput([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := AddInput{Name: "n", Certificate: "PEM", Hosts: []string{"a.local", "b.local"}, Uses: []string{}, PrivateKey: "KEY"}
	if !reflect.DeepEqual(in, want) {
		t.Fatalf("got %#v, want %#v", in, want)
	}
	// The last of duplicate keys wins, as in JSON.parse.
	in, err = DecodeAddInput([]byte(`{"name":"first","certificate":"PEM","is_authority":true,"name":"last"}`))
	if err != nil || in.Name != "last" || !in.IsAuthority {
		t.Fatalf("duplicates: %#v, %v", in, err)
	}
}

func TestAddInputNeverShowsKey(t *testing.T) {
	in := AddInput{Name: "n", Certificate: "PEM", PrivateKey: "-----BEGIN PRIVATE KEY-----SECRET"}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{string(b), fmt.Sprint(in), fmt.Sprintf("%+v", in), fmt.Sprintf("%#v", in)} {
		if strings.Contains(text, "SECRET") || strings.Contains(text, "private_key\":") {
			t.Errorf("key leaked: %s", text)
		}
	}
}

func TestUnsafeNames(t *testing.T) {
	s, _ := openStore(t)
	key := ecKey(t)
	cert := selfSignedPEM(t, key, "x.local")
	for _, name := range []string{"a/b", `a\b`, "..", "a..b", "../x", "a\x00b", "."} {
		err := s.Add(AddInput{Name: name, Certificate: cert, IsAuthority: true})
		wantStatus(t, err, http.StatusBadRequest, MsgUnsafeName)
	}
	err := s.Add(AddInput{Name: strings.Repeat("n", maxNameLength+1), Certificate: cert, IsAuthority: true})
	wantStatus(t, err, http.StatusBadRequest, "'name' length must be less than or equal to 200 characters long")
	mustAdd(t, s, AddInput{Name: strings.Repeat("n", maxNameLength), Certificate: cert, PrivateKey: pkcs8PEM(t, key)})
	err = s.Add(AddInput{Name: "", Certificate: cert, IsAuthority: true})
	wantStatus(t, err, http.StatusBadRequest, "'name' is required")
}
