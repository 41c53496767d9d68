package config

import "fmt"

// Plugin is one entry of the plugins list: a third-party family executable.
type Plugin struct {
	// Name is the family's name; its settings are families.<Name>.
	Name string `json:"name"`
	// Path is the executable.
	Path string `json:"path"`
	// SHA256 is the hex digest the executable must have before each start;
	// empty means unchecked.
	SHA256 string `json:"sha256,omitempty"`
	// Args are extra command-line arguments.
	Args []string `json:"args,omitempty"`
	// Env is the plugin's whole environment: NAME=value sets a variable, a
	// bare NAME copies the host's value.
	Env []string `json:"env,omitempty"`
}

// Plugins returns the configured plugins (already shape-checked at load).
func (c *Config) Plugins() ([]Plugin, error) {
	var out []Plugin
	if err := c.Unmarshal("plugins", &out); err != nil {
		return nil, fmt.Errorf("config: plugins: %w", err)
	}
	return out, nil
}
