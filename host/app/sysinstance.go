package app

import (
	"context"
	"net"
	"time"

	"github.com/hops-dev/hops/host/config"
	"github.com/hops-dev/hops/host/sysops"
)

// httpRollTimeout bounds the old HTTP server's drain in an HTTP roll.
const httpRollTimeout = 60 * time.Second

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
// then drains the old server. Routing does not change: both servers hand
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

	dctx, cancel := context.WithTimeout(ctx, httpRollTimeout)
	defer cancel()
	if err := old.Shutdown(dctx); err != nil {
		in.log.Warn("old server did not drain", "error", err)
	}
	return nil
}

var (
	_ sysops.Instance = sysInstance{}
	_ sysops.Config   = sysConfig{}
)
