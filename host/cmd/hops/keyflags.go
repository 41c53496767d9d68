package main

import (
	"fmt"
	"strings"

	"github.com/hops-dev/hops/host/config"
)

// keyFlagCommands are the commands that take `--KEY value` config flags.
var keyFlagCommands = map[string]bool{"run": true, "start": true, "restart": true}

// splitKeyFlags takes HarperDB's config flags out of a run, start or
// restart command line: `--OPERATIONSAPI_NETWORK_PORT 9950` or
// `--LOGGING_LEVEL=debug`, a flag whose name is upper case and names a
// config key by its flat name (the environment variable's name). It
// returns the rest of the line for cobra and the keys by dotted path,
// values as given (the config converts them to each key's type, exactly
// as it does an environment value). An upper-case flag that names no key
// is an error. Lower-case flags are cobra's; parsing stops at "--".
func splitKeyFlags(args []string) (rest []string, keys map[string]any, err error) {
	keys = map[string]any{}
	if len(args) == 0 || !keyFlagCommands[args[0]] {
		return args, keys, nil
	}
	paths := map[string]string{}
	for _, k := range config.Keys() {
		paths[strings.ToLower(k.Flat())] = k.Path
	}
	rest = append(rest, args[0])
	for i := 1; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if !strings.HasPrefix(a, "--") || !isKeyFlagName(name) {
			rest = append(rest, a)
			continue
		}
		path, ok := paths[strings.ToLower(name)]
		if !ok {
			return nil, nil, fmt.Errorf("--%s names no config key (see docs/configuration.md)", name)
		}
		if !hasValue {
			if i+1 >= len(args) {
				return nil, nil, fmt.Errorf("--%s needs a value", name)
			}
			i++
			value = args[i]
		}
		keys[path] = value
	}
	return rest, keys, nil
}

// isKeyFlagName reports whether a flag name is written as a config key:
// upper-case letters, digits and "_", starting with a letter.
func isKeyFlagName(name string) bool {
	if name == "" || name[0] < 'A' || name[0] > 'Z' {
		return false
	}
	for _, r := range name {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '_' {
			return false
		}
	}
	return true
}
