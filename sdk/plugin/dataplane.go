package plugin

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hops-dev/hops/sdk"
	pb "github.com/hops-dev/hops/sdk/internal/proto"
)

// The data plane: the host's requests to a family travel on a unix socket
// the family opens, instead of gRPC Handle streams. A call on a gRPC
// stream crosses four goroutines on the way (the caller, gRPC's writer,
// the family's reader, its handler) and as many back; on the socket the
// host's request goroutine writes the request and reads the answer itself,
// and in the family one goroutine per connection reads, handles and
// writes. The host opens it with the DataPlane call (the family's
// process answers the socket's path and a random token over go-plugin's
// authenticated connection) and keeps a pool of connections, one request
// at a time on each, as it kept a pool of Handle streams. The socket lives
// as long as that call: when the family's process or the gRPC connection
// is gone, both ends close it, and requests go over Handle again.

// dialTimeout bounds connecting and authenticating one data-plane
// connection.
const dialTimeout = 5 * time.Second

// watchAfter is how long a request runs in the family before its
// connection is watched for the host closing it (which cancels the
// request's context). Requests answered sooner cost no watcher.
const watchAfter = 20 * time.Millisecond

// errDataPlaneGone is a data plane that can no longer be used (its socket
// refused a connection, or the DataPlane call ended): the request was not
// sent, and goes over Handle instead.
var errDataPlaneGone = errors.New("data plane gone")

// dataPlane is the host's end: the socket, its token, idle connections.
type dataPlane struct {
	path  string
	token []byte
	idle  chan *dpConn
	// done is closed when the DataPlane call has ended; end ends it.
	done chan struct{}
	end  context.CancelFunc
	once sync.Once
}

// dpConn is one connection of the pool.
type dpConn struct {
	*frameConn
	reused bool
}

func newDataPlane(path string, token []byte, end context.CancelFunc) *dataPlane {
	return &dataPlane{path: path, token: token, idle: make(chan *dpConn, maxIdleLanes),
		done: make(chan struct{}), end: end}
}

// openDataPlane asks the family for its data plane and connects once to
// check the token. It returns nil when the family has none (it predates
// the call, or could not open its socket): requests then use Handle.
func openDataPlane(c pb.FamilyClient) *dataPlane {
	ctx, cancel := context.WithCancel(context.Background())
	st, err := c.DataPlane(ctx, &pb.DataPlaneRequest{})
	if err != nil {
		cancel()
		return nil
	}
	m, err := st.Recv()
	if err != nil {
		cancel()
		return nil
	}
	d := newDataPlane(m.GetPath(), m.GetToken(), cancel)
	conn, err := d.dial()
	if err != nil {
		cancel()
		return nil
	}
	d.put(conn)
	go func() {
		// The call sends nothing more: Recv returns when it ends.
		_, _ = st.Recv()
		d.close()
	}()
	return d
}

// close ends the DataPlane call and closes the idle connections; the
// connections in use close when their answer ends. A family killed
// outright leaves its socket behind: close removes it (only a socket) and
// its directory (only when that is then empty).
func (d *dataPlane) close() {
	d.once.Do(func() {
		close(d.done)
		d.end()
		if fi, err := os.Lstat(d.path); err == nil && fi.Mode()&os.ModeSocket != 0 {
			_ = os.Remove(d.path)
			_ = os.Remove(filepath.Dir(d.path))
		}
		for {
			select {
			case c := <-d.idle:
				c.close()
			default:
				return
			}
		}
	})
}

// dial connects to the socket and presents the token; the family answers
// one byte when it accepts it.
func (d *dataPlane) dial() (*dpConn, error) {
	c, err := net.DialTimeout("unix", d.path, dialTimeout)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errDataPlaneGone, err)
	}
	_ = c.SetDeadline(time.Now().Add(dialTimeout))
	var ack [1]byte
	if _, err = c.Write(d.token); err == nil {
		_, err = io.ReadFull(c, ack[:])
	}
	if err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("%w: token refused: %w", errDataPlaneGone, err)
	}
	_ = c.SetDeadline(time.Time{})
	return &dpConn{frameConn: newFrameConn(c)}, nil
}

