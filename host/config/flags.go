package config

import (
	"fmt"
	"strings"
)

// KeyFlagPath resolves a HarperDB-style command-line flag name
// (OPERATIONSAPI_NETWORK_PORT, logging_level, or a dotted path; any case,
// without the leading dashes) to the path of a key hops acts on.
func KeyFlagPath(name string) (string, bool) {
	k, ok := known.dotted(name)
	if !ok || !known.acts(k.Path) {
		return "", false
	}
	return k.Path, true
}

// SplitKeyFlags takes HarperDB's `--KEY value` and `--KEY=value` flags
// out of args: a flag whose name (after "-" or "--") names a known key,
// matched as KeyFlagPath does, in the flat upper-case form with at least
// one "_" (--OPERATIONSAPI_NETWORK_PORT 9950, --LOGGING_LEVEL debug). It
// returns them as Options.Flags (path -> string value, converted to the
// key's type when the configuration loads) and the other arguments in
// order, for the command's own flag parser. A key flag without a value, or
// one naming a HarperDB key hops does not implement, is an error naming it.
// "--" ends the scan.
func SplitKeyFlags(args []string) (map[string]any, []string, error) {
	flags := map[string]any{}
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || !strings.Contains(name, "_") {
			rest = append(rest, a)
			continue
		}
		k, ok := known.dotted(name)
		if !ok {
			rest = append(rest, a)
			continue
		}
		if !known.acts(k.Path) {
			return nil, nil, fmt.Errorf("config: flag --%s: %s", name, ReasonNotImplemented)
		}
		if !hasValue {
			if i+1 >= len(args) {
				return nil, nil, fmt.Errorf("config: flag --%s needs a value", name)
			}
			i++
			value = args[i]
		}
		flags[k.Path] = value
	}
	return flags, rest, nil
}
