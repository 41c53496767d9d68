package sysops

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// rollTimeout bounds one family roll.
const rollTimeout = 60 * time.Second

// notRolled are the families restart_service http_workers leaves running:
// the clustering family runs the node's NATS server, and replacing its
// process would restart the server (routes dropped, JetStream recovered,
// replication paused on every node) for a restart of the operation
// workers that does not need it. restart_service clustering restarts it.
var notRolled = map[string]bool{"clustering": true}

// rollAll re-reads the config, rolls the HTTP servers onto the same
// sockets (or new ones when an address changed), then rolls the families
// (all but notRolled) at once, each new process serving before its old
// one stops: families are separate processes with their own stores, so
// one's roll does not wait for another's. The HTTP roll returns once the
// new server serves: the old one drains in the background with a grace
// long enough (Instance.RollHTTP) that a client slowed by the families'
// launches still has its next request answered on its old connection.
// It returns how long each step took.
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
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		errs = map[string]error{}
	)
	names := o.opts.Families.Names()
	for _, name := range names {
		if notRolled[name] {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.Now()
			rctx, cancel := context.WithTimeout(ctx, rollTimeout)
			err := o.opts.Families.Roll(rctx, name)
			cancel()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs[name] = err
				return
			}
			timings[name] = time.Since(t).Round(time.Microsecond).String()
		}()
	}
	wg.Wait()
	// The first failure in name order.
	for _, name := range names {
		if err := errs[name]; err != nil {
			return timings, fmt.Errorf("roll family %s: %w", name, err)
		}
	}
	o.log.Info("http_workers rolled", "timings", timings)
	return timings, nil
}
