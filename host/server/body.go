package server

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hops-dev/hops/sdk"
)

// maxUnauthenticatedBody bounds the body of a request whose caller is not
// authenticated from its headers: it may still be one of the public
// token operations (credentials in the body, a refresh token), whose
// bodies are a few hundred bytes. A larger one is refused with the 401
// before more is read, so nobody unauthenticated makes the host hold
// more than this per connection.
const maxUnauthenticatedBody = 64 << 10

// bodyChunk is the size of the steps a body is read in: the buffer grows
// with what arrives, never with what Content-Length declares.
const bodyChunk = 32 << 10

// readBody reads the request body up to limit, in bounded steps, within
// Options.BodyTimeout. A body declared or found larger than limit is
// tooBig (nil: the 413 naming Options.MaxBodyBytes); a body that stalls
// past the timeout is a 408 and the connection closes; a body cut off by
// a drain is a 503 (the client retries on the server that takes over).
//
// On a connection Serve accepted, the timeout and Shutdown's cut are set
// by the first read that waits on the socket (smugglingConn.armBody): a
// body that arrived with its headers, as a small one nearly always does,
// is read from net/http's buffer with no deadline set and cleared and
// nothing registered. A read that waits is bounded as before, from the
// moment readBody began. A body refused (timeout, drain, size, broken)
// leaves the deadline in place: the connection closes after the answer,
// and net/http's discard of the rest must not wait for a stalled client.
func (s *Server) readBody(c echo.Context, limit int64, tooBig error) (_ []byte, err error) {
	req := c.Request()
	if req.ContentLength > limit {
		c.Response().Header().Set(echo.HeaderConnection, "close")
		return nil, s.tooBigError(tooBig)
	}
	if sc, _ := req.Context().Value(connKey{}).(*smugglingConn); sc != nil {
		var until time.Time
		if s.opts.BodyTimeout > 0 {
			until = time.Now().Add(s.opts.BodyTimeout)
		}
		sc.startBody(until, &s.reading, &s.draining)
		defer func() { sc.endBody(&s.reading, err == nil) }()
	} else {
		// Not one of Serve's connections (a handler called directly):
		// the deadline is set through the ResponseController.
		rc := http.NewResponseController(c.Response())
		if s.opts.BodyTimeout > 0 {
			_ = rc.SetReadDeadline(time.Now().Add(s.opts.BodyTimeout))
		}
		s.reading.add(rc)
		defer s.reading.remove(rc)
		if s.draining.Load() {
			_ = rc.SetReadDeadline(time.Now()) // Shutdown may have swept before add
		}
		defer func() {
			if err == nil && (s.opts.BodyTimeout > 0 || s.draining.Load()) {
				_ = rc.SetReadDeadline(time.Time{})
			}
		}()
	}

	var buf bytes.Buffer
	chunk := s.chunks.Get().(*[]byte)
	defer s.chunks.Put(chunk)
	lr := io.LimitedReader{R: req.Body, N: limit + 1}
	for {
		n, err := lr.Read(*chunk)
		buf.Write((*chunk)[:n])
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			c.Response().Header().Set(echo.HeaderConnection, "close")
			switch {
			case errors.Is(err, os.ErrDeadlineExceeded) && s.draining.Load():
				return nil, sdk.Errorf(http.StatusServiceUnavailable, MsgDraining)
			case errors.Is(err, os.ErrDeadlineExceeded):
				return nil, sdk.Errorf(http.StatusRequestTimeout, MsgBodyTimeout, s.opts.BodyTimeout)
			}
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, s.tooBigError(tooBig)
			}
			return nil, sdk.BadRequest("could not read the request body: %v", err)
		}
	}
	if int64(buf.Len()) > limit {
		c.Response().Header().Set(echo.HeaderConnection, "close")
		return nil, s.tooBigError(tooBig)
	}
	return buf.Bytes(), nil
}

// tooBigError is the answer to a body over its limit: err when set, else
// the 413 naming Options.MaxBodyBytes (made only when a body is refused).
func (s *Server) tooBigError(err error) error {
	if err != nil {
		return err
	}
	return sdk.Errorf(http.StatusRequestEntityTooLarge, MsgBodyTooLarge, s.opts.MaxBodyBytes)
}

// readers are the body reads in progress: Shutdown cuts them off, so a
// client that stopped sending its body never holds up a restart or a
// roll (a drain waits for requests being answered, not for bodies being
// trickled). Each is a connection waiting for its body (or, for a handler
// called outside Serve, the request's ResponseController).
type readers struct {
	mu  sync.Mutex
	set map[deadliner]struct{}
}

// deadliner is what readers cut: a read deadline.
type deadliner interface {
	SetReadDeadline(time.Time) error
}

func (r *readers) add(d deadliner) {
	r.mu.Lock()
	if r.set == nil {
		r.set = map[deadliner]struct{}{}
	}
	r.set[d] = struct{}{}
	r.mu.Unlock()
}

func (r *readers) remove(d deadliner) {
	r.mu.Lock()
	delete(r.set, d)
	r.mu.Unlock()
}

// cut ends every body read in progress now.
func (r *readers) cut() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for d := range r.set {
		_ = d.SetReadDeadline(time.Now())
	}
}
