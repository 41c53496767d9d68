package app

import (
	"context"
	"fmt"
	"net"
	"time"
)

// rollTimeout bounds one HTTP-server or family roll.
const rollTimeout = 60 * time.Second

// rollAll re-reads the config, rolls the HTTP server onto the same socket
// (or a new one when the address changed), then rolls every family one at
// a time, each new process serving before the old one stops. It returns how
// long each step took.
func (in *instance) rollAll(ctx context.Context) (map[string]string, error) {
	timings := map[string]string{}
	if err := in.reloadConfig(); err != nil {
		return timings, fmt.Errorf("reload config: %w", err)
	}
	start := time.Now()
	if err := in.rollHTTP(ctx); err != nil {
		return timings, err
	}
	timings["http"] = time.Since(start).Round(time.Microsecond).String()
	for _, name := range in.sup.Names() {
		t := time.Now()
		rctx, cancel := context.WithTimeout(ctx, rollTimeout)
		err := in.sup.Roll(rctx, name)
		cancel()
		if err != nil {
			return timings, fmt.Errorf("roll family %s: %w", name, err)
		}
		timings[name] = time.Since(t).Round(time.Microsecond).String()
	}
	in.log.Info("http_workers rolled", "timings", timings)
	return timings, nil
}

// rollHTTP starts a server built from the current config on the listening
// sockets (duplicated, so closing the old server's descriptors leaves the
// sockets open; an address that changed gets a new socket), switches to it,
// then drains the old server.
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

	dctx, cancel := context.WithTimeout(ctx, rollTimeout)
	defer cancel()
	if err := old.Shutdown(dctx); err != nil {
		in.log.Warn("old server did not drain", "error", err)
	}
	return nil
}
