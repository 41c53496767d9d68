package server

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/netutil"
)

// DefaultMaxConnections caps the operations API's concurrent
// connections: past it, new connections wait in the kernel's accept queue
// (costing the host nothing) until one closes. Idle keep-alive
// connections count, and close after the idle timeout.
const DefaultMaxConnections = 4096

// smugglingConn watches the bytes of a connection for a header block that
// has both Transfer-Encoding and Content-Length (RFC 9112 §6.3: such a
// message "ought to be handled as an error"). Go's net/http reads such a
// request by its Transfer-Encoding and drops the Content-Length, so the
// handler cannot tell; this wrapper sees the raw lines. A block is the
// lines between two empty lines; only the start of each line is kept, so
// it costs a scan and no memory.
type smugglingConn struct {
	net.Conn
	line    [len("transfer-encoding:")]byte
	lineLen int
	hasTE   bool
	hasCL   bool
	flagged atomic.Bool

	// The body being read (readBody): set by startBody, armed by the
	// first read that goes to the socket while it is set, ended by
	// endBody. bodyOn is read without the lock on every Read.
	bodyOn       atomic.Bool
	bodyMu       sync.Mutex
	bodyUntil    time.Time // zero: no timeout
	bodyArmed    bool
	bodyReaders  *readers
	bodyDraining *atomic.Bool
}

var (
	prefixTE = []byte("transfer-encoding:")
	prefixCL = []byte("content-length:")
)

func (c *smugglingConn) Read(p []byte) (int, error) {
	if c.bodyOn.Load() {
		c.armBody()
	}
	n, err := c.Conn.Read(p)
	c.scan(p[:n])
	return n, err
}

func (c *smugglingConn) scan(p []byte) {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		part := p
		if i >= 0 {
			part = p[:i]
		}
		if c.lineLen < len(c.line) {
			k := copy(c.line[c.lineLen:], part)
			c.lineLen += k
		}
		if i < 0 {
			return
		}
		c.endLine()
		p = p[i+1:]
	}
}

func (c *smugglingConn) endLine() {
	l := bytes.TrimRight(c.line[:c.lineLen], "\r")
	c.lineLen = 0
	switch {
	case len(l) == 0:
		if c.hasTE && c.hasCL {
			c.flagged.Store(true)
		}
		c.hasTE, c.hasCL = false, false
	case len(l) >= len(prefixTE) && bytes.EqualFold(l[:len(prefixTE)], prefixTE):
		c.hasTE = true
	case len(l) >= len(prefixCL) && bytes.EqualFold(l[:len(prefixCL)], prefixCL):
		c.hasCL = true
	}
}

// startBody marks a request's body as being read: a read of the socket
// from now until endBody sets the read deadline until (none when zero)
// and registers the connection in rs for Shutdown's cut (at once when
// draining is already set).
func (c *smugglingConn) startBody(until time.Time, rs *readers, draining *atomic.Bool) {
	c.bodyMu.Lock()
	c.bodyUntil, c.bodyArmed, c.bodyReaders, c.bodyDraining = until, false, rs, draining
	c.bodyOn.Store(true)
	c.bodyMu.Unlock()
}

// armBody runs before a read of the socket while a body is read: the
// first one sets the deadline and registers the connection. It takes
// the lock, so a read that races endBody (net/http's background read,
// started when the body hit EOF) either arms before endBody, which then
// disarms, or sees the body ended and sets nothing.
func (c *smugglingConn) armBody() {
	c.bodyMu.Lock()
	defer c.bodyMu.Unlock()
	if !c.bodyOn.Load() || c.bodyArmed {
		return
	}
	c.bodyArmed = true
	if !c.bodyUntil.IsZero() {
		_ = c.Conn.SetReadDeadline(c.bodyUntil)
	}
	c.bodyReaders.add(c)
	if c.bodyDraining.Load() {
		_ = c.Conn.SetReadDeadline(time.Now()) // Shutdown may have swept before add
	}
}

// endBody ends the body's read: when a read armed it, the connection
// leaves rs, and its read deadline is cleared when the body was read
// whole (ok); a refused body's connection closes and keeps it.
func (c *smugglingConn) endBody(rs *readers, ok bool) {
	c.bodyMu.Lock()
	defer c.bodyMu.Unlock()
	c.bodyOn.Store(false)
	if c.bodyArmed {
		c.bodyArmed = false
		rs.remove(c)
		if ok {
			_ = c.Conn.SetReadDeadline(time.Time{})
		}
	}
}

// smugglingListener wraps every accepted connection in a smugglingConn.
type smugglingListener struct{ net.Listener }

func (l smugglingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &smugglingConn{Conn: c}, nil
}

// connKey is the context key of a request's *smugglingConn.
type connKey struct{}

// smuggled reports whether the connection r arrived on carried a header
// block with both Transfer-Encoding and Content-Length.
func smuggled(r *http.Request) bool {
	c, _ := r.Context().Value(connKey{}).(*smugglingConn)
	return c != nil && c.flagged.Load()
}

func withConn(ctx context.Context, c net.Conn) context.Context {
	if sc, ok := c.(*smugglingConn); ok {
		return context.WithValue(ctx, connKey{}, sc)
	}
	return ctx
}

// limitListener caps concurrent connections (netutil.LimitListener).
func limitListener(ln net.Listener, n int) net.Listener {
	if n <= 0 {
		return ln
	}
	return netutil.LimitListener(ln, n)
}

// newConns tracks connections that have not sent a whole request yet
// (http.StateNew): Shutdown closes them, since http.Server.Shutdown
// counts one as busy for five seconds.
type newConns struct {
	mu  sync.Mutex
	set map[net.Conn]struct{}
}

func (t *newConns) state(c net.Conn, st http.ConnState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.set == nil {
		t.set = map[net.Conn]struct{}{}
	}
	if st == http.StateNew {
		t.set[c] = struct{}{}
	} else {
		delete(t.set, c)
	}
}

func (t *newConns) closeAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for c := range t.set {
		_ = c.Close()
		delete(t.set, c)
	}
}
