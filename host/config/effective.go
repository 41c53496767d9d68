package config

import "strings"

// Redacted replaces a secret's value in Effective.
const Redacted = "[redacted]"

// secretWords mark a key as secret when its name, lower-cased with "_" and
// "-" removed, contains one of them (password, aws_secret_access_key,
// privateKey, private_key, passphrase, ...).
var secretWords = []string{"password", "passwd", "secret", "privatekey", "passphrase"}

// Effective returns the nested configuration a restart would run with (the
// running one, or the result of the last Set), with secrets masked: the value
// of every key named like a password, secret or private key is Redacted, as
// is the value part of a NAME=value list entry whose NAME is. For
// get_configuration.
func (c *Config) Effective() map[string]any {
	m, _ := redact(c.current().Raw()).(map[string]any)
	return m
}

// isSecretName reports whether a key name or dotted path's last segment
// names a secret.
func isSecretName(name string) bool {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	n := strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(name))
	for _, w := range secretWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// redact returns a copy of v with secrets masked.
func redact(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			if isSecretName(k) && e != nil {
				out[k] = Redacted
				continue
			}
			out[k] = redact(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = redact(e)
		}
		return out
	case string:
		if name, _, ok := strings.Cut(t, "="); ok && isSecretName(name) {
			return name + "=" + Redacted
		}
	}
	return v
}
