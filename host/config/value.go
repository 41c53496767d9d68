package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Reasons a value is refused. Users see them (set_configuration answers 400
// with them), so they are constants pinned by tests.
const (
	ReasonUnknownKey  = "unknown configuration key"
	ReasonNotBool     = "must be a boolean (true or false)"
	ReasonNotInt      = "must be a whole number"
	ReasonNotNumber   = "must be a number"
	ReasonNotPort     = "must be a port number from 0 to 65535, or null"
	ReasonNotString   = "must be a string"
	ReasonNotDuration = `must be milliseconds (a whole number) or a duration such as "500ms", "30s" or "1d"`
	ReasonNotList     = "must be a list"
	ReasonNotObject   = "must be an object"
	ReasonNull        = "must not be null"
	// ReasonRange and ReasonEnum are formats: the bounds, the allowed values.
	ReasonRange = "must be between %d and %d"
	ReasonEnum  = "must be one of [%s]"
)

// maxPort is the largest TCP port number.
const maxPort = 65535

// nullWord is the environment/flag spelling of null for nullable keys.
const nullWord = "null"

// checkValue validates v (a decoded JSON value, or a value a flag parser or
// YAML produced) against k, strictly: booleans only for bools, numbers only
// for numbers, exact enum strings. It returns the value normalized for YAML
// (whole numbers as int64, nested values likewise).
func checkValue(k Key, v any) (any, error) {
	if v == nil {
		if k.nullable() {
			return nil, nil
		}
		return nil, errors.New(ReasonNull)
	}
	out, err := checkKind(k, v)
	if err != nil {
		return nil, err
	}
	if k.Check != nil {
		if err := k.Check(out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func checkKind(k Key, v any) (any, error) {
	switch k.Kind {
	case KindBool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return nil, errors.New(ReasonNotBool)
	case KindInt, KindPort:
		return checkInt(k, v)
	case KindNumber:
		if f, ok := toFloat(v); ok {
			return normalize(f), nil
		}
		return nil, errors.New(ReasonNotNumber)
	case KindString, KindPath:
		if s, ok := v.(string); ok {
			return s, nil
		}
		return nil, errors.New(ReasonNotString)
	case KindEnum:
		if s, ok := v.(string); ok && slices.Contains(k.Values, s) {
			return s, nil
		}
		return nil, fmt.Errorf(ReasonEnum, strings.Join(k.Values, ", "))
	case KindDuration:
		return checkDuration(v)
	case KindList:
		if l, ok := normalize(v).([]any); ok {
			return l, nil
		}
		return nil, errors.New(ReasonNotList)
	case KindObject:
		if m, ok := normalize(v).(map[string]any); ok {
			return m, nil
		}
		return nil, errors.New(ReasonNotObject)
	}
	return normalize(v), nil
}

func checkInt(k Key, v any) (any, error) {
	f, ok := toFloat(v)
	whole := ok && f == math.Trunc(f) && math.Abs(f) < 1<<53
	if k.Kind == KindPort {
		if !whole || f < 0 || f > maxPort {
			return nil, errors.New(ReasonNotPort)
		}
		return int64(f), nil
	}
	if !whole {
		return nil, errors.New(ReasonNotInt)
	}
	if k.Max > k.Min && (f < float64(k.Min) || f > float64(k.Max)) {
		return nil, fmt.Errorf(ReasonRange, k.Min, k.Max)
	}
	return int64(f), nil
}

func checkDuration(v any) (any, error) {
	if f, ok := toFloat(v); ok {
		if f < 0 || f != math.Trunc(f) {
			return nil, errors.New(ReasonNotDuration)
		}
		return int64(f), nil
	}
	if s, ok := v.(string); ok {
		if _, err := ParseDuration(s); err == nil {
			return s, nil
		}
	}
	return nil, errors.New(ReasonNotDuration)
}

// fromString converts an environment or flag string to k's type, then
// checks it like a set_configuration value. It is lenient where a shell is:
// bools accept true/false/1/0/yes/no/on/off in any case, enums any case,
// lists a JSON array or comma-separated items, and "null" is null for
// nullable keys.
func fromString(k Key, s string) (any, error) {
	s = strings.TrimSpace(s)
	if s == nullWord && k.nullable() {
		return nil, nil
	}
	var v any = s
	switch k.Kind {
	case KindBool:
		switch strings.ToLower(s) {
		case "true", "1", "yes", "on":
			v = true
		case "false", "0", "no", "off":
			v = false
		}
	case KindInt, KindPort, KindNumber:
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			v = f
		}
	case KindEnum:
		for _, allowed := range k.Values {
			if strings.EqualFold(allowed, s) {
				v = allowed
			}
		}
	case KindDuration:
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			v = n
		}
	case KindList:
		v = splitList(s)
	case KindObject, KindAny:
		var parsed any
		if err := json.Unmarshal([]byte(s), &parsed); err == nil {
			v = parsed
		}
	}
	return checkValue(k, v)
}

// splitList reads a JSON array, or else comma-separated items.
func splitList(s string) any {
	if strings.HasPrefix(s, "[") {
		var l []any
		if err := json.Unmarshal([]byte(s), &l); err == nil {
			return l
		}
		return s
	}
	out := []any{}
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// toFloat reads any Go or JSON number.
func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case int32:
		return float64(n), true
	case uint64:
		return float64(n), true
	case uint:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// normalize turns a decoded JSON value into the shapes YAML writes well:
// whole numbers become int64, other numbers float64, []string and nested
// values are copied into []any and map[string]any.
func normalize(v any) any {
	if f, ok := toFloat(v); ok {
		if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return int64(f)
		}
		return f
	}
	switch t := v.(type) {
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = normalize(e)
		}
		return out
	case []string:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = e
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = normalize(e)
		}
		return out
	}
	return v
}
