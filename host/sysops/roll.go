package sysops

import (
	"context"
	"fmt"
	"time"
)

// rollTimeout bounds one family roll.
const rollTimeout = 60 * time.Second

// rollAll re-reads the config, rolls the HTTP servers onto the same
// sockets (or new ones when an address changed), then rolls every family
// one at a time, each new process serving before the old one stops. It
// returns how long each step took.
func (o *Ops) rollAll(ctx context.Context) (map[string]string, error) {
	timings := map[string]string{}
	if err := o.opts.Config.Reload(); err != nil {
		return timings, fmt.Errorf("reload config: %w", err)
	}
	start := time.Now()
	if err := o.opts.Instance.RollHTTP(ctx); err != nil {
		return timings, fmt.Errorf("roll http: %w", err)
	}
	timings["http"] = time.Since(start).Round(time.Microsecond).String()
	for _, name := range o.opts.Families.Names() {
		t := time.Now()
		rctx, cancel := context.WithTimeout(ctx, rollTimeout)
		err := o.opts.Families.Roll(rctx, name)
		cancel()
		if err != nil {
			return timings, fmt.Errorf("roll family %s: %w", name, err)
		}
		timings[name] = time.Since(t).Round(time.Microsecond).String()
	}
	o.log.Info("http_workers rolled", "timings", timings)
	return timings, nil
}
