package sdk

import (
	"bytes"
	"encoding/json"
	"strings"
)

// These helpers read one field of the map Request.Fields returns. They
// remain for the callers not yet moved to the Fields reader (ReadFields),
// which replaces them.

// Field messages, as HarperDB's Joi validator words them.
const (
	msgRequired   = "'%s' is required"
	msgString     = "'%s' must be a string"
	msgEmpty      = "'%s' is not allowed to be empty"
	msgBool       = "'%s' must be a boolean"
	msgNumber     = "'%s' must be a number"
	msgArray      = "'%s' must be an array"
	msgObject     = "'%s' must be of type object"
	msgArrayItems = "'%s' must be an array of strings"
)

// Present reports whether the field is present and not null.
func Present(fields map[string]json.RawMessage, name string) bool {
	raw, ok := fields[name]
	return ok && !isNull(raw)
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

// String reads a string field. required: absent or null is an error;
// otherwise absent yields ok=false. An empty string is refused when
// allowEmpty is false.
func String(fields map[string]json.RawMessage, name string, required, allowEmpty bool) (s string, ok bool, err error) {
	if !Present(fields, name) {
		if required {
			return "", false, BadRequest(msgRequired, name)
		}
		return "", false, nil
	}
	if err := json.Unmarshal(fields[name], &s); err != nil {
		return "", false, BadRequest(msgString, name)
	}
	if s == "" && !allowEmpty {
		return "", false, BadRequest(msgEmpty, name)
	}
	return s, true, nil
}

// Bool reads a strict boolean field (JSON true/false only).
func Bool(fields map[string]json.RawMessage, name string, required bool) (b bool, ok bool, err error) {
	if !Present(fields, name) {
		if required {
			return false, false, BadRequest(msgRequired, name)
		}
		return false, false, nil
	}
	if err := json.Unmarshal(fields[name], &b); err != nil {
		return false, false, BadRequest(msgBool, name)
	}
	return b, true, nil
}

// Number reads a JSON number field.
func Number(fields map[string]json.RawMessage, name string, required bool) (n float64, ok bool, err error) {
	if !Present(fields, name) {
		if required {
			return 0, false, BadRequest(msgRequired, name)
		}
		return 0, false, nil
	}
	if err := json.Unmarshal(fields[name], &n); err != nil {
		return 0, false, BadRequest(msgNumber, name)
	}
	return n, true, nil
}

// Strings reads an array-of-strings field.
func Strings(fields map[string]json.RawMessage, name string, required bool) (ss []string, ok bool, err error) {
	if !Present(fields, name) {
		if required {
			return nil, false, BadRequest(msgRequired, name)
		}
		return nil, false, nil
	}
	raw := bytes.TrimSpace(fields[name])
	if len(raw) == 0 || raw[0] != '[' {
		return nil, false, BadRequest(msgArray, name)
	}
	if err := json.Unmarshal(raw, &ss); err != nil {
		return nil, false, BadRequest(msgArrayItems, name)
	}
	return ss, true, nil
}

// Object reads an object field into v.
func Object(fields map[string]json.RawMessage, name string, required bool, v any) (ok bool, err error) {
	if !Present(fields, name) {
		if required {
			return false, BadRequest(msgRequired, name)
		}
		return false, nil
	}
	raw := bytes.TrimSpace(fields[name])
	if len(raw) == 0 || raw[0] != '{' {
		return false, BadRequest(msgObject, name)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, BadRequest("'%s' is invalid: %v", name, err)
	}
	return true, nil
}

// FirstOf returns the name of the first of the aliases present in fields
// (e.g. "database" or "schema"), or the first alias when none is.
func FirstOf(fields map[string]json.RawMessage, aliases ...string) string {
	for _, a := range aliases {
		if Present(fields, a) {
			return a
		}
	}
	return aliases[0]
}

// Join joins several validation messages the way HarperDB does ("a. b").
func Join(msgs []string) string { return strings.Join(msgs, ". ") }
