package app

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// EnvListeners carries listening sockets across a restart's re-exec:
// "fd=address,fd=address". The new image takes over the sockets, so the
// kernel keeps queueing connections while the binary restarts and no
// client sees a refused connection.
const EnvListeners = "HOPS_LISTENERS"

// inherited holds the listeners handed over by the previous image, by
// address.
type inherited map[string]net.Listener

// takeInherited adopts the listeners named in EnvListeners and clears the
// variable, so families and later restarts do not see stale fds.
func takeInherited() (inherited, error) {
	spec := os.Getenv(EnvListeners)
	os.Unsetenv(EnvListeners)
	out := inherited{}
	if spec == "" {
		return out, nil
	}
	for _, part := range strings.Split(spec, ",") {
		fdStr, addr, ok := strings.Cut(part, "=")
		fd, err := strconv.Atoi(fdStr)
		if !ok || err != nil {
			return nil, fmt.Errorf("%s: bad entry %q", EnvListeners, part)
		}
		f := os.NewFile(uintptr(fd), "inherited-"+addr)
		ln, err := net.FileListener(f)
		f.Close() // FileListener dup'ed it
		if err != nil {
			return nil, fmt.Errorf("adopt listener %s: %w", addr, err)
		}
		out[addr] = ln
	}
	return out, nil
}

// listen returns the inherited listener for addr, or a new one.
func (in inherited) listen(addr string) (net.Listener, error) {
	if ln, ok := in[addr]; ok {
		delete(in, addr)
		return ln, nil
	}
	// An inherited socket bound to the same port under another spelling
	// of the address (0.0.0.0 vs ::) would make this fail with
	// EADDRINUSE; the caller closes the unused ones first.
	return net.Listen("tcp", addr)
}

// closeUnused closes the inherited listeners on addresses no endpoint
// serves any more (the port moved), so the old port refuses connections
// instead of queueing them where nobody accepts, and a new spelling of the
// same port can bind.
func (in inherited) closeUnused(eps []endpoint) {
	want := map[string]bool{}
	for _, ep := range eps {
		want[ep.addr] = true
	}
	for addr, ln := range in {
		if !want[addr] {
			ln.Close()
			delete(in, addr)
		}
	}
}

// closeRest closes inherited listeners nobody took (the port moved).
func (in inherited) closeRest() {
	for addr, ln := range in {
		ln.Close()
		delete(in, addr)
	}
}

// dupListener returns an independent listener on the same socket: closing
// either leaves the socket open for the other. Used to roll HTTP servers
// and to hand sockets to the next image.
func dupListener(ln net.Listener) (net.Listener, *os.File, error) {
	tl, ok := ln.(*net.TCPListener)
	if !ok {
		return nil, nil, fmt.Errorf("listener %T cannot be duplicated", ln)
	}
	f, err := tl.File()
	if err != nil {
		return nil, nil, fmt.Errorf("dup listener: %w", err)
	}
	dup, err := net.FileListener(f)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("dup listener: %w", err)
	}
	return dup, f, nil
}

// inheritable dups ln into a file descriptor without close-on-exec, for
// the next image. It works through RawConn.Control, never File.Fd, which
// would switch the shared socket to blocking mode under the running
// server.
func inheritable(ln net.Listener) (int, error) {
	tl, ok := ln.(*net.TCPListener)
	if !ok {
		return -1, fmt.Errorf("listener %T cannot be handed over", ln)
	}
	rc, err := tl.SyscallConn()
	if err != nil {
		return -1, fmt.Errorf("hand over listener: %w", err)
	}
	fd, dupErr := -1, error(nil)
	if err := rc.Control(func(s uintptr) { fd, dupErr = syscall.Dup(int(s)) }); err != nil {
		return -1, fmt.Errorf("hand over listener: %w", err)
	}
	if dupErr != nil {
		return -1, fmt.Errorf("dup listener: %w", dupErr)
	}
	return fd, nil // dup(2) never sets close-on-exec
}
