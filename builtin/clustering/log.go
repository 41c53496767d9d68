package clustering

import (
	"fmt"
	"strings"

	"github.com/hashicorp/go-hclog"
)

// insecureWarning is the start of the line NATS logs when route TLS skips
// Go's host-name check. The family does skip it on purpose (trust.config
// verifies the chain itself), so the line is logged at debug level with
// what is actually checked.
const insecureWarning = "TLS certificate chain and hostname of solicited routes will not be verified"

// natsLogger writes the NATS server's log lines through hclog.
type natsLogger struct{ log hclog.Logger }

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
func (l natsLogger) Errorf(format string, v ...any) { l.log.Error(fmt.Sprintf(format, v...)) }
func (l natsLogger) Debugf(format string, v ...any) { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l natsLogger) Tracef(format string, v ...any) { l.log.Trace(fmt.Sprintf(format, v...)) }
