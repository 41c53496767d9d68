package auth

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/tidwall/buntdb"

	"github.com/hops-dev/hops/sdk"
)

// Test fixtures: the super user and a plain user of role "reader".
const (
	adminName  = "admin"
	adminPass  = "Admin#Pass1"
	plainName  = "plain"
	plainPass  = "Plain#Pass1"
	readerRole = "reader"
)

// Cheap hash parameters: the tests hash hundreds of passwords.
const (
	testPBKDF2Iterations = 1000
	testArgon2Memory     = 64 // KiB
)

// readerPerm lets the reader read and insert dogs of db.
const readerPerm = `{"super_user":false,"db":{"tables":{"dogs":{"read":true,"insert":true,"update":false,"delete":false,"attribute_permissions":[]}}}}`

// env is a service over an in-memory system.db with counted hashing and a
// settable clock, and the log it wrote.
type env struct {
	t        *testing.T
	s        *Service
	db       *buntdb.DB
	root     string
	log      *syncBuffer
	verifies atomic.Int64
	clock    atomic.Int64 // offset added to time.Now, in nanoseconds
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	db, err := buntdb.Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &env{t: t, db: db, root: t.TempDir(), log: &syncBuffer{}}
	e.s = e.open(opts)
	if created, err := e.s.EnsureSuperUser(adminName, adminPass); err != nil || !created {
		t.Fatalf("EnsureSuperUser = %v, %v", created, err)
	}
	if _, err := e.s.CreateRole(readerRole, json.RawMessage(readerPerm)); err != nil {
		t.Fatal(err)
	}
	if err := e.s.CreateUser(plainName, plainPass, readerRole, true); err != nil {
		t.Fatal(err)
	}
	return e
}

// open opens a Service over e's database and root, as a restart would.
func (e *env) open(opts Options) *Service {
	e.t.Helper()
	opts.RootPath = e.root
	if opts.PBKDF2Iterations == 0 {
		opts.PBKDF2Iterations = testPBKDF2Iterations
	}
	if opts.Argon2Memory == 0 {
		opts.Argon2Memory, opts.Argon2Time = testArgon2Memory, 1
	}
	opts.Logger = hclog.New(&hclog.LoggerOptions{Output: e.log, Level: hclog.Trace})
	s, err := Open(e.db, opts)
	if err != nil {
		e.t.Fatal(err)
	}
	verify := s.verify
	s.verify = func(h, pw []byte, pause func()) error { e.verifies.Add(1); return verify(h, pw, pause) }
	s.now = func() time.Time { return time.Now().Add(time.Duration(e.clock.Load())) }
	return s
}

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func (e *env) login(user, pass string) sdk.Caller {
	e.t.Helper()
	c, err := e.s.Authenticate(context.Background(), basic(user, pass))
	if err != nil {
		e.t.Fatalf("login %s: %v", user, err)
	}
	return c
}

func (e *env) admin() sdk.Caller { return e.login(adminName, adminPass) }

// call runs operation op as caller with body (the "operation" key is
// added) through the table Operations returns.
func (e *env) call(ctx context.Context, caller sdk.Caller, op string, body map[string]any) (any, error) {
	e.t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	body["operation"] = op
	raw, err := json.Marshal(body)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, l := range e.s.Operations() {
		if l.Op.Name == op {
			resp, err := l.Op.Handler(ctx, &sdk.Request{Operation: op, Body: raw, Caller: caller})
			if err != nil {
				return nil, err
			}
			return roundTrip(e.t, resp.Value), nil
		}
	}
	e.t.Fatalf("no operation %q", op)
	return nil, nil
}

// ok calls op and fails the test on error.
func (e *env) ok(caller sdk.Caller, op string, body map[string]any) any {
	e.t.Helper()
	v, err := e.call(context.Background(), caller, op, body)
	if err != nil {
		e.t.Fatalf("%s: %v", op, err)
	}
	return v
}

// fail calls op and returns its *sdk.Error, failing the test otherwise.
func (e *env) fail(caller sdk.Caller, op string, body map[string]any, status int) *sdk.Error {
	e.t.Helper()
	_, err := e.call(context.Background(), caller, op, body)
	return wantStatus(e.t, err, status)
}

func wantStatus(t *testing.T, err error, status int) *sdk.Error {
	t.Helper()
	var se *sdk.Error
	if !errors.As(err, &se) {
		t.Fatalf("error = %v (%T), want *sdk.Error %d", err, err, status)
	}
	if se.Status != status {
		t.Fatalf("status = %d (%q), want %d", se.Status, se.Message, status)
	}
	return se
}

// wantError asserts err is an *sdk.Error with status and message.
func wantError(t *testing.T, err error, status int, msg string) {
	t.Helper()
	if se := wantStatus(t, err, status); se.Message != msg {
		t.Fatalf("message = %q, want %q", se.Message, msg)
	}
}

// roundTrip encodes v as the host would and decodes it generically.
func roundTrip(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func obj(t *testing.T, v any) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%v is a %T, want an object", v, v)
	}
	return m
}

func jsonString(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
