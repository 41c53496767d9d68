package router

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/hops-dev/hops/host/registry"
	"github.com/hops-dev/hops/sdk"
)

// Forwarder sends a request to a family's process (the supervisor). A
// returned error is a transport failure or a 503 while the family is down;
// an operation's own failure is a Reply with its status.
type Forwarder interface {
	Handle(ctx context.Context, family string, req *sdk.Request) (*sdk.Reply, error)
}

// Options configure a Router.
type Options struct {
	// Registry resolves operation names. Required.
	Registry *registry.Registry
	// Forwarder reaches family processes. Required when any family
	// registers operations.
	Forwarder Forwarder
	// Logger is the host's logger (default: discard).
	Logger hclog.Logger
	// WaitStarted, when set, is called for an operation name nobody has
	// registered, before it is answered as unknown (a family registers
	// its names as it starts): it returns once found (a new lookup of the
	// name) reports true or the families' first starts have ended, or
	// the error to answer instead (the supervisor's WaitStarted: a 503
	// after its bound).
	WaitStarted func(ctx context.Context, found func() bool) error
}

// Router routes operations; it is safe for concurrent use.
type Router struct {
	reg  *registry.Registry
	fwd  Forwarder
	log  hclog.Logger
	seq  atomic.Uint64
	boot string
	wait func(ctx context.Context, found func() bool) error
}

// New returns a router over opts.Registry.
func New(opts Options) *Router {
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	return &Router{
		reg:  opts.Registry,
		fwd:  opts.Forwarder,
		log:  opts.Logger.Named("router"),
		boot: strconv.FormatInt(time.Now().UnixNano()%1e9, 36),
		wait: opts.WaitStarted,
	}
}

// Registry returns the registry the router reads.
func (r *Router) Registry() *registry.Registry { return r.reg }

// Lookup returns the entry of an operation name.
func (r *Router) Lookup(name string) (registry.Entry, bool) { return r.reg.Lookup(name) }

// NewRequestID returns an id unique within this process's life: a boot
// stamp and a sequence number.
func (r *Router) NewRequestID() string {
	return r.boot + "-" + strconv.FormatUint(r.seq.Add(1), 36)
}

type requestIDKey struct{}

// WithRequestID returns ctx carrying a request id for Do to use.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id ctx carries, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// Do runs the operation body names as caller, with the access checks an
// HTTP request gets. The request id is the one ctx carries
// (WithRequestID), else a new one.
func (r *Router) Do(ctx context.Context, caller sdk.Caller, body []byte) (*sdk.Reply, error) {
	op, err := OperationName(body)
	if err != nil {
		return nil, err
	}
	return r.Route(ctx, &sdk.Request{Operation: op, Body: body, Caller: caller, ID: RequestID(ctx)})
}

// DoTrusted is Do for a body the hops binary's own code wrote (a builtin
// family's Dispatch): its operation is read by TrustedOperationName,
// without validating the whole body first. Every check after that is
// Do's.
func (r *Router) DoTrusted(ctx context.Context, caller sdk.Caller, body []byte) (*sdk.Reply, error) {
	op, err := TrustedOperationName(body)
	if err != nil {
		return nil, err
	}
	return r.Route(ctx, &sdk.Request{Operation: op, Body: body, Caller: caller, ID: RequestID(ctx)})
}

// Route runs req, whose Operation is already read from its Body: an
// unknown name, or an internal one (sdk.AccessInternal) for a caller that
// is not the host's internal one, is a 400 (clients never learn of
// internal operations), a super_user operation for another caller a 403
// (Public entries do their own checks); then the local handler runs, or
// the family is asked. An empty req.ID gets a new id. A name not
// registered while families are still starting waits for them
// (Options.WaitStarted) before it is judged unknown.
func (r *Router) Route(ctx context.Context, req *sdk.Request) (*sdk.Reply, error) {
	entry, ok := r.reg.Lookup(req.Operation)
	if !ok && r.wait != nil {
		var err error
		if entry, ok, err = r.waitFor(ctx, req.Operation); err != nil {
			return nil, err
		}
	}
	if !ok || (entry.Op.Access == sdk.AccessInternal && !req.Caller.Internal) {
		return nil, sdk.BadRequest(MsgOperationUnknown, req.Operation)
	}
	if !entry.Public {
		if err := Authorize(entry, req.Caller); err != nil {
			return nil, err
		}
	}
	if req.ID == "" {
		req.ID = r.NewRequestID()
	}
	switch entry.Kind {
	case registry.KindLocal:
		return r.local(ctx, entry.Local, req)
	case registry.KindFamily:
		if r.fwd == nil {
			return nil, fmt.Errorf("router: no forwarder for family %s", entry.Family)
		}
		return r.fwd.Handle(ctx, entry.Family, req)
	}
	return nil, fmt.Errorf("router: operation %s has entry kind %v", req.Operation, entry.Kind)
}

// waitFor looks name up again once the families' first starts have
// registered it or ended (Options.WaitStarted). It is apart from Route so
// that the closure it hands WaitStarted does not move Route's entry to
// the heap on every request.
func (r *Router) waitFor(ctx context.Context, name string) (registry.Entry, bool, error) {
	err := r.wait(ctx, func() bool {
		_, ok := r.reg.Lookup(name)
		return ok
	})
	if err != nil {
		return registry.Entry{}, false, err
	}
	entry, ok := r.reg.Lookup(name)
	return entry, ok, nil
}

// Authorize enforces entry's access level for caller: a super_user
// operation needs a super user (403 naming HarperDB's function name);
// authenticated and permissions operations pass (a permissions operation
// checks table rights itself with the caller's permissions).
func Authorize(entry registry.Entry, caller sdk.Caller) error {
	if entry.Op.Access == sdk.AccessSuperUser && !caller.SuperUser {
		name := entry.Op.RestrictedName
		if name == "" {
			name = entry.Op.Name
		}
		return sdk.Forbidden([]any{fmt.Sprintf(MsgRestricted, name)}, nil)
	}
	return nil
}
