package sysinfo

import (
	"strings"
	"testing"
)

func TestRedactArgs(t *testing.T) {
	for in, want := range map[string]string{
		"run --admin-password=Hunter#2 --port 9925":  "run --admin-password=[REDACTED] --port 9925",
		"run --admin-password Hunter#2 --port 9925":  "run --admin-password [REDACTED] --port 9925",
		"op --CLI_TARGET_PASSWORD s3cret get_status": "op --CLI_TARGET_PASSWORD [REDACTED] get_status",
		"-token abc -x": "-token [REDACTED] -x",
		"--aws-secret-access-key=K1 --api_key K2":        "--aws-secret-access-key=[REDACTED] --api_key [REDACTED]",
		"plugin builtin records":                         "plugin builtin records",
		"run --admin-password-file /run/secrets/hops":    "run --admin-password-file [REDACTED]",
		"run --admin-password":                           "run --admin-password",
		"run --OPERATIONSAPI_NETWORK_PORT 9925 --root x": "run --OPERATIONSAPI_NETWORK_PORT 9925 --root x",
	} {
		if got := strings.Join(redactArgs(strings.Fields(in)), " "); got != want {
			t.Errorf("redactArgs(%q) = %q, want %q", in, got, want)
		}
	}
}
