package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/labstack/echo/v4"

	"github.com/hops-dev/hops/sdk"
)

// StatusClientClosed is the status recorded (metrics, never sent) for a
// request whose client went away before its answer: nginx's 499.
const StatusClientClosed = 499

// clientGone reports that err is the cancellation of a request whose
// client closed the connection: nobody is left to answer, and it is not
// a server fault.
func clientGone(c echo.Context, err error) bool {
	return errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil
}

// retryAfter is implemented by errors that tell the client when to try
// again (the login throttle's 429): writeError sends it as Retry-After.
type retryAfter interface {
	RetryAfter() time.Duration
}

// writeError is the one function that writes an error answer.
func writeError(c echo.Context, err error, log hclog.Logger) error {
	if clientGone(c, err) {
		c.Set(clientClosedKey, true)
		log.Debug("client went away before the answer", "path", c.Request().URL.Path, "error", err)
		return nil
	}
	e, ok := sdk.AsError(err)
	if !ok {
		e, ok = sdk.DiskFullError(err)
	}
	if !ok {
		id := newErrorID()
		log.Error("request failed", "path", c.Request().URL.Path, "error_id", id, "error", err)
		e = &sdk.Error{Status: http.StatusInternalServerError,
			Message: "Internal error (error id " + id + "); the server log has the details"}
	}
	var ra retryAfter
	if errors.As(err, &ra) {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(ra.RetryAfter().Seconds()))))
	}
	c.Response().Header().Set(echo.HeaderContentType, sdk.ContentTypeJSON)
	return c.JSON(e.Status, e.Body())
}

// echoError turns Echo's own errors (no route, wrong method) into JSON.
func (s *Server) echoError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		msg := http.StatusText(he.Code)
		switch he.Code {
		case http.StatusNotFound:
			msg = MsgNotFound
		case http.StatusMethodNotAllowed:
			msg = MsgMethodNotAllowed
		}
		_ = writeError(c, &sdk.Error{Status: he.Code, Message: msg}, s.log)
		return
	}
	_ = writeError(c, err, s.log)
}

func newErrorID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
