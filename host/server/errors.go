package server

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"

	"github.com/hashicorp/go-hclog"
	"github.com/labstack/echo/v4"

	"github.com/hops-dev/hops/sdk"
)

// writeError is the one function that writes an error answer.
func writeError(c echo.Context, err error, log hclog.Logger) error {
	e, ok := sdk.AsError(err)
	if !ok {
		id := newErrorID()
		log.Error("request failed", "path", c.Request().URL.Path, "error_id", id, "error", err)
		e = &sdk.Error{Status: http.StatusInternalServerError,
			Message: "Internal error (error id " + id + "); the server log has the details"}
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

func asStatus(err error, target *sdk.StatusError) bool { return errors.As(err, target) }
