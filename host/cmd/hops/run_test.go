package main

import (
	"context"
	"testing"

	"github.com/hops-dev/hops/host/app"
)

// TestStopSignalDuringRestartStops: a stop signal taken while a restart
// drains ends hops instead of re-executing it.
func TestStopSignalDuringRestartStops(t *testing.T) {
	plan := &app.Restart{}
	live := context.Background()
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name string
		ctx  context.Context
		plan *app.Restart
		want bool
	}{
		{"restart asked", live, plan, true},
		{"restart asked, then a stop signal", stopped, plan, false},
		{"stop signal", stopped, nil, false},
		{"run ended without a plan", live, nil, false},
	}
	for _, c := range cases {
		if got := reexecAfter(c.ctx, c.plan); got != c.want {
			t.Errorf("%s: reexecAfter = %v, want %v", c.name, got, c.want)
		}
	}
}
