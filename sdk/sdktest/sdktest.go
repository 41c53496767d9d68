// Package sdktest runs a family in-process over a real gRPC connection
// (go-plugin's TestPluginGRPCConn, broker included), so a family's tests
// cross the same boundary, framing and conversions as in production.
//
// Start with New: it serves the family, configures it and hands back a
// Harness whose Do sends an operation as a caller. The Host service the
// family sees is a FakeHost (function fields, an in-memory job table) that
// by default dispatches back into the family under test.
package sdktest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"testing"

	goplugin "github.com/hashicorp/go-plugin"

	"github.com/hops-dev/hops/sdk"
	"github.com/hops-dev/hops/sdk/plugin"
)

// Options configure a Harness.
type Options struct {
	// Section is the family's config section (marshalled to JSON).
	Section any
	// RootPath is handed to the family; default t.TempDir().
	RootPath string
	// LogLevel is handed to the family; default "warn".
	LogLevel string
	// Host replaces the FakeHost.
	Host sdk.Host
}

// Harness is a family served over in-process gRPC.
type Harness struct {
	// Client is the host-side client of the family.
	Client *plugin.FamilyClient
	// Host is the fake Host service (nil when Options.Host was set).
	Host *FakeHost
	// Description is what the family described.
	Description *plugin.Description
	// RootPath is the family's root path.
	RootPath string
}

// SuperUser is the default caller: a super user named admin.
var SuperUser = sdk.Caller{Username: "admin", Role: "super_user", SuperUser: true,
	Permissions: json.RawMessage(`{"super_user":true}`), Token: "token-admin"}

// New serves fam in-process, configures it and returns the harness. The
// connection closes when the test ends.
func New(t testing.TB, fam sdk.Family, opts Options) *Harness {
	t.Helper()
	h := &Harness{RootPath: opts.RootPath}
	if h.RootPath == "" {
		h.RootPath = t.TempDir()
	}
	host := opts.Host
	if host == nil {
		h.Host = NewFakeHost()
		host = h.Host
	}
	client, _ := goplugin.TestPluginGRPCConn(t, false, plugin.PluginSet(fam, host))
	t.Cleanup(func() { _ = client.Close() })
	fc, err := plugin.Dispense(client)
	if err != nil {
		t.Fatalf("dispense: %v", err)
	}
	h.Client = fc
	if h.Host != nil && h.Host.DispatchFunc == nil {
		h.Host.DispatchFunc = h.dispatchBack
	}
	ctx := context.Background()
	d, err := fc.Describe(ctx)
	if err != nil {
		t.Fatalf("describe: %v", err)
	}
	h.Description = d
	section, err := json.Marshal(opts.Section)
	if err != nil {
		t.Fatalf("marshal section: %v", err)
	}
	level := opts.LogLevel
	if level == "" {
		level = "warn"
	}
	if err := fc.Configure(ctx, sdk.Config{Section: section, RootPath: h.RootPath, LogLevel: level}); err != nil {
		t.Fatalf("configure: %v", err)
	}
	return h
}

// Result is a family's answer, fully read.
type Result struct {
	// Status is the HTTP status.
	Status int
	// ContentType is the answer's content type.
	ContentType string
	// Body is the whole body.
	Body []byte
}

// JSON decodes the body into v, failing the test when it cannot.
func (r Result) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %q: %v", r.Body, err)
	}
}

// Error returns the body's "error" field ("" when there is none).
func (r Result) Error() string {
	var m struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &m)
	return m.Error
}

// Do sends body (a JSON-encodable value with an "operation" key, or raw
// []byte) as caller and reads the whole answer.
func (h *Harness) Do(t testing.TB, caller sdk.Caller, body any) Result {
	t.Helper()
	raw, ok := body.([]byte)
	if !ok {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			t.Fatalf("marshal body: %v", err)
		}
	}
	reply, err := h.send(context.Background(), caller, raw)
	if err != nil {
		t.Fatalf("handle: %v", err)
	}
	defer reply.Body.Close()
	data, err := io.ReadAll(reply.Body)
	if err != nil {
		t.Fatalf("read reply: %v", err)
	}
	return Result{Status: reply.Status, ContentType: reply.ContentType, Body: data}
}

// Super sends body as SuperUser.
func (h *Harness) Super(t testing.TB, body any) Result {
	t.Helper()
	return h.Do(t, SuperUser, body)
}

func (h *Harness) send(ctx context.Context, caller sdk.Caller, raw []byte) (*sdk.Reply, error) {
	// The operation is read as the host reads it: the exact key, the last
	// duplicate.
	op := sdk.ReadFields(raw).String("operation", sdk.AllowEmpty)
	return h.Client.Handle(ctx, &sdk.Request{Operation: op, Body: raw, Caller: caller, ID: "test"})
}

// dispatchBack is the FakeHost's default Dispatch: the family under test
// answers its own dispatched operations, as the caller SuperUser unless a
// caller was registered for the token.
func (h *Harness) dispatchBack(ctx context.Context, caller sdk.Caller, body []byte) (*sdk.Reply, error) {
	caller, ok := h.Host.Caller(caller.Token)
	if !ok {
		caller = SuperUser
	}
	return h.send(ctx, caller, bytes.Clone(body))
}
