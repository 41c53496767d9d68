package app

import (
	"context"
	"net"
	"time"

	"github.com/hops-dev/hops/host/config"
	"github.com/hops-dev/hops/host/sysops"
)

// HTTP roll timing.
const (
	// httpRollTimeout bounds the old HTTP server's drain in an HTTP roll.
	httpRollTimeout = 60 * time.Second
	// rollDrainGrace is how long the old server of an HTTP roll keeps
	// answering on its open keep-alive connections (with Connection:
	// close) before it closes the idle ones. The drain runs in the
	// background while the new server serves, so the grace is not part of
	// the roll's time: it is longer than a restart's (server.DrainGrace)
	// so that a client whose next request comes late (a busy machine)
	// still has it answered. A stop or restart ends it early.
	rollDrainGrace = 2 * time.Second
)

// sysInstance is what the system operations may do to the instance.
type sysInstance struct{ in *instance }

// CheckRestart implements sysops.Instance: the configuration layers as
// they are now must load.
func (s sysInstance) CheckRestart() error {
	_, err := config.CheckOptions(s.in.opts.Config)
	return err
}

// sysConfig is the configuration as the system operations see it: a
// reload logs its warnings as a start does.
type sysConfig struct {
	*config.Config
	in *instance
}

// Reload implements sysops.Config.
func (c sysConfig) Reload() error { return c.in.reloadConfig() }

// Restart implements sysops.Instance.
func (s sysInstance) Restart() { s.in.requestRestart() }

// RollHTTP implements sysops.Instance.
func (s sysInstance) RollHTTP(ctx context.Context) error { return s.in.rollHTTP(ctx) }

// rollHTTP starts a server built from the current config on the listening
// sockets (duplicated, so closing the old server's descriptors leaves the
// sockets open; an address that changed gets a new socket), switches to it,
// and stops the old server accepting; the old server drains in the
// background (rollDrainGrace), so the roll does not wait for it. Routing does not change: both servers hand
// requests to the same router.
func (in *instance) rollHTTP(ctx context.Context) error {
	in.mu.Lock()
	old, oldLns := in.srv, in.listeners
	in.mu.Unlock()

	next := in.newServer()
	lns, err := in.serveAll(next, func(addr string) (net.Listener, error) {
		if cur, ok := oldLns[addr]; ok {
			dup, f, err := dupListener(cur)
			if err != nil {
				return nil, err
			}
			f.Close()
			return dup, nil
		}
		return net.Listen("tcp", addr)
	})
	if err != nil {
		return err
	}
	in.mu.Lock()
	in.srv, in.listeners = next, lns
	in.mu.Unlock()

	// The old server stops accepting now; it drains in the background
	// (Run waits for it before the instance stops or restarts).
	in.drains.Add(1)
	go func() {
		defer in.drains.Done()
		dctx, cancel := context.WithTimeout(context.Background(), httpRollTimeout)
		defer cancel()
		began := time.Now()
		if err := old.ShutdownAfter(dctx, in.drainCut, rollDrainGrace); err != nil {
			in.log.Warn("old server did not drain", "error", err)
			return
		}
		in.log.Info("old server drained", "after", time.Since(began).Round(time.Millisecond))
	}()
	return nil
}

// endDrains ends the grace of the old servers of HTTP rolls still
// draining and waits, until ctx ends, for their requests in flight.
func (in *instance) endDrains(ctx context.Context) {
	in.drainCutOnce.Do(func() { close(in.drainCut) })
	done := make(chan struct{})
	go func() { in.drains.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		in.log.Warn("an old server of an HTTP roll did not drain before the deadline")
	}
}

var (
	_ sysops.Instance = sysInstance{}
	_ sysops.Config   = sysConfig{}
)
