package clustering

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
)

// insecureWarning is the start of the line NATS logs when route TLS skips
// Go's host-name check. The family does skip it on purpose (trust.config
// verifies the chain itself), so the line is logged at debug level with
// what is actually checked.
const insecureWarning = "TLS certificate chain and hostname of solicited routes will not be verified"

// handshakeError marks the line NATS logs for each refused route
// handshake (an untrusted node retries about once a second).
const handshakeError = "TLS route handshake error"

// handshakeLogEvery is the most often a refused handshake is logged at
// ERROR: a node that is not trusted retries every second, forever, and
// must not fill the log. The lines in between are counted and logged at
// debug level.
const handshakeLogEvery = 30 * time.Second

// natsLogger writes the NATS server's log lines through hclog.
type natsLogger struct {
	log hclog.Logger
	hs  *throttle
}

func newNATSLogger(log hclog.Logger) natsLogger {
	return natsLogger{log: log, hs: &throttle{every: handshakeLogEvery, now: time.Now}}
}

// throttle lets one event through per period and counts the others.
type throttle struct {
	every      time.Duration
	now        func() time.Time
	mu         sync.Mutex
	last       time.Time
	suppressed int
}

// allow reports whether to log now, and how many were held back since
// the last one logged.
func (t *throttle) allow() (bool, int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if !t.last.IsZero() && now.Sub(t.last) < t.every {
		t.suppressed++
		return false, 0
	}
	n := t.suppressed
	t.last, t.suppressed = now, 0
	return true, n
}

func (l natsLogger) Noticef(format string, v ...any) { l.log.Info(fmt.Sprintf(format, v...)) }
func (l natsLogger) Warnf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	if strings.HasPrefix(msg, insecureWarning) {
		l.log.Debug("route TLS: peer chains are verified against the trusted CAs; host names are not checked")
		return
	}
	l.log.Warn(msg)
}
func (l natsLogger) Fatalf(format string, v ...any) { l.log.Error(fmt.Sprintf(format, v...)) }
func (l natsLogger) Errorf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	if strings.Contains(msg, handshakeError) {
		ok, held := l.hs.allow()
		if !ok {
			l.log.Debug(msg)
			return
		}
		if held > 0 {
			l.log.Error(msg, "similar_errors_not_logged", held)
			return
		}
	}
	l.log.Error(msg)
}
func (l natsLogger) Debugf(format string, v ...any) { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l natsLogger) Tracef(format string, v ...any) { l.log.Trace(fmt.Sprintf(format, v...)) }
