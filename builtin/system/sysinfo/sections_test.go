package sysinfo

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseAttributesSelects(t *testing.T) {
	cases := []struct {
		name string
		raw  string
		want []string
	}{
		{"absent", "", AllSections},
		{"null", "null", AllSections},
		{"null with spaces", "  null \n", AllSections},
		{"empty array", "[]", AllSections},
		{"one", `["time"]`, []string{SectionTime}},
		{"request order kept", `["memory","cpu"]`, []string{SectionMemory, SectionCPU}},
		{"alias", `["database_metrics"]`, []string{SectionMetrics}},
		{"alias and name deduplicated", `["metrics","time","database_metrics"]`, []string{SectionMetrics, SectionTime}},
		{"every name", `["system","time","cpu","memory","disk","network","harperdb_processes","table_size","metrics","threads","replication"]`, AllSections},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var raw json.RawMessage
			if tc.raw != "" {
				raw = json.RawMessage(tc.raw)
			}
			got, err := ParseAttributes(raw)
			if err != nil {
				t.Fatalf("ParseAttributes(%s): %v", tc.raw, err)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("ParseAttributes(%s) = %v, want %v", tc.raw, got, tc.want)
			}
		})
	}
}

func TestParseAttributesDoesNotShareAllSections(t *testing.T) {
	got, err := ParseAttributes(nil)
	if err != nil {
		t.Fatal(err)
	}
	got[0] = "mutated"
	if AllSections[0] != SectionSystem {
		t.Fatalf("AllSections was modified through the result: %v", AllSections)
	}
}

func TestParseAttributesRejects(t *testing.T) {
	valid := "system, time, cpu, memory, disk, network, harperdb_processes, table_size, metrics, threads, replication, database_metrics"
	cases := []struct {
		name, raw, want string
	}{
		{"string", `"time"`, "'attributes' must be an array"},
		{"number", `5`, "'attributes' must be an array"},
		{"object", `{"time":true}`, "'attributes' must be an array"},
		{"bool", `true`, "'attributes' must be an array"},
		{"broken JSON", `["time"`, "'attributes' must be an array"},
		{"unknown", `["conf_bogus"]`, "'attributes' contains an unknown section: conf_bogus. Valid sections: " + valid},
		{"unknown after known", `["time","Time"]`, "'attributes' contains an unknown section: Time. Valid sections: " + valid},
		{"number element", `["time",5]`, "'attributes[1]' must be a string"},
		{"null element", `[null]`, "'attributes[0]' must be a string"},
		{"object element", `[{}]`, "'attributes[0]' must be a string"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseAttributes(json.RawMessage(tc.raw))
			if err == nil {
				t.Fatalf("ParseAttributes(%s) = %v, want error", tc.raw, got)
			}
			var bad *BadInputError
			if !errors.As(err, &bad) {
				t.Fatalf("error %T is not a *BadInputError", err)
			}
			if err.Error() != tc.want {
				t.Fatalf("error = %q, want %q", err.Error(), tc.want)
			}
		})
	}
}

func TestUnknownSectionMessageNamesTheSection(t *testing.T) {
	_, err := ParseAttributes(json.RawMessage(`["conf_bogus"]`))
	if err == nil || !strings.Contains(err.Error(), "conf_bogus") || !strings.Contains(err.Error(), "attribute") {
		t.Fatalf("error %v does not name the section and the field", err)
	}
}
