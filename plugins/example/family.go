package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hashicorp/go-hclog"

	"github.com/hops-dev/hops/sdk"
)

// familyVersion is the example family's version.
const familyVersion = "1.0.0"

// defaultGreeting is the greeting word when the config section sets none.
const defaultGreeting = "Hello"

// family is the example family.
type family struct {
	greeting string
	log      hclog.Logger
}

func newFamily() *family { return &family{greeting: defaultGreeting, log: hclog.NewNullLogger()} }

// Info implements sdk.Family.
func (f *family) Info() sdk.Info { return sdk.Info{Name: "example", Version: familyVersion} }

// Operations implements sdk.Family: the operation table.
func (f *family) Operations() []sdk.Operation {
	return []sdk.Operation{
		{Name: "example_greet", Access: sdk.AccessAuthenticated,
			Summary: "greet someone by name", Handler: f.greet},
		{Name: "example_status_report", Access: sdk.AccessSuperUser,
			Summary: "summarise the status values, read through the host's Dispatch", Handler: f.statusReport},
	}
}

// section is the family's config section: families.example in hops'
// config file.
type section struct {
	// Greeting replaces the word "Hello".
	Greeting string `json:"greeting"`
}

// Configure implements sdk.Configurer.
func (f *family) Configure(_ context.Context, cfg sdk.Config) error {
	if cfg.Logger != nil {
		f.log = cfg.Logger
	}
	var s section
	if len(cfg.Section) > 0 && string(cfg.Section) != "null" {
		if err := json.Unmarshal(cfg.Section, &s); err != nil {
			return fmt.Errorf("example config: %w", err)
		}
	}
	if s.Greeting != "" {
		f.greeting = s.Greeting
	}
	f.log.Info("example family configured", "greeting", f.greeting)
	return nil
}

var (
	_ sdk.Family     = (*family)(nil)
	_ sdk.Configurer = (*family)(nil)
)
