package config

import (
	"encoding/json"
	"strings"
	"testing"
)

const secretFile = `tls:
  privateKey: /keys/privateKey.pem
families:
  export:
    s3:
      endpoint: http://minio
      aws_secret_access_key: s3cr3t
      AWS_SECRET_ACCESS_KEY_ID: also
  records:
    db:
      password: hunter2
      private_key: pk
      passwordHint: null
plugins:
  - name: p
    path: /p
    env: ["AWS_SECRET_ACCESS_KEY=xyz", "TZ=UTC", "HOME"]
`

func TestEffectiveRedactsSecrets(t *testing.T) {
	c := testConfig(t, secretFile, nil, nil)
	eff := c.Effective()
	b, err := json.Marshal(eff)
	if err != nil {
		t.Fatal(err)
	}
	out := string(b)
	for _, secret := range []string{"s3cr3t", "also", "hunter2", "pk\"", "xyz", "privateKey.pem"} {
		if strings.Contains(out, secret) {
			t.Errorf("Effective leaks %q: %s", secret, out)
		}
	}
	for _, kept := range []string{`"endpoint":"http://minio"`, `"TZ=UTC"`, `"HOME"`, `"AWS_SECRET_ACCESS_KEY=[redacted]"`,
		`"password":"[redacted]"`, `"passwordHint":null`, `"level":"info"`} {
		if !strings.Contains(out, kept) {
			t.Errorf("Effective lacks %s: %s", kept, out)
		}
	}
	// The family itself gets its real section.
	sec, err := c.SectionJSON("families.export")
	if err != nil || !strings.Contains(string(sec), "s3cr3t") {
		t.Errorf("SectionJSON = %s, %v; want unredacted", sec, err)
	}
	// Effective is a copy: changing it does not change the config.
	eff["logging"].(map[string]any)["level"] = "trace"
	if c.String("logging.level") != "info" {
		t.Error("Effective shares maps with the config")
	}
}

func TestAccessors(t *testing.T) {
	c := testConfig(t, secretFile, nil, nil)
	if got := c.Strings("replication.routes"); len(got) != 0 {
		t.Errorf("empty list = %q", got)
	}
	if got := c.Strings("families.export.s3.endpoint"); len(got) != 1 || got[0] != "http://minio" {
		t.Errorf("string as list = %q", got)
	}
	if c.Exists("operationsApi.network.securePort") || !c.Exists("operationsApi.network.port") {
		t.Error("Exists wrong for null/non-null")
	}
	if sec, err := c.SectionJSON("families.certs"); err != nil || string(sec) != `{"hostname":null,"maxProcs":null}` {
		t.Errorf("empty section = %s, %v", sec, err)
	}
	if sec, err := c.SectionJSON("families.nosuch"); err != nil || string(sec) != "{}" {
		t.Errorf("missing section = %s, %v", sec, err)
	}
	ps, err := c.Plugins()
	if err != nil || len(ps) != 1 || ps[0].Path != "/p" || len(ps[0].Env) != 3 {
		t.Errorf("Plugins = %+v, %v", ps, err)
	}
}
