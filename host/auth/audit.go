package auth

import (
	"context"
	"strconv"
	"unicode/utf8"

	"github.com/hops-dev/hops/sdk"
)

// The auth event log (logging.auditAuthEvents): one info line per login
// verified (a credential answered from the cache within cacheTTL is not
// logged again) and per login refused, with the username, the client's
// address, the method and the outcome. Passwords and tokens are never
// logged.

// auditUsernameMax bounds the username written to the log: a client
// chooses it, so it is cut and quoted when it holds anything but
// printable characters.
const auditUsernameMax = 128

func (s *Service) auditOutcome(ctx context.Context, method, username string, out outcome) {
	switch {
	case out.err != nil:
		s.auditFailure(ctx, method, username, out.err)
	case out.fail == badCredentials:
		s.auditLine(ctx, false, method, username, "wrong credentials")
	case out.fail == userInactive:
		s.auditLine(ctx, false, method, username, "user inactive")
	default:
		s.auditLine(ctx, true, method, username, "")
	}
}

// auditFailure logs a refused login whose reason is err (a 401 or 429
// *sdk.Error; an internal fault is logged where it happens).
func (s *Service) auditFailure(ctx context.Context, method, username string, err error) {
	if e, ok := sdk.AsError(err); ok {
		s.auditLine(ctx, false, method, username, e.Message)
	}
}

// auditSuccess logs an accepted login (a token verified, tokens issued).
func (s *Service) auditSuccess(ctx context.Context, method, username string) {
	s.auditLine(ctx, true, method, username, "")
}

func (s *Service) auditLine(ctx context.Context, ok bool, method, username, reason string) {
	if (ok && !s.opts.AuditSuccessful) || (!ok && !s.opts.AuditFailed) {
		return
	}
	args := []any{"username", logSafe(username), "client", ClientAddrFromContext(ctx), "method", method}
	if ok {
		s.audit.Info("login succeeded", args...)
		return
	}
	s.audit.Info("login failed", append(args, "reason", reason)...)
}

// logSafe cuts a client-chosen string and quotes it unless it is plain
// printable text.
func logSafe(v string) string {
	if utf8.RuneCountInString(v) > auditUsernameMax {
		r := []rune(v)
		v = string(r[:auditUsernameMax]) + "..."
	}
	for _, c := range v {
		if c < 0x20 || c == 0x7f || c == '"' || c == '\\' || !strconv.IsPrint(c) {
			return strconv.QuoteToASCII(v)
		}
	}
	return v
}