// get takes an idle connection or opens one.
func (d *dataPlane) get() (*dpConn, error) {
	select {
	case c := <-d.idle:
		c.reused = true
		return c, nil
	default:
	}
	select {
	case <-d.done:
		return nil, errDataPlaneGone
	default:
	}
	return d.dial()
}

// put returns a connection whose last answer was read to its end.
func (d *dataPlane) put(c *dpConn) {
	select {
	case <-d.done:
		c.close()
		return
	default:
	}
	select {
	case d.idle <- c:
	default:
		c.close()
	}
}

// handle sends one request and returns its answer, as FamilyClient.Handle
// does on a Handle stream. errDataPlaneGone means nothing was sent.
func (d *dataPlane) handle(ctx context.Context, h *pb.RequestHeader, body []byte) (*sdk.Reply, error) {
	c, err := d.get()
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, c.close)
	if err := sendRequest(c, h, body); err != nil {
		stop()
		c.close()
		if !c.reused {
			return nil, err
		}
		// An idle connection may have broken while it waited (the family
		// restarted); the request never reached it, so it is safe to send
		// it on a fresh one.
		if c, err = d.dial(); err != nil {
			return nil, err
		}
		stop = context.AfterFunc(ctx, c.close)
		if err := sendRequest(c, h, body); err != nil {
			stop()
			c.close()
			return nil, err
		}
	}
	return readReply(c, func(complete bool) {
		if stop() && complete {
			c.reused = false
			d.put(c)
			return
		}
		c.close()
	})
}

// DataPlane opens the family's socket (the family's process): a private
// directory, a random token, one goroutine per connection. It returns
// when the call ends, closing the socket, its connections and the
// directory.
func (s *familyServer) DataPlane(_ *pb.DataPlaneRequest, st pb.Family_DataPlaneServer) error {
	token := make([]byte, tokenSize)
	if _, err := rand.Read(token); err != nil {
		return fmt.Errorf("data plane token: %w", err)
	}
	// MkdirTemp makes the directory 0700: only the family's user (the
	// host's) can reach the socket at all; the token is checked anyway.
	dir, err := os.MkdirTemp("", "hops-dp-")
	if err != nil {
		return fmt.Errorf("data plane directory: %w", err)
	}
	liveDirs.add(dir)
	defer liveDirs.remove(dir)
	path := filepath.Join(dir, "s")
	ln, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("data plane socket: %w", err)
	}
	ctx := st.Context()
	conns := &connSet{m: map[net.Conn]struct{}{}}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if !conns.add(c) {
				_ = c.Close()
				return
			}
			wg.Go(func() {
				defer conns.remove(c)
				s.serveConn(ctx, c, token)
			})
		}
	})
	err = st.Send(&pb.DataPlaneResponse{Path: path, Token: token})
	if err == nil {
		<-ctx.Done()
	}
	_ = ln.Close()
	conns.closeAll()
	wg.Wait()
	return err
}

// serveConn checks a connection's token, then serves its requests one
// after another until the host closes it.
func (s *familyServer) serveConn(ctx context.Context, c net.Conn, token []byte) {
	defer func() { _ = c.Close() }()
	got := make([]byte, len(token))
	_ = c.SetDeadline(time.Now().Add(dialTimeout))
	if _, err := io.ReadFull(c, got); err != nil || subtle.ConstantTimeCompare(got, token) != 1 {
		s.log.Warn("data plane connection refused: bad token")
		return
	}
	if _, err := c.Write([]byte{1}); err != nil {
		return
	}
	_ = c.SetDeadline(time.Time{})
	sc := newServedConn(c)
	defer sc.timer.Stop()
	for {
		h, body, eof, err := recvRequest(sc, maxRequestBody)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				s.log.Debug("data plane connection ended", "error", err)
			}
			return
		}
		rctx := sc.watch(ctx)
		err = s.serveOne(rctx, h, body, sc)
		sc.unwatch()
		if err != nil || eof || sc.ended() {
			return
		}
	}
}

