package server

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/labstack/echo/v4"

	"github.com/hops-dev/hops/host/registry"
	"github.com/hops-dev/hops/host/router"
	"github.com/hops-dev/hops/sdk"
	"github.com/hops-dev/hops/sdk/plugin"
)

// Defaults for Options fields left zero.
const (
	// DefaultMaxBodyBytes bounds a request body: a bulk insert of 10k
	// records of ten fields is a few MiB; 64 MiB leaves room for far
	// larger ones while keeping a hostile client from exhausting memory.
	DefaultMaxBodyBytes = 64 << 20
	// DefaultReadHeaderTimeout stops slow-loris clients.
	DefaultReadHeaderTimeout = 10 * time.Second
	// DefaultIdleTimeout closes idle keep-alive connections.
	DefaultIdleTimeout = 120 * time.Second
	// DrainGrace is how long a draining server keeps answering on open
	// keep-alive connections (with Connection: close) before it closes the
	// idle ones: long enough for every busy client to finish one more
	// request and reconnect, short enough to keep a restart's pause small.
	DrainGrace = 150 * time.Millisecond
	// copyBufferSize is the size of the pooled buffers replies are copied
	// through: the SDK's chunk size, so one read usually moves one chunk.
	copyBufferSize = plugin.ChunkSize
)

// Authenticator checks an Authorization header.
type Authenticator interface {
	// Authenticate returns the caller, or an *sdk.Error (401) saying why
	// not.
	Authenticate(ctx context.Context, authorization string) (sdk.Caller, error)
}

// Options configure a Server. Zero durations and sizes take the defaults.
type Options struct {
	// Logger is the host's logger.
	Logger hclog.Logger
	// Router runs operations once the caller is authenticated.
	Router *router.Router
	// Auth authenticates requests.
	Auth Authenticator
	// MaxBodyBytes bounds a request body (DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// ReadHeaderTimeout, ReadTimeout, WriteTimeout and IdleTimeout are the
	// http.Server's; ReadTimeout and WriteTimeout default to none, since
	// a streamed export may take long (DefaultReadHeaderTimeout,
	// DefaultIdleTimeout).
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// BodyTimeout is operationsApi.network.timeout: the longest a request's
	// body may take to arrive, counted from the end of its headers; a body
	// still incomplete then is answered 408 and the connection closed.
	// With ReadHeaderTimeout it bounds the whole request's arrival (not
	// its answer: an export may stream for long). Zero: none.
	BodyTimeout time.Duration
	// MaxConnections caps concurrent connections per listener (default
	// DefaultMaxConnections; negative: no cap). Past it new connections
	// wait in the kernel's accept queue.
	MaxConnections int
	// WithAuthorization, when set, stores the raw Authorization header in
	// the context handed to local handlers (the token operations read it).
	WithAuthorization func(ctx context.Context, header string) context.Context
	// Metrics, when set, receives every operations request's figures and
	// is served at GET /metrics to super users; unset, /metrics is 404.
	Metrics Metrics
	// Ready, when set, returns the configured families that are not
	// serving, each with its state; GET /ready answers 503 naming them.
	Ready func() map[string]string
	// OpenAPI, when set, returns the API description served at
	// GET /openapi.json.
	OpenAPI func() ([]byte, error)
	// AccessLog writes one info line per operations request: request id,
	// operation, user, client address, status, duration.
	AccessLog bool
	// WithClientAddr, when set, stores a connection's remote address
	// (host:port) in the context of every request read on it, once per
	// connection; Auth reads it (throttle, authorizeLocal, audit log).
	WithClientAddr func(ctx context.Context, addr string) context.Context
}

// Server serves the operations API.
type Server struct {
	opts   Options
	log    hclog.Logger
	access hclog.Logger
	echo   *echo.Echo
	bufs   sync.Pool
	https  []*http.Server
	lns    []net.Listener
	mu     sync.Mutex
	// draining is set by Shutdown: every answer from then on carries
	// Connection: close.
	draining atomic.Bool
	// reading are the body reads in progress, conns the connections
	// that have not sent a whole request yet: Shutdown cuts both.
	reading readers
	conns   newConns
	chunks  sync.Pool
}

