package clustering

import (
	"testing"

	"github.com/hops-dev/hops/sdk"
)

func TestJoinAuthForms(t *testing.T) {
	cases := []struct {
		body, header string
		ok           bool
		err          bool
	}{
		{`{}`, "", false, false},
		{`{"authorization":null}`, "", false, false},
		{`{"authorization":"Basic eDp5"}`, "Basic eDp5", true, false},
		{`{"authorization":{"username":"x","password":"y"}}`, "Basic eDp5", true, false},
		{`{"authorization":{"username":"x"}}`, "", false, true},
		{`{"authorization":7}`, "", false, true},
	}
	for _, tc := range cases {
		h, ok, err := joinAuth(sdk.ReadFields([]byte(tc.body)))
		if h != tc.header || ok != tc.ok || (err != nil) != tc.err {
			t.Errorf("%s: %q %v %v", tc.body, h, ok, err)
		}
	}
	for u, want := range map[string]bool{"http://a:9925/": true, "HTTPS://a": true, "nats-route://a:9933": false, "a:9933": false, "wss://a": false} {
		if isOpsURL(u) != want {
			t.Errorf("isOpsURL(%q) = %v", u, !want)
		}
	}
}
