package exporter

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestValidNumberMatchesEncodingJSON(t *testing.T) {
	cases := []string{
		"0", "-0", "1", "42.50", "-12.5e+3", "1E9", "12345678901234567890123",
		"-", "01", "1.", ".5", "1e", "1e+", "+1", "0x10", "NaN", "Infinity", "1_000", "1 ", "--1",
	}
	if validNumber("") {
		t.Error(`validNumber("") = true; encoding/json writes it as 0, so it must take that path`)
	}
	for _, s := range cases {
		_, err := json.Marshal(json.Number(s))
		if got, want := validNumber(s), err == nil; got != want {
			t.Errorf("validNumber(%q) = %v, encoding/json accepts it: %v", s, got, want)
		}
	}
}

func TestJSONNumberKeepsItsDigits(t *testing.T) {
	big := "12345678901234567890123"
	got := encode(t, FormatJSON, []string{"v"}, map[string]any{"v": json.Number(big)})
	if got != `[{"v":`+big+`}]` {
		t.Fatalf("got %s", got)
	}
	csv := encode(t, FormatCSV, []string{"v"}, map[string]any{"v": json.Number("-1.5e3")})
	if csv != "v\n-1.5e3\n" {
		t.Fatalf("csv got %q", csv)
	}
}

func TestInvalidJSONNumberIsRefused(t *testing.T) {
	enc, _ := NewEncoder(FormatJSON, &strings.Builder{})
	_ = enc.Begin([]string{"v"})
	if err := enc.Row(map[string]any{"v": json.Number("0x10")}); err == nil {
		t.Fatal("an invalid json.Number was written")
	}
}
