package config

import (
	"bytes"
	"encoding/json"
	"testing"
)

// encodeEffective is what get_configuration answered before EffectiveJSON:
// Effective, restartPending when pending, encoded by the SDK.
func encodeEffective(t testing.TB, c *Config) []byte {
	t.Helper()
	eff := c.Effective()
	if c.PendingRestart() {
		eff["restartPending"] = true
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(eff); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func wantEffectiveJSON(t *testing.T, c *Config, when, level string, pending bool) {
	t.Helper()
	got, err := c.EffectiveJSON()
	if err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	if want := encodeEffective(t, c); !bytes.Equal(got, want) {
		t.Fatalf("%s: EffectiveJSON =\n%s\nwant\n%s", when, got, want)
	}
	var m struct {
		Logging        struct{ Level string }
		RestartPending bool
	}
	if err := json.Unmarshal(got, &m); err != nil || m.Logging.Level != level || m.RestartPending != pending {
		t.Fatalf("%s: level %q pending %v (%v), want %q %v", when, m.Logging.Level, m.RestartPending, err, level, pending)
	}
}

func TestEffectiveJSONFollowsSetAndReload(t *testing.T) {
	c := testConfig(t, userFile, nil, nil)
	wantEffectiveJSON(t, c, "at start", "info", false)
	wantEffectiveJSON(t, c, "again", "info", false)
	if err := c.Set(map[string]any{"logging_level": "warn"}); err != nil {
		t.Fatal(err)
	}
	wantEffectiveJSON(t, c, "after Set", "warn", true)
	if err := c.Set(map[string]any{"logging_level": "error"}); err != nil {
		t.Fatal(err)
	}
	wantEffectiveJSON(t, c, "after a second Set", "error", true)
	if err := c.Reload(); err != nil {
		t.Fatal(err)
	}
	wantEffectiveJSON(t, c, "after Reload", "error", false)
}

// BenchmarkGetConfiguration compares building the answer on every call
// (copy, redact, encode) with the kept answer.
func BenchmarkGetConfiguration(b *testing.B) {
	c := testConfig(b, userFile, nil, nil)
	b.Run("Effective+encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			encodeEffective(b, c)
		}
	})
	b.Run("EffectiveJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.EffectiveJSON(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
