package sdk

import (
	"context"
	"encoding/json"

	"github.com/hashicorp/go-hclog"
)

// Family is what a plugin implements. Lifecycle: the host calls Info and
// Operations once at start (Describe), then Configure (if the family
// implements [Configurer]) before any request, then the operations'
// handlers, concurrently, for as long as the process lives, and finally
// Shutdown (if it implements [Shutdowner]).
type Family interface {
	// Info names the family.
	Info() Info
	// Operations lists the family's operations. Names must be unique within
	// the family; the host also refuses a name another family registered
	// first.
	Operations() []Operation
}

// Configurer is implemented by families that take configuration or need the
// host client. Configure runs once before the first request.
type Configurer interface {
	Configure(ctx context.Context, cfg Config) error
}

// Shutdowner is implemented by families that hold resources (open
// databases, running jobs). Shutdown must return before ctx's deadline.
type Shutdowner interface {
	Shutdown(ctx context.Context) error
}

// Info names a family.
type Info struct {
	// Name is the family's name, e.g. "status". It appears in logs and in
	// the 503 answered while the family restarts.
	Name string
	// Version is the family's own version string.
	Version string
}

// Config is what the host hands a family in Configure.
type Config struct {
	// Section is the family's own config section as JSON (an object, or
	// null when the config has none). A family never reads the host's
	// config file.
	Section json.RawMessage
	// RootPath is the instance's root directory; a family keeps its files
	// under RootPath/database or RootPath/keys as DESIGN.md lays out.
	RootPath string
	// LogLevel is the host's logging level.
	LogLevel string
	// Host calls back into the host (Dispatch, jobs). The SDK sets it in
	// the family's process.
	Host Host
	// Logger logs to the host through go-plugin's stderr capture. The SDK
	// sets it in the family's process.
	Logger hclog.Logger
}

// Access says who may call an operation.
type Access int

const (
	// AccessSuperUser operations are refused by the host with a 403 unless
	// the caller's role is super_user.
	AccessSuperUser Access = iota + 1
	// AccessAuthenticated operations may be called by any authenticated
	// user.
	AccessAuthenticated
	// AccessPermissions operations are forwarded for any authenticated user
	// with the caller's permissions; the family checks table rights itself.
	AccessPermissions
	// AccessInternal operations are for the host and the builtin families
	// only: to every caller but the host's own internal one (a builtin
	// family dispatching with an empty caller, or the host itself) the
	// host answers them as unknown operations (400), so no HTTP client,
	// super users included, reaches or sees them.
	AccessInternal
)

// String names the access level as the contract does.
func (a Access) String() string {
	switch a {
	case AccessSuperUser:
		return "super_user"
	case AccessAuthenticated:
		return "authenticated"
	case AccessPermissions:
		return "permissions"
	case AccessInternal:
		return "internal"
	}
	return "unspecified"
}

// Operation is one row of a family's operation table.
type Operation struct {
	// Name is the operation name clients send, case-sensitive.
	Name string
	// Access says who may call it.
	Access Access
	// Summary is one line for humans.
	Summary string
	// InputSchema is an optional JSON Schema of the request body.
	InputSchema string
	// Job is true when the operation answers at once and runs as a job.
	Job bool
	// RestrictedName is the name HarperDB uses in the 403 message of a
	// super_user operation (its internal function name, e.g. "setStatus").
	// Empty means Name.
	RestrictedName string
	// Handler runs the operation.
	Handler Handler
}

// Handler runs one operation. It returns the response, or an error: an
// [*Error] (possibly wrapped) is answered with its status and message; any
// other error is answered 500 with an error id and logged.
type Handler func(ctx context.Context, req *Request) (*Response, error)
