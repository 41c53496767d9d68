package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/knadh/koanf/v2"
)

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
	return effectiveOf(c.current())
}

func effectiveOf(ko *koanf.Koanf) map[string]any {
	m, _ := redact(ko.Raw()).(map[string]any)
	return m
}

// effectiveAnswer is EffectiveJSON's kept answer and what it was made
// from: the configuration a restart would load and the pending flag.
// Set and Reload replace that configuration with a new *koanf.Koanf
// (never changing one in place), so the pair identifies the answer.
type effectiveAnswer struct {
	ko      *koanf.Koanf
	pending bool
	body    []byte
}

// EffectiveJSON returns the get_configuration answer: Effective with
// "restartPending": true added when PendingRestart, encoded as the SDK
// encodes an answer (JSON, sorted keys, HTML characters unescaped, a
// newline after). The encoding is kept until Set or Reload changes what
// it is made from, so a call costs no copy of the configuration while
// nothing changes. The caller must not modify the slice.
func (c *Config) EffectiveJSON() ([]byte, error) {
	c.mu.RLock()
	ko, pending := c.running, c.pending
	if c.next != nil {
		ko = c.next
	}
	c.mu.RUnlock()
	if a := c.effective.Load(); a != nil && a.ko == ko && a.pending == pending {
		return a.body, nil
	}
	eff := effectiveOf(ko)
	if pending {
		eff["restartPending"] = true
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(eff); err != nil {
		return nil, fmt.Errorf("config: encode the effective configuration: %w", err)
	}
	c.effective.Store(&effectiveAnswer{ko: ko, pending: pending, body: buf.Bytes()})
	return buf.Bytes(), nil
}

// secretNameCut removes the separators isSecretName ignores.
var secretNameCut = strings.NewReplacer("_", "", "-", "")

// isSecretName reports whether a key name or dotted path's last segment
// names a secret.
func isSecretName(name string) bool {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	n := strings.ToLower(secretNameCut.Replace(name))
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
