package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/labstack/echo/v4"

	"github.com/hops-dev/hops/sdk"
)

// throttled is an error like the login throttle's 429.
type throttled struct{ err *sdk.Error }

func (e throttled) Error() string             { return e.err.Message }
func (e throttled) Unwrap() error             { return e.err }
func (e throttled) RetryAfter() time.Duration { return 2500 * time.Millisecond }

func TestWriteErrorRetryAfter(t *testing.T) {
	rec := httptest.NewRecorder()
	c := echo.New().NewContext(httptest.NewRequest(http.MethodPost, "/", nil), rec)
	err := throttled{&sdk.Error{Status: http.StatusTooManyRequests, Message: "slow down"}}
	if werr := writeError(c, err, hclog.NewNullLogger()); werr != nil {
		t.Fatal(werr)
	}
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "3" || rec.Body.String() != "{\"error\":\"slow down\"}\n" {
		t.Fatalf("answer %d %q %q", rec.Code, rec.Header().Get("Retry-After"), rec.Body.String())
	}
}
