package records

import (
	"context"
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hops-dev/hops/sdk"
	"github.com/hops-dev/hops/sdk/sdktest"
)

// clock is a settable test clock for the store's timestamps.
type clock struct{ ms atomic.Int64 }

func (c *clock) Now() time.Time { return time.UnixMilli(c.ms.Load()) }
func (c *clock) set(ms int64)   { c.ms.Store(ms) }

// startMs is the test clock's first reading (2023-11-14T22:13:20Z).
const startMs = 1_700_000_000_000

// env is a records family under test and its harness.
type env struct {
	t     testing.TB
	f     *Family
	h     *sdktest.Harness
	clock *clock
}

// harnessOpts tune newEnv.
type harnessOpts struct {
	rootPath string
	section  any
	host     sdk.Host
}

// newEnv serves a fresh family over in-process gRPC with a test clock and
// shuts it down when the test ends (so its files are closed).
func newEnv(t testing.TB, o harnessOpts) *env {
	t.Helper()
	f, err := New()
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{}
	c.set(startMs)
	f.now = c.Now
	section := o.section
	if section == nil {
		section = map[string]any{"noSync": true}
	}
	h := sdktest.New(t, f, sdktest.Options{RootPath: o.rootPath, Section: section, Host: o.host})
	e := &env{t: t, f: f, h: h, clock: c}
	t.Cleanup(func() { e.shutdown() })
	return e
}

// shutdown asks the family to shut down, as the host does before it stops
// the process. A second call is harmless.
func (e *env) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return e.h.Client.Shutdown(ctx, time.Now().Add(10*time.Second))
}

// op builds a request body.
func op(name string, kv ...any) map[string]any {
	m := map[string]any{"operation": name}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// super sends body as the super user.
func (e *env) super(body any) sdktest.Result {
	e.t.Helper()
	return e.h.Super(e.t, body)
}

// ok sends body as the super user and fails the test unless it answers 200.
func (e *env) ok(body any) sdktest.Result {
	e.t.Helper()
	r := e.super(body)
	if r.Status != 200 {
		e.t.Fatalf("%v: %d %s", body, r.Status, r.Body)
	}
	return r
}

// table creates db.table with primary key id.
func (e *env) table(db, table string) {
	e.t.Helper()
	e.ok(op("create_table", "database", db, "table", table, "primary_key", "id"))
}

// insert inserts records (JSON text of an array) into db.table.
func (e *env) insert(db, table, recs string) {
	e.t.Helper()
	e.ok(op("insert", "database", db, "table", table, "records", json.RawMessage(recs)))
}

// wantError checks an error answer's status and exact message.
func wantError(t testing.TB, r sdktest.Result, status int, msg string) {
	t.Helper()
	if r.Status != status || r.Error() != msg {
		t.Errorf("got %d %s, want %d %q", r.Status, r.Body, status, msg)
	}
}

// wantErrorContains checks an error answer's status and a part of its message.
func wantErrorContains(t testing.TB, r sdktest.Result, status int, part string) {
	t.Helper()
	if r.Status != status || !strings.Contains(r.Error(), part) {
		t.Errorf("got %d %s, want %d with %q", r.Status, r.Body, status, part)
	}
}

// wantJSON checks a 200 answer's body equals want (JSON text), compared as
// decoded values.
func wantJSON(t testing.TB, r sdktest.Result, want string) {
	t.Helper()
	if r.Status != 200 {
		t.Errorf("got %d %s, want 200 %s", r.Status, r.Body, want)
		return
	}
	var got, exp any
	if err := json.Unmarshal(r.Body, &got); err != nil {
		t.Errorf("answer is not JSON: %v: %s", err, r.Body)
		return
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatalf("bad want %s: %v", want, err)
	}
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("got  %s\nwant %s", r.Body, want)
	}
}

// decodeList decodes a 200 answer holding an array of objects.
func decodeList(t testing.TB, r sdktest.Result) []map[string]any {
	t.Helper()
	if r.Status != 200 {
		t.Fatalf("got %d %s, want 200", r.Status, r.Body)
	}
	var out []map[string]any
	r.JSON(t, &out)
	return out
}

// dogs is the conformance suite's first table.
const dogs = `[
 {"id": 1, "name": "Penny", "breed": "Mutt", "age": 5, "tags": ["a", "b"], "owner": {"first": "Kyle", "last": "B"}, "good": true},
 {"id": 2, "name": "Harper, Jr.", "breed": "Lab", "age": 3, "good": false},
 {"id": 3, "name": "Alby", "age": null, "weight": 12.5},
 {"id": "str-id", "name": "Str", "age": 7}]`

// withDogs returns an env holding db.dogs filled with dogs.
func withDogs(t testing.TB) *env {
	e := newEnv(t, harnessOpts{})
	e.table("db", "dogs")
	e.insert("db", "dogs", dogs)
	return e
}

// handle sends a raw body under an explicit operation name as the super
// user (for bodies the harness cannot read an operation from).
func (e *env) handle(operation string, body []byte) sdktest.Result {
	e.t.Helper()
	reply, err := e.h.Client.Handle(context.Background(), &sdk.Request{Operation: operation, Body: body,
		Caller: sdktest.SuperUser, ID: "test"})
	if err != nil {
		e.t.Fatalf("handle: %v", err)
	}
	defer reply.Body.Close()
	data, err := io.ReadAll(reply.Body)
	if err != nil {
		e.t.Fatalf("read reply: %v", err)
	}
	return sdktest.Result{Status: reply.Status, ContentType: reply.ContentType, Body: data}
}
