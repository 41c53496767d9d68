package config

import "strings"

// Kind is the type a configuration key's value must have.
type Kind int

// The kinds of value a key may hold. Each kind's rules for a set_configuration
// value (strict JSON) and for an environment or flag string live in value.go.
const (
	// KindBool is a JSON boolean.
	KindBool Kind = iota
	// KindInt is a whole JSON number, optionally bounded by Key.Min/Key.Max.
	KindInt
	// KindNumber is any JSON number.
	KindNumber
	// KindPort is a whole number 0-65535, or null to disable the listener.
	KindPort
	// KindString is a JSON string, or null for "not set".
	KindString
	// KindPath is a KindString naming a file or directory; a leading "~" is
	// expanded to the user's home directory when the configuration loads.
	KindPath
	// KindEnum is a string from Key.Values, matched exactly.
	KindEnum
	// KindDuration is a whole number of milliseconds or a duration string
	// ("500ms", "30s", "1d"; see ParseDuration).
	KindDuration
	// KindList is a JSON array, or null.
	KindList
	// KindObject is a JSON object, or null.
	KindObject
	// KindAny accepts any JSON value (keys HarperDB lets hold several shapes,
	// such as threads: 3 or threads: {count: 3}).
	KindAny
)

// Key describes one known configuration key.
type Key struct {
	// Path is the dotted path in the nested configuration, e.g.
	// "operationsApi.network.port".
	Path string
	// Kind is the type its value must have.
	Kind Kind
	// Nullable lets a bool, int, number, enum or duration key be null
	// ("use the built-in behaviour"). Port, string, path, list, object and any
	// keys always accept null.
	Nullable bool
	// Min and Max bound a KindInt value when Max > Min.
	Min, Max int64
	// Values lists the allowed strings of a KindEnum key.
	Values []string
	// Check, when set, is an extra rule run after the kind check (for example
	// the shape of each plugins entry). It returns a reason shown to the user.
	Check func(v any) error
}

// Flat returns the key's flat name: its path with "_" between levels, as
// used by set_configuration and (upper-cased) by environment variables.
func (k Key) Flat() string { return strings.ReplaceAll(k.Path, ".", "_") }

func (k Key) nullable() bool {
	switch k.Kind {
	case KindPort, KindString, KindPath, KindList, KindObject, KindAny:
		return true
	}
	return k.Nullable
}

// open reports whether a key holds structure whose inner keys the schema does
// not list (a family's section, tls as an object or list, ...).
func (k Key) open() bool { return k.Kind == KindObject || k.Kind == KindAny }

// Constructors that keep the key tables below one line per key. The path is
// given in flat form, exactly as HarperDB's canonical name list spells it.
func key(flat string, kind Kind) Key {
	return Key{Path: strings.ReplaceAll(flat, "_", "."), Kind: kind}
}

func orNull(k Key) Key {
	k.Nullable = true
	return k
}

func enumKey(flat string, values ...string) Key {
	k := key(flat, KindEnum)
	k.Values = values
	return k
}

func rangeKey(flat string, minimum, maximum int64) Key {
	k := key(flat, KindInt)
	k.Min, k.Max = minimum, maximum
	return k
}

// logLevels are the logging levels HarperDB accepts, lowest first.
var logLevels = []string{"trace", "debug", "info", "warn", "error", "fatal", "notify"}

// failureModes are the certificate-verification failure modes.
var failureModes = []string{"fail-open", "fail-closed"}

// Keys returns every known key: HarperDB's 183 canonical names followed by
// hops' own keys. The slice is a copy; callers may keep it.
func Keys() []Key {
	out := make([]Key, 0, len(harperKeys)+len(hopsKeys))
	out = append(out, harperKeys...)
	return append(out, hopsKeys...)
}
