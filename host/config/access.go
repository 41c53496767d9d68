package config

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/knadh/koanf/v2"
)

// The accessors read the running configuration (loaded by New or the last
// Reload) by dotted path. Every known key was type-checked when it loaded, so
// a known key read with the accessor for its kind gives its value; a missing
// or null key gives the zero value.

func (c *Config) view() *koanf.Koanf {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.running
}

// Get returns the raw value at path (maps and lists are copies), or nil.
func (c *Config) Get(path string) any { return c.view().Get(path) }

// Exists reports whether path holds a non-null value.
func (c *Config) Exists(path string) bool { return c.view().Get(path) != nil }

// String returns the value at path as a string ("" if missing or null).
func (c *Config) String(path string) string { return c.view().String(path) }

// Int returns the value at path as an int (0 if missing, null or not a number).
func (c *Config) Int(path string) int { return c.view().Int(path) }

// Bool returns the value at path as a bool (false if missing or null).
func (c *Config) Bool(path string) bool { return c.view().Bool(path) }

// Duration returns the value at path as a duration: a number is
// milliseconds, a string is read by ParseDuration. Missing, null or
// unreadable values give 0.
func (c *Config) Duration(path string) time.Duration {
	v := c.view().Get(path)
	if v == nil {
		return 0
	}
	d, err := durationOf(v)
	if err != nil {
		return 0
	}
	return d
}

// Strings returns the list at path as strings; a single string is a
// one-element list; missing or null gives nil.
func (c *Config) Strings(path string) []string {
	switch v := c.view().Get(path).(type) {
	case nil:
		return nil
	case string:
		return []string{v}
	}
	return c.view().Strings(path)
}

// Unmarshal decodes the value at path into out through JSON, so out's fields
// use `json` tags; use the Duration type for duration fields. A missing path
// leaves out unchanged.
func (c *Config) Unmarshal(path string, out any) error {
	b, err := json.Marshal(c.view().Get(path))
	if err != nil {
		return fmt.Errorf("config: encoding %s: %w", path, err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("config: decoding %s: %w", path, err)
	}
	return nil
}

// SectionJSON returns the value at path as JSON, unredacted: a family's own
// section (families.<name>) as handed to it by Configure. A missing or null
// section is {}.
func (c *Config) SectionJSON(path string) ([]byte, error) {
	v := c.view().Get(path)
	if v == nil {
		return []byte("{}"), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("config: encoding %s: %w", path, err)
	}
	return b, nil
}
