package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/tidwall/buntdb"

	"github.com/hops-dev/hops/sdk"
)

// SuperUserRole is the name of the role EnsureSuperUser creates.
const SuperUserRole = "super_user"

// processKeySize is the size of the random per-process HMAC keys (cache
// keys, caller tokens): 32 bytes, the output size of SHA-256.
const processKeySize = 32

// Service holds users, roles and tokens. It is safe for concurrent use.
type Service struct {
	db     *buntdb.DB
	opts   Options
	log    hclog.Logger
	signer *signer

	// cacheKey keys the HMAC that names cache entries; callerKey signs
	// caller tokens. Both are random per process.
	cacheKey  []byte
	callerKey []byte
	// ipad and opad are cacheKey's HMAC key blocks (macPads).
	ipad, opad [sha256.BlockSize]byte
	cache      *credCache
	flight     flightGroup
	throttle   *throttle
	lanes      *lanes
	// audit receives the auth event lines (named "auth.audit").
	audit hclog.Logger

	// hash makes new password hashes with the configured function;
	// verify checks any stored hash (hash.go). Fields so tests can count
	// calls.
	hash   func(password []byte) ([]byte, error)
	verify func(hash, password []byte, pause func()) error
	now    func() time.Time
	// hold waits out a throttle wait or refuses the attempt
	// (holdOrRefuse; tests count the waits instead).
	hold func(ctx context.Context, wait time.Duration) error
	// peers are the public JWT keys other nodes sent (repl.go).
	peers peerKeys
	// outboxSignal wakes repl_system_outbox calls waiting for an entry
	// (every committed update signals it; see update).
	outboxSignal signal
	// dummyHash is verified against when the user does not exist, so an
	// unknown username costs the same time as a wrong password: a stored
	// hash with the configured function and parameters and a random key
	// (hasher.dummy), which Open makes without hashing anything.
	dummyHash func() ([]byte, error)
}

// Open returns the service over db, the host's system.db (opened by the
// host and shared with the jobs store), creating or loading the JWT signing
// key under opts.RootPath/keys.
func Open(db *buntdb.DB, opts Options) (*Service, error) {
	if db == nil {
		return nil, errors.New("auth: nil database")
	}
	if opts.RootPath == "" {
		return nil, errors.New("auth: RootPath is required")
	}
	opts = opts.withDefaults()
	hs, err := newHasher(opts)
	if err != nil {
		return nil, err
	}
	sg, err := loadSigner(opts.RootPath)
	if err != nil {
		return nil, err
	}
	s := &Service{
		db:        db,
		opts:      opts,
		log:       opts.Logger.Named("auth"),
		audit:     opts.Logger.Named("auth.audit"),
		signer:    sg,
		cacheKey:  randomKey(),
		callerKey: randomKey(),
		cache:     newCredCache(),
		throttle:  newThrottle(),
		lanes:     newLanes(),
		verify:    verifyHash,
		now:       time.Now,
		hold:      holdOrRefuse,
	}
	if opts.AuthorizeLocal {
		s.log.Warn(MsgAuthorizeLocalOn)
	}
	if n, err := migrateRoleIDs(db); err != nil {
		return nil, err
	} else if n > 0 {
		s.log.Info("role ids are now role names, as in HarperDB 4.7", "roles", n)
	}
	if n, err := assignAccountIDs(db); err != nil {
		return nil, err
	} else if n > 0 {
		s.log.Info("users given account ids; their earlier tokens no longer work", "users", n)
	}
	if err := db.View(s.peers.load); err != nil {
		return nil, err
	}
	s.ipad, s.opad = macPads(s.cacheKey)
	s.hash = hs.hash
	dummy := hs.dummy()
	s.dummyHash = func() ([]byte, error) { return dummy, nil }
	return s, nil
}

func randomKey() []byte {
	b := make([]byte, processKeySize)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("auth: crypto/rand failed: %v", err)) // never happens on Linux
	}
	return b
}