// New builds the server.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.ReadHeaderTimeout <= 0 {
		opts.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	if opts.MaxConnections == 0 {
		opts.MaxConnections = DefaultMaxConnections
	}
	s := &Server{opts: opts, log: opts.Logger.Named("server"), access: opts.Logger.Named("access")}
	s.bufs.New = func() any { b := make([]byte, copyBufferSize); return &b }
	s.chunks.New = func() any { b := make([]byte, bodyChunk); return &b }
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.echoError
	e.POST("/", s.observed(s.operations))
	e.GET("/health", func(c echo.Context) error { return c.String(http.StatusOK, MsgHealthy) })
	e.GET("/ready", s.readyEndpoint)
	e.GET("/metrics", s.metricsEndpoint)
	e.GET("/openapi.json", s.openAPIEndpoint)
	e.RouteNotFound("/*", func(c echo.Context) error {
		return writeError(c, sdk.Errorf(http.StatusNotFound, MsgNotFound), s.log)
	})
	s.echo = e
	return s
}

// Handler returns the HTTP handler (for tests and TLS listeners).
func (s *Server) Handler() http.Handler { return s.echo }

// Serve serves HTTP on ln until Shutdown, at most Options.MaxConnections
// connections at a time.
func (s *Server) Serve(ln net.Listener) error {
	closer := ln
	ln = smugglingListener{limitListener(ln, s.opts.MaxConnections)}
	hs := &http.Server{
		Handler:           http.HandlerFunc(s.serveHTTP),
		ReadHeaderTimeout: s.opts.ReadHeaderTimeout,
		ReadTimeout:       s.opts.ReadTimeout,
		WriteTimeout:      s.opts.WriteTimeout,
		IdleTimeout:       s.opts.IdleTimeout,
		ConnContext:       s.connContext,
		ConnState:         s.conns.state,
		ErrorLog:          s.log.StandardLogger(&hclog.StandardLoggerOptions{InferLevels: true}),
	}
	s.mu.Lock()
	s.https = append(s.https, hs)
	s.lns = append(s.lns, closer)
	s.mu.Unlock()
	err := hs.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) || (s.draining.Load() && errors.Is(err, net.ErrClosed)) {
		return nil
	}
	return err
}

// connContext runs once per accepted connection.
func (s *Server) connContext(ctx context.Context, c net.Conn) context.Context {
	ctx = withConn(ctx, c)
	if s.opts.WithClientAddr != nil {
		ctx = s.opts.WithClientAddr(ctx, c.RemoteAddr().String())
	}
	return ctx
}

