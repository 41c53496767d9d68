package main

import "github.com/hops-dev/hops/host/config"

// keyFlagCommands are the commands that take `--KEY value` config flags.
var keyFlagCommands = map[string]bool{"run": true, "start": true, "restart": true}

// splitKeyFlags takes HarperDB's config flags (`--OPERATIONSAPI_NETWORK_PORT
// 9950`, `--LOGGING_LEVEL=debug`) out of a run, start or restart command
// line before cobra parses it: host/config's SplitKeyFlags decides which
// flags name keys and returns them by dotted path, the config's flag
// layer. Other commands' lines are left whole.
func splitKeyFlags(args []string) (rest []string, keys map[string]any, err error) {
	if len(args) == 0 || !keyFlagCommands[args[0]] {
		return args, map[string]any{}, nil
	}
	keys, rest, err = config.SplitKeyFlags(args[1:])
	if err != nil {
		return nil, nil, err
	}
	return append([]string{args[0]}, rest...), keys, nil
}
