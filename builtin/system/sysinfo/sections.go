package sysinfo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Section names accepted in `attributes`, in HarperDB reply order.
const (
	SectionSystem            = "system"
	SectionTime              = "time"
	SectionCPU               = "cpu"
	SectionMemory            = "memory"
	SectionDisk              = "disk"
	SectionNetwork           = "network"
	SectionHarperDBProcesses = "harperdb_processes"
	SectionTableSize         = "table_size"
	SectionMetrics           = "metrics"
	SectionThreads           = "threads"
	SectionReplication       = "replication"

	// AliasDatabaseMetrics is HarperDB's other name for SectionMetrics; the
	// reply key is still "metrics".
	AliasDatabaseMetrics = "database_metrics"
)

// AllSections lists every section in reply order; it is what an absent,
// null or empty `attributes` selects.
var AllSections = []string{
	SectionSystem, SectionTime, SectionCPU, SectionMemory, SectionDisk,
	SectionNetwork, SectionHarperDBProcesses, SectionTableSize,
	SectionMetrics, SectionThreads, SectionReplication,
}

// Error messages a caller sees (as HTTP 400); pinned by tests.
const (
	// MsgAttributesNotArray answers `attributes` that is not a JSON array.
	MsgAttributesNotArray = "'attributes' must be an array"
	// MsgAttributeNotString is a format for an element that is not a
	// string; %d is its index.
	MsgAttributeNotString = "'attributes[%d]' must be a string"
	// MsgUnknownSection is a format for an unknown section name; the first
	// %s is the name, the second the valid names.
	MsgUnknownSection = "'attributes' contains an unknown section: %s. Valid sections: %s"
)

// BadInputError is a mistake in the caller's request; an operation family
// answers it with HTTP 400 and Error() as the message.
type BadInputError struct {
	// Msg is the user-facing message.
	Msg string
}

// Error returns the user-facing message.
func (e *BadInputError) Error() string { return e.Msg }

// validSectionList is the "Valid sections" part of MsgUnknownSection.
var validSectionList = strings.Join(append(append([]string{}, AllSections...), AliasDatabaseMetrics), ", ")

// canonicalSection maps an accepted name to its reply key.
func canonicalSection(name string) (string, bool) {
	if name == AliasDatabaseMetrics {
		return SectionMetrics, true
	}
	for _, s := range AllSections {
		if s == name {
			return s, true
		}
	}
	return "", false
}

// ParseAttributes validates the raw `attributes` field of a
// system_information request and returns the canonical section names,
// deduplicated, in request order. Absent (nil or empty raw), null or an
// empty array selects AllSections. The error is a *BadInputError.
func ParseAttributes(raw json.RawMessage) ([]string, error) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return append([]string(nil), AllSections...), nil
	}
	var items []json.RawMessage
	if trimmed[0] != '[' || json.Unmarshal(trimmed, &items) != nil {
		return nil, &BadInputError{Msg: MsgAttributesNotArray}
	}
	names := make([]string, 0, len(items))
	for i, item := range items {
		var name string
		if bytes.Equal(item, []byte("null")) || json.Unmarshal(item, &name) != nil {
			return nil, &BadInputError{Msg: fmt.Sprintf(MsgAttributeNotString, i)}
		}
		names = append(names, name)
	}
	return normalizeSections(names)
}

// normalizeSections canonicalizes and deduplicates names; none selects all.
func normalizeSections(names []string) ([]string, error) {
	if len(names) == 0 {
		return append([]string(nil), AllSections...), nil
	}
	out := make([]string, 0, len(names))
	seen := make(map[string]bool, len(names))
	for _, name := range names {
		canon, ok := canonicalSection(name)
		if !ok {
			return nil, &BadInputError{Msg: fmt.Sprintf(MsgUnknownSection, name, validSectionList)}
		}
		if !seen[canon] {
			seen[canon] = true
			out = append(out, canon)
		}
	}
	return out, nil
}
