package server

import (
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hops-dev/hops/sdk"
)

// HeaderRequestID carries an operations request's id in the answer, the
// id its access log line and the family's log lines name.
const HeaderRequestID = "X-Request-Id"

// OtherOperation is the operation label of a request that named no
// registered operation (a malformed body, an unknown name): clients must
// not be able to mint metric series.
const OtherOperation = "-"

// Metrics receives the figures of every operations request and serves
// them.
type Metrics interface {
	// Observe records one request: its operation (a registered name or
	// OtherOperation), the status answered and how long it took.
	Observe(operation string, status int, d time.Duration)
	// InFlight moves the in-flight gauge by delta.
	InFlight(delta int)
	// AuthFailed counts a request answered 401.
	AuthFailed()
	// Handler serves the metrics in Prometheus' text format.
	Handler() http.Handler
}

// reqInfo is what the operations handler learns about a request, for the
// access log and the metrics written after it.
type reqInfo struct {
	id, op, user string
	known        bool
}

// clientClosedKey is the echo.Context key writeError sets when the client
// went away before its answer: the request is recorded as
// StatusClientClosed. It is set only then, so the common request never
// allocates echo's context store.
const clientClosedKey = "hops.client_closed"

// observed wraps the operations handler: it counts the request in flight,
// then writes its access log line and its metrics, also when the answer's
// stream broke (the handler then panics with http.ErrAbortHandler).
func (s *Server) observed(next func(echo.Context, *reqInfo) error) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		info := &reqInfo{id: s.opts.Router.NewRequestID()}
		c.Response().Header().Set(HeaderRequestID, info.id)
		if m := s.opts.Metrics; m != nil {
			m.InFlight(1)
			defer m.InFlight(-1)
		}
		defer s.finish(c, info, start)
		return next(c, info)
	}
}

func (s *Server) finish(c echo.Context, info *reqInfo, start time.Time) {
	d := time.Since(start)
	status := c.Response().Status
	if c.Get(clientClosedKey) != nil {
		status = StatusClientClosed
	}
	op := info.op
	if !info.known {
		op = OtherOperation
	}
	if m := s.opts.Metrics; m != nil {
		m.Observe(op, status, d)
		if status == http.StatusUnauthorized {
			m.AuthFailed()
		}
	}
	// The line's fields are boxed only when the level lets it through.
	if s.opts.AccessLog && s.access.IsInfo() {
		client, _, err := net.SplitHostPort(c.Request().RemoteAddr)
		if err != nil {
			client = c.Request().RemoteAddr
		}
		s.access.Info("request", "request_id", info.id, "operation", info.op, "user", info.user,
			"client", client, "status", status, "duration", d)
	}
}

// metricsEndpoint is GET /metrics: the Prometheus text format, for super
// users only (Basic or Bearer, as for operations).
func (s *Server) metricsEndpoint(c echo.Context) error {
	if s.opts.Metrics == nil {
		return writeError(c, sdk.Errorf(http.StatusNotFound, MsgNotFound), s.log)
	}
	caller, err := s.opts.Auth.Authenticate(c.Request().Context(), c.Request().Header.Get(echo.HeaderAuthorization))
	if err != nil {
		if e, ok := sdk.AsError(err); ok && e.Status == http.StatusUnauthorized {
			s.opts.Metrics.AuthFailed()
		}
		return writeError(c, err, s.log)
	}
	if !caller.SuperUser {
		return writeError(c, sdk.Forbidden([]any{MsgMetricsRestricted}, nil), s.log)
	}
	s.opts.Metrics.Handler().ServeHTTP(c.Response(), c.Request())
	return nil
}

// readyAnswer is GET /ready's body.
type readyAnswer struct {
	Ready bool `json:"ready"`
	// NotServing names each family that is not serving, with its state.
	NotServing map[string]string `json:"not_serving,omitempty"`
	// Draining is set while the server stops or hands over to another.
	Draining bool `json:"draining,omitempty"`
}

// readyEndpoint is GET /ready: 200 when every configured family serves,
// else 503 naming those that do not.
func (s *Server) readyEndpoint(c echo.Context) error {
	var down map[string]string
	if s.opts.Ready != nil {
		down = s.opts.Ready()
	}
	ans := readyAnswer{Ready: len(down) == 0 && !s.draining.Load(), NotServing: down, Draining: s.draining.Load()}
	if !ans.Ready {
		return c.JSON(http.StatusServiceUnavailable, ans)
	}
	return c.JSON(http.StatusOK, ans)
}

// openAPIEndpoint is GET /openapi.json.
func (s *Server) openAPIEndpoint(c echo.Context) error {
	if s.opts.OpenAPI == nil {
		return writeError(c, sdk.Errorf(http.StatusNotFound, MsgNotFound), s.log)
	}
	doc, err := s.opts.OpenAPI()
	if err != nil {
		return writeError(c, err, s.log)
	}
	return c.Blob(http.StatusOK, sdk.ContentTypeJSON, doc)
}
