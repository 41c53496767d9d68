package auth

import (
	"context"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Defaults of Options.
const (
	// DefaultCacheTTL bounds how long a verified credential is trusted
	// without re-reading the user: short enough that a change made outside
	// this process (none today) shows quickly, long enough that a client
	// polling every second never pays for a hash.
	DefaultCacheTTL = 30 * time.Second
	// DefaultOperationTokenTimeout is HarperDB's default lifetime of an
	// operation token (authentication.operationTokenTimeout: 1d).
	DefaultOperationTokenTimeout = 24 * time.Hour
	// DefaultRefreshTokenTimeout is HarperDB's default lifetime of a refresh
	// token (authentication.refreshTokenTimeout: 30d).
	DefaultRefreshTokenTimeout = 30 * 24 * time.Hour
)

// Options configures a Service. The zero value of every field but RootPath
// means its default.
type Options struct {
	// RootPath is the instance root; the JWT signing key lives in
	// RootPath/keys/auth/jwt-signing.pem. Required.
	RootPath string
	// CacheTTL is how long a verified Basic credential or Bearer token is
	// answered from memory (default DefaultCacheTTL). Negative disables the
	// cache: every request verifies again (tests, debugging). It is capped
	// at half the caller-token lifetime so a cached caller's token stays
	// valid for a long job.
	CacheTTL time.Duration
	// OperationTokenTimeout is the default lifetime of an operation token
	// (default DefaultOperationTokenTimeout); create_authentication_tokens'
	// expires_in overrides it per call.
	OperationTokenTimeout time.Duration
	// RefreshTokenTimeout is the lifetime of a refresh token (default
	// DefaultRefreshTokenTimeout).
	RefreshTokenTimeout time.Duration
	// Logger receives the service's logs, named "auth" (default: none).
	// Passwords and tokens are never logged.
	Logger hclog.Logger
	// AuthorizeLocal is authentication.authorizeLocal (default false):
	// a request from a loopback address (the client address the server
	// puts in the context, WithClientAddr) with no Authorization header
	// acts as the first super user, as in HarperDB. Open logs a WARN line
	// when it is on.
	AuthorizeLocal bool
	// HashFunction is authentication.hashFunction, the hash of new
	// passwords: HashSHA256 (the default, as in HarperDB) or HashArgon2id;
	// Open refuses any other value. Stored hashes of every function hops
	// has written (bcrypt included) are verified whatever it says.
	HashFunction string
	// PBKDF2Iterations is the work of a new sha256 hash (default
	// DefaultPBKDF2Iterations; tests use fewer).
	PBKDF2Iterations int
	// Argon2Memory (KiB) and Argon2Time are the cost of a new argon2id
	// hash (defaults DefaultArgon2Memory, DefaultArgon2Time).
	Argon2Memory, Argon2Time uint32
	// AuditFailed logs every refused login (logging.auditAuthEvents.logFailed):
	// username, client address, method and reason, never the password.
	AuditFailed bool
	// AuditSuccessful logs every verified login
	// (logging.auditAuthEvents.logSuccessful); a credential answered from
	// the cache is not logged again.
	AuditSuccessful bool
	// Schema answers whether the databases, tables and attributes a role
	// names exist. Nil skips those checks (a role may then name tables that
	// do not exist yet).
	Schema Schema
}

// Schema is what role validation asks about the data the records family
// holds.
type Schema interface {
	// DatabaseExists reports whether the database exists.
	DatabaseExists(ctx context.Context, database string) (bool, error)
	// TableAttributes returns the names of a table's attributes and
	// whether the table exists. A nil list with ok=true means the
	// attributes are unknown: attribute names are then not checked.
	TableAttributes(ctx context.Context, database, table string) (attributes []string, ok bool, err error)
}

// callerTokenTTL is the lifetime of a caller token: a job started by a
// request may run for hours and act as its caller throughout.
const callerTokenTTL = 24 * time.Hour

func (o Options) withDefaults() Options {
	if o.CacheTTL == 0 {
		o.CacheTTL = DefaultCacheTTL
	}
	if o.CacheTTL > callerTokenTTL/2 {
		o.CacheTTL = callerTokenTTL / 2
	}
	if o.OperationTokenTimeout <= 0 {
		o.OperationTokenTimeout = DefaultOperationTokenTimeout
	}
	if o.RefreshTokenTimeout <= 0 {
		o.RefreshTokenTimeout = DefaultRefreshTokenTimeout
	}
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	if o.HashFunction == "" {
		o.HashFunction = HashSHA256
	}
	if o.PBKDF2Iterations <= 0 {
		o.PBKDF2Iterations = DefaultPBKDF2Iterations
	}
	if o.Argon2Memory == 0 {
		o.Argon2Memory = DefaultArgon2Memory
	}
	if o.Argon2Time == 0 {
		o.Argon2Time = DefaultArgon2Time
	}
	return o
}