// servedConn is the family's end of a connection: it receives requests
// (requestReceiver) and sends answers (responseSender). While a request
// runs longer than watchAfter, a timer's goroutine reads the connection,
// which the host sends nothing on until the answer has ended: what it
// reads is the host closing it, and cancels the request.
type servedConn struct {
	*frameConn
	midRequest bool
	timer      *time.Timer
	watching   bool
	// watched gets one value when a watch the timer started has ended.
	watched chan struct{}

	mu sync.Mutex
	// cancel ends the running request's context.
	cancel context.CancelFunc
	// gone is set when a watch saw the connection end.
	gone bool
}

func newServedConn(c net.Conn) *servedConn {
	sc := &servedConn{frameConn: newFrameConn(c), watched: make(chan struct{}, 1)}
	sc.timer = time.AfterFunc(time.Hour, sc.watchConn)
	sc.timer.Stop()
	return sc
}

// Recv reads the next message of a request. A connection closed between
// requests is io.EOF; inside one it is an error, so a cut request is
// never served.
func (sc *servedConn) Recv() (*pb.HandleRequest, error) {
	m := new(pb.HandleRequest)
	if err := sc.readMsg(m); err != nil {
		if errors.Is(err, io.EOF) && sc.midRequest {
			err = io.ErrUnexpectedEOF
		}
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("data plane: %w", err)
	}
	sc.midRequest = !m.GetEnd()
	return m, nil
}

// Send writes a message of an answer. The last one stops the watch
// first: the host may send its next request as soon as it has it.
func (sc *servedConn) Send(m *pb.HandleResponse) error {
	if m.GetEnd() {
		sc.unwatch()
	}
	return sc.writeMsg(m)
}

// watch returns the context of one request and arms the watch.
func (sc *servedConn) watch(parent context.Context) context.Context {
	ctx, cancel := context.WithCancel(parent)
	sc.mu.Lock()
	sc.cancel = cancel
	sc.mu.Unlock()
	sc.watching = true
	sc.timer.Reset(watchAfter)
	return ctx
}

// unwatch stops the watch (waiting for its read to end, if it started)
// and releases the request's context.
func (sc *servedConn) unwatch() {
	if !sc.watching {
		return
	}
	sc.watching = false
	if !sc.timer.Stop() {
		// The timer fired: its read ends at once on a past deadline.
		_ = sc.c.SetReadDeadline(time.Unix(1, 0))
		<-sc.watched
		_ = sc.c.SetReadDeadline(time.Time{})
	}
	sc.mu.Lock()
	sc.cancel()
	sc.mu.Unlock()
}

// ended reports whether a watch saw the host close the connection.
func (sc *servedConn) ended() bool {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return sc.gone
}

// watchConn is the timer's function: it reads until the host closes the
// connection (cancelling the request) or unwatch stops it.
func (sc *servedConn) watchConn() {
	var b [1]byte
	_, err := sc.c.Read(b[:])
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		// The host closed the connection, or broke the protocol.
		sc.mu.Lock()
		sc.gone = true
		sc.cancel()
		sc.mu.Unlock()
	}
	sc.watched <- struct{}{}
}

// connSet tracks a data plane's connections so its end closes them.
type connSet struct {
	mu     sync.Mutex
	m      map[net.Conn]struct{}
	closed bool
}

func (s *connSet) add(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.m[c] = struct{}{}
	return true
}

func (s *connSet) remove(c net.Conn) {
	s.mu.Lock()
	delete(s.m, c)
	s.mu.Unlock()
}

func (s *connSet) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for c := range s.m {
		_ = c.Close()
	}
}

// liveDirs are the data-plane directories of this process, removed when a
// DataPlane call ends and by removeDataPlaneDirs before the process exits
// on its own.
var liveDirs = &dirSet{m: map[string]struct{}{}}

type dirSet struct {
	mu sync.Mutex
	m  map[string]struct{}
}

func (s *dirSet) add(dir string) {
	s.mu.Lock()
	s.m[dir] = struct{}{}
	s.mu.Unlock()
}

func (s *dirSet) remove(dir string) {
	s.mu.Lock()
	delete(s.m, dir)
	s.mu.Unlock()
	_ = os.RemoveAll(dir)
}

// removeDataPlaneDirs removes every data-plane directory still open.
func removeDataPlaneDirs() {
	liveDirs.mu.Lock()
	defer liveDirs.mu.Unlock()
	for dir := range liveDirs.m {
		_ = os.RemoveAll(dir)
	}
}
