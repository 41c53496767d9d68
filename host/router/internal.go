package router

import (
	"context"
	"strings"
)

// InternalPrefix starts the names of internal operations: the replication
// sources' repl_<source>_<verb> (outbox, apply, ...), which the clustering
// family calls through Host.Dispatch. Route answers them as unknown (400)
// unless ctx carries WithInternal, which only the host's bridge sets, for
// a builtin family's internal (empty caller) Dispatch. An HTTP client
// therefore cannot call them, whatever its role, and a family's handler
// may trust that such a request came from the host's internal caller.
const InternalPrefix = "repl_"

type internalKey struct{}

// WithInternal marks ctx as a builtin family's internal Dispatch.
func WithInternal(ctx context.Context) context.Context {
	return context.WithValue(ctx, internalKey{}, true)
}

// IsInternal reports whether ctx was marked by WithInternal.
func IsInternal(ctx context.Context) bool {
	v, _ := ctx.Value(internalKey{}).(bool)
	return v
}

// InternalOnly reports whether the operation name is an internal one.
func InternalOnly(op string) bool { return strings.HasPrefix(op, InternalPrefix) }