// serveHTTP asks the client to reconnect after this answer while the
// server drains. It does not use http.Server.SetKeepAlivesEnabled(false),
// which also closes the idle keep-alive connections at once: a client that
// has just written its next request on one sees EOF or a reset, and
// net/http does not retry a POST.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		w.Header().Set(echo.HeaderConnection, "close")
	}
	if smuggled(r) {
		w.Header().Set(echo.HeaderConnection, "close")
		w.Header().Set(echo.HeaderContentType, sdk.ContentTypeJSON)
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"` + MsgSmuggled + `"}` + "\n"))
		return
	}
	s.echo.ServeHTTP(w, r)
}

// ServeTLS serves HTTPS on ln with cfg until Shutdown.
func (s *Server) ServeTLS(ln net.Listener, cfg *tls.Config) error {
	return s.Serve(tls.NewListener(ln, cfg))
}

// Shutdown drains the server without failing a request. It stops
// accepting at once: new connections wait in the socket's queue for
// whoever serves it next (the rolled server, the restarted image), since
// http.Server.Shutdown drops a request read on a connection it accepted
// before. Answers from now on carry Connection: close, so busy keep-alive
// clients reconnect after their current request instead of having an idle
// connection closed under a request they are sending. After DrainGrace (or
// ctx's end) the idle connections close, and those that have sent nothing
// yet, and Shutdown waits for in-flight requests.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.ShutdownAfter(ctx, nil, DrainGrace)
}

// ShutdownAfter is Shutdown with a grace of its own: the idle connections
// close when grace has passed or cut is closed (a nil cut never is),
// whichever comes first; ctx still bounds the wait for in-flight
// requests. An HTTP roll drains its old server this way in the
// background, while the new one serves: a longer grace costs the roll
// nothing and lets a client whose next request comes late still get it
// answered.
func (s *Server) ShutdownAfter(ctx context.Context, cut <-chan struct{}, grace time.Duration) error {
	s.mu.Lock()
	servers := append([]*http.Server(nil), s.https...)
	lns := append([]net.Listener(nil), s.lns...)
	s.mu.Unlock()
	s.draining.Store(true)
	for _, ln := range lns {
		_ = ln.Close() // Serve then returns; http.Server.Shutdown no longer tracks it
	}
	// A client that stopped sending holds up nothing: bodies still
	// arriving are cut off (503, retry).
	s.reading.cut()
	if len(servers) > 0 {
		t := time.NewTimer(grace)
		select {
		case <-t.C:
		case <-cut:
		case <-ctx.Done():
		}
		t.Stop()
	}
	// Connections that have sent nothing yet are closed after the grace,
	// not before it: a client that had just connected is sending its
	// request, which a busy server reads a moment later (closed at once,
	// the client read EOF: a failed request at a loaded node's restart).
	// http.Server.Shutdown would count them busy for five seconds.
	s.conns.closeAll()
	var errs []error
	for _, hs := range servers {
		errs = append(errs, hs.Shutdown(ctx))
	}
	return errors.Join(errs...)
}

// operations is POST /.
func (s *Server) operations(c echo.Context, info *reqInfo) error {
	req := c.Request()
	// The caller is authenticated from the headers before any of the body
	// is read: only an authenticated caller may send a body as large as
	// MaxBodyBytes.
	authz := req.Header.Get(echo.HeaderAuthorization)
	caller, authErr := s.opts.Auth.Authenticate(req.Context(), authz)
	limit, tooBig := s.opts.MaxBodyBytes, error(nil) // nil: the 413
	if authErr != nil {
		// Not authenticated: it may still be a public operation (the
		// token operations), whose bodies are small.
		limit, tooBig = min(limit, maxUnauthenticatedBody), authErr
	}
	body, err := s.readBody(c, limit, tooBig)
	if err != nil {
		return writeError(c, err, s.log)
	}
	op, opErr := router.OperationName(body)

	var public, family bool
	if opErr == nil {
		entry, known := s.opts.Router.Lookup(op)
		public = known && entry.Public
		family = known && entry.Kind == registry.KindFamily
		info.op, info.known = op, known
	}
	if public {
		caller = sdk.Caller{}
	} else if authErr != nil {
		return writeError(c, authErr, s.log)
	} else {
		info.user = caller.Username
	}
	if err := checkContentType(req.Header.Get(echo.HeaderContentType)); err != nil {
		return writeError(c, err, s.log)
	}
	if opErr != nil {
		return writeError(c, opErr, s.log)
	}
	id := info.id
	ctx := req.Context()
	if !family {
		// What a host operation may read from its context: the request
		// id (for its own Dispatch) and the Authorization header (the
		// token operations). A family gets the id in its request and
		// never sees the header.
		ctx = router.WithRequestID(ctx, id)
		if s.opts.WithAuthorization != nil {
			ctx = s.opts.WithAuthorization(ctx, authz)
		}
	}
	reply, err := s.opts.Router.Route(ctx, &sdk.Request{Operation: op, Body: body, Caller: caller, ID: id})
	if err != nil {
		return writeError(c, err, s.log)
	}
	defer reply.Body.Close()
	s.copyReply(c, reply, id, op)
	return nil
}

// copyReply streams a family's reply to the client and returns its status.
func (s *Server) copyReply(c echo.Context, reply *sdk.Reply, id, op string) int {
	w := c.Response()
	ct := reply.ContentType
	if ct == "" {
		ct = sdk.ContentTypeJSON
	}
	w.Header().Set(echo.HeaderContentType, ct)
	w.WriteHeader(reply.Status)
	if err := copyBody(w, reply.Body, &s.bufs); err != nil {
		// The status is already sent: all that is left is to log and cut
		// the connection short so the client sees an incomplete answer.
		s.log.Error("reply stream broke", "operation", op, "request_id", id, "error", err)
		panic(http.ErrAbortHandler)
	}
	return reply.Status
}

// copyBody copies a reply's body to w: by its own WriteTo when it has one
// (the SDK's replies write their chunks as they come), else through a
// pooled buffer. A pooled buffer is taken only when it is used: when the
// garbage collector runs often, every Get can be a new one.
func copyBody(w io.Writer, body io.Reader, bufs *sync.Pool) error {
	if wt, ok := body.(io.WriterTo); ok {
		_, err := wt.WriteTo(w)
		return err
	}
	bp := bufs.Get().(*[]byte)
	defer bufs.Put(bp)
	_, err := io.CopyBuffer(w, body, *bp)
	return err
}

// checkContentType accepts application/json with any parameters.
func checkContentType(ct string) error {
	if ct == "application/json" {
		return nil // what nearly every client sends, without parsing it
	}
	if ct == "" {
		return sdk.Errorf(http.StatusUnsupportedMediaType, MsgUnsupportedMedia, "none")
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return sdk.Errorf(http.StatusUnsupportedMediaType, MsgUnsupportedMedia, ct)
	}
	return nil
}