// HasUsers reports whether any user exists.
func (s *Service) HasUsers() (bool, error) {
	var found bool
	err := s.db.View(func(tx *buntdb.Tx) (err error) {
		found, err = anyUser(tx)
		return err
	})
	return found, err
}

func anyUser(tx *buntdb.Tx) (bool, error) {
	found := false
	err := tx.AscendKeys(userPrefix+"*", func(string, string) bool {
		found = true
		return false
	})
	if err != nil {
		return false, fmt.Errorf("auth: has users: %w", err)
	}
	return found, nil
}

// errHasUsers stops EnsureSuperUser's transaction when a user appeared.
var errHasUsers = errors.New("users exist")

// EnsureSuperUser creates the role super_user and a user of it when no user
// exists at all; otherwise it does nothing. The host calls it at start with
// the configured initial credentials.
func (s *Service) EnsureSuperUser(username, password string) (created bool, err error) {
	if has, err := s.HasUsers(); err != nil || has {
		return false, err
	}
	if err := validateUsername(username); err != nil {
		return false, err
	}
	if err := validatePassword(password); err != nil {
		return false, err
	}
	hash, err := s.hash([]byte(password))
	if err != nil {
		return false, fmt.Errorf("auth: hash password: %w", err)
	}
	now := s.now().UnixMilli()
	err = s.update(func(tx *buntdb.Tx) error {
		if has, err := anyUser(tx); err != nil {
			return err
		} else if has {
			return errHasUsers
		}
		r, err := roleByName(tx, SuperUserRole)
		if err != nil {
			return err
		}
		if r == nil {
			r = &role{ID: SuperUserRole, Role: SuperUserRole, Permission: json.RawMessage(`{"super_user":true}`), Created: now, Updated: now}
			if err := setJSON(tx, rolePrefix+r.ID, r); err != nil {
				return err
			}
			if err := ensureClusterUserRole(tx, now); err != nil {
				return err
			}
		} else if !r.superUser() {
			return fmt.Errorf("auth: role %q exists without super_user permission", SuperUserRole)
		}
		return setJSON(tx, userPrefix+username, &user{Username: username, Hash: string(hash), RoleID: r.ID, Active: true,
			Created: now, Updated: now, AccountID: newAccountID()})
	})
	if errors.Is(err, errHasUsers) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("auth: create super user: %w", err)
	}
	s.Invalidate(username)
	s.log.Info("created the initial super user", "username", username)
	return true, nil
}

// CreateRole adds a role after validating permission as add_role does, and
// returns its id. Errors a client could cause are *sdk.Error (400, 409).
func (s *Service) CreateRole(name string, permission json.RawMessage) (id string, err error) {
	r, err := s.addRole(context.Background(), name, permission)
	if err != nil {
		return "", err
	}
	return r.ID, nil
}

// CreateUser adds a user of the role named roleName, as add_user does.
// Errors a client could cause are *sdk.Error (400, 404, 409).
func (s *Service) CreateUser(username, password, roleName string, active bool) error {
	return s.addUser(username, password, roleName, active)
}

// load reads a user and its role in one snapshot; both nil when the user
// does not exist, role nil when the user's role is gone.
func (s *Service) load(username string) (*user, *role, error) {
	var u *user
	var r *role
	err := s.db.View(func(tx *buntdb.Tx) error {
		var err error
		if u, err = getUser(tx, username); err != nil || u == nil {
			return err
		}
		r, err = getRole(tx, u.RoleID)
		return err
	})
	return u, r, err
}

// callerOf is the caller a user of role r acts as.
func (s *Service) callerOf(u *user, r *role) sdk.Caller {
	return sdk.Caller{
		Username:    u.Username,
		Role:        r.Role,
		SuperUser:   r.superUser(),
		Permissions: r.Permission,
		Token:       s.callerToken(u),
	}
}
