package config

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	good := map[string]time.Duration{
		"30000":  30 * time.Second,
		"0":      0,
		"500ms":  500 * time.Millisecond,
		"30s":    30 * time.Second,
		"10m":    10 * time.Minute,
		"1h30m":  90 * time.Minute,
		"1.5h":   90 * time.Minute,
		"1d":     24 * time.Hour,
		"30d":    30 * 24 * time.Hour,
		"1D":     24 * time.Hour,
		"2d12h":  60 * time.Hour,
		" 5s ":   5 * time.Second,
		"250us":  250 * time.Microsecond,
		"250µs":  250 * time.Microsecond,
		"1000ns": time.Microsecond,
	}
	for in, want := range good {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "soon", "-5", "-5s", "5x", "s", "1..5s", "99999999999d"} {
		if _, err := ParseDuration(in); !errors.Is(err, ErrBadDuration) {
			t.Errorf("ParseDuration(%q) error = %v, want ErrBadDuration", in, err)
		}
	}
}

func TestDurationAccessorAndType(t *testing.T) {
	c := testConfig(t, "supervisor:\n  pingInterval: 1500\n  restartBackoffMax: 2m\n", nil, nil)
	if got := c.Duration("supervisor.pingInterval"); got != 1500*time.Millisecond {
		t.Errorf("number as ms: %v", got)
	}
	if got := c.Duration("supervisor.restartBackoffMax"); got != 2*time.Minute {
		t.Errorf("string: %v", got)
	}
	if got := c.Duration("authentication.refreshTokenTimeout"); got != 30*24*time.Hour {
		t.Errorf("default 30d: %v", got)
	}
	if got := c.Duration("no.such.key"); got != 0 {
		t.Errorf("missing key: %v", got)
	}
	var s struct {
		Ping Duration `json:"pingInterval"`
		Max  Duration `json:"restartBackoffMax"`
		Min  Duration `json:"restartBackoffMin"`
	}
	if err := c.Unmarshal("supervisor", &s); err != nil {
		t.Fatal(err)
	}
	if s.Ping.Std() != 1500*time.Millisecond || s.Max.Std() != 2*time.Minute || s.Min.Std() != 50*time.Millisecond {
		t.Errorf("Unmarshal durations = %v %v %v", s.Ping.Std(), s.Max.Std(), s.Min.Std())
	}
	b, err := json.Marshal(s.Max)
	if err != nil || string(b) != `"2m0s"` {
		t.Errorf("MarshalJSON = %s, %v", b, err)
	}
	var back Duration
	if err := json.Unmarshal(b, &back); err != nil || back != s.Max {
		t.Errorf("round trip = %v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`"soon"`), &back); !errors.Is(err, ErrBadDuration) {
		t.Errorf("bad duration string: %v", err)
	}
}
