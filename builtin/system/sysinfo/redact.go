package sysinfo

import "strings"

// redacted replaces a secret's value in a process's params.
const redacted = "[REDACTED]"

// secretWords mark a command-line flag whose value is a secret
// (--admin-password, --token, --CLI_TARGET_PASSWORD, --secret-key, ...).
var secretWords = []string{"password", "passwd", "secret", "token", "credential", "apikey", "api-key", "api_key"}

// redactArgs returns args with the value of every secret flag replaced:
// "--admin-password=x" and "--admin-password x" alike. system_information
// shows the host's and the families' command lines, and anyone allowed to
// run it must not learn a password from them.
func redactArgs(args []string) []string {
	out := make([]string, len(args))
	copy(out, args)
	for i := 0; i < len(out); i++ {
		a := out[i]
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !isSecretFlag(name) {
			continue
		}
		if hasValue {
			out[i] = a[:strings.IndexByte(a, '=')+1] + redacted
		} else if i+1 < len(out) && !strings.HasPrefix(out[i+1], "--") {
			out[i+1] = redacted
			i++
		}
	}
	return out
}

func isSecretFlag(name string) bool {
	n := strings.ToLower(name)
	for _, w := range secretWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}
