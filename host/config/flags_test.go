package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestSplitKeyFlags(t *testing.T) {
	flags, rest, err := SplitKeyFlags([]string{"--root", "/r", "--OPERATIONSAPI_NETWORK_PORT", "9950",
		"--logging_level=debug", "-x", "--", "--LOGGING_FILE", "false"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"operationsApi.network.port": "9950", "logging.level": "debug"}
	if !reflect.DeepEqual(flags, want) {
		t.Errorf("flags = %v, want %v", flags, want)
	}
	if wantRest := []string{"--root", "/r", "-x", "--", "--LOGGING_FILE", "false"}; !reflect.DeepEqual(rest, wantRest) {
		t.Errorf("rest = %v, want %v", rest, wantRest)
	}
	for _, bad := range [][]string{{"--HTTP_PORT", "1"}, {"--LOGGING_LEVEL"}} {
		if _, _, err := SplitKeyFlags(bad); err == nil || !strings.Contains(err.Error(), strings.TrimLeft(bad[0], "-")) {
			t.Errorf("SplitKeyFlags(%v) = %v", bad, err)
		}
	}
	// The flags load as the flag layer, converted to each key's type.
	c := testConfig(t, "", nil, flags)
	if c.Int("operationsApi.network.port") != 9950 || c.String("logging.level") != "debug" {
		t.Errorf("flag layer: port %d level %q", c.Int("operationsApi.network.port"), c.String("logging.level"))
	}
	if p, ok := KeyFlagPath("AUTHENTICATION_CACHETTL"); !ok || p != "authentication.cacheTTL" {
		t.Errorf("KeyFlagPath = %q, %v", p, ok)
	}
}
