package router

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/hops-dev/hops/host/registry"
	"github.com/hops-dev/hops/sdk"
)

// fakeForwarder records what it is asked and answers with it.
type fakeForwarder struct {
	family string
	req    *sdk.Request
	calls  int
}

func (f *fakeForwarder) Handle(_ context.Context, family string, req *sdk.Request) (*sdk.Reply, error) {
	f.family, f.req = family, req
	f.calls++
	body, _ := json.Marshal(map[string]string{"family": family, "operation": req.Operation})
	return &sdk.Reply{Status: http.StatusOK, ContentType: sdk.ContentTypeJSON, Body: io.NopCloser(bytes.NewReader(body))}, nil
}

var (
	superUser = sdk.Caller{Username: "admin", SuperUser: true}
	plainUser = sdk.Caller{Username: "plain"}
)

func newRouter(t *testing.T) (*Router, *fakeForwarder, *int) {
	t.Helper()
	reg := registry.New(nil)
	localCalls := new(int)
	err := reg.AddLocal([]registry.Local{
		{Op: sdk.Operation{Name: "whoami", Access: sdk.AccessAuthenticated, Handler: func(_ context.Context, r *sdk.Request) (*sdk.Response, error) {
			*localCalls++
			return sdk.OK(map[string]string{"user": r.Caller.Username, "id": r.ID}), nil
		}}},
		{Op: sdk.Operation{Name: "boom", Access: sdk.AccessAuthenticated, Handler: func(context.Context, *sdk.Request) (*sdk.Response, error) {
			panic("boom")
		}}},
		{Op: sdk.Operation{Name: "teapot", Access: sdk.AccessAuthenticated, Handler: func(context.Context, *sdk.Request) (*sdk.Response, error) {
			return nil, sdk.Errorf(http.StatusTeapot, "short and stout")
		}}},
		{Public: true, Op: sdk.Operation{Name: "public_super", Access: sdk.AccessSuperUser, Handler: func(context.Context, *sdk.Request) (*sdk.Response, error) {
			return sdk.Message("public"), nil
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	reg.AddFamily("status", []sdk.Operation{
		{Name: "get_status", Access: sdk.AccessSuperUser, RestrictedName: "getStatus"},
		{Name: "open_op", Access: sdk.AccessAuthenticated},
		{Name: "inside_op", Access: sdk.AccessInternal},
	})
	fwd := &fakeForwarder{}
	return New(Options{Registry: reg, Forwarder: fwd}), fwd, localCalls
}

func readAll(t *testing.T, rep *sdk.Reply) map[string]string {
	t.Helper()
	defer rep.Body.Close()
	var m map[string]string
	if err := json.NewDecoder(rep.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func wantError(t *testing.T, err error, status int, text string) {
	t.Helper()
	e, ok := sdk.AsError(err)
	if !ok {
		t.Fatalf("error = %v, want *sdk.Error %d", err, status)
	}
	b, _ := json.Marshal(e.Body())
	if e.Status != status || !strings.Contains(string(b), text) {
		t.Fatalf("error = %d %s, want %d containing %q", e.Status, b, status, text)
	}
}

func TestUnknownOperationIs400(t *testing.T) {
	r, fwd, _ := newRouter(t)
	_, err := r.Do(context.Background(), superUser, []byte(`{"operation":"nope"}`))
	wantError(t, err, http.StatusBadRequest, "Operation 'nope' not found")
	_, err = r.Do(context.Background(), superUser, []byte(`{"operation":"GET_STATUS"}`))
	wantError(t, err, http.StatusBadRequest, "Operation 'GET_STATUS' not found")
	_, err = r.Do(context.Background(), superUser, []byte(`{"Operation":"get_status"}`))
	wantError(t, err, http.StatusBadRequest, MsgNoOperation)
	_, err = r.Do(context.Background(), superUser, []byte(`{"operation":`))
	wantError(t, err, http.StatusBadRequest, "Invalid JSON")
	if fwd.calls != 0 {
		t.Fatalf("forwarded %d bad requests", fwd.calls)
	}
}

func TestSuperUserOperationIs403ForOthers(t *testing.T) {
	r, fwd, _ := newRouter(t)
	_, err := r.Do(context.Background(), plainUser, []byte(`{"operation":"get_status"}`))
	wantError(t, err, http.StatusForbidden, "Operation 'getStatus' is restricted to 'super_user' roles")
	if fwd.calls != 0 {
		t.Fatal("a refused request reached the family")
	}
	rep, err := r.Do(context.Background(), superUser, []byte(`{"operation":"get_status"}`))
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, rep)
	// An authenticated operation is open to any caller.
	rep, err = r.Do(context.Background(), plainUser, []byte(`{"operation":"open_op"}`))
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, rep)
	// A Public entry does its own checks.
	rep, err = r.Do(context.Background(), sdk.Caller{}, []byte(`{"operation":"public_super"}`))
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, rep)
}

// An internal operation is unknown to every caller but the host's
// internal one, a super user included, and is not in the OpenAPI document.
func TestInternalOperationUnknownToClients(t *testing.T) {
	r, fwd, _ := newRouter(t)
	for _, c := range []sdk.Caller{superUser, plainUser, {}} {
		_, err := r.Do(context.Background(), c, []byte(`{"operation":"inside_op"}`))
		wantError(t, err, http.StatusBadRequest, "Operation 'inside_op' not found")
	}
	if fwd.calls != 0 {
		t.Fatal("a refused request reached the family")
	}
	rep, err := r.Do(context.Background(), sdk.Caller{Username: "hops-internal", SuperUser: true, Internal: true}, []byte(`{"operation":"inside_op"}`))
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, rep)
	doc, err := r.OpenAPI(OpenAPIInfo{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(doc), "inside_op") {
		t.Error("the OpenAPI document lists an internal operation")
	}
}

func TestLocalAndFamilyRouting(t *testing.T) {
	r, fwd, localCalls := newRouter(t)
	ctx := WithRequestID(context.Background(), "req-1")
	body := []byte(`{"operation":"open_op","x":1}`)
	rep, err := r.Do(ctx, plainUser, body)
	if err != nil {
		t.Fatal(err)
	}
	if m := readAll(t, rep); m["family"] != "status" || m["operation"] != "open_op" {
		t.Fatalf("family answer = %v", m)
	}
	if fwd.req.ID != "req-1" || fwd.req.Caller.Username != "plain" || !bytes.Equal(fwd.req.Body, body) {
		t.Fatalf("forwarded %+v", fwd.req)
	}
	if *localCalls != 0 {
		t.Fatal("a family operation ran a local handler")
	}

	rep, err = r.Route(context.Background(), &sdk.Request{Operation: "whoami", Body: []byte(`{"operation":"whoami"}`), Caller: plainUser})
	if err != nil {
		t.Fatal(err)
	}
	m := readAll(t, rep)
	if m["user"] != "plain" || m["id"] == "" {
		t.Fatalf("local answer = %v (a request without an id gets one)", m)
	}
	if rep.Status != http.StatusOK || rep.ContentType != sdk.ContentTypeJSON {
		t.Fatalf("local reply %d %q", rep.Status, rep.ContentType)
	}
	if *localCalls != 1 || fwd.calls != 1 {
		t.Fatalf("local %d, family %d calls", *localCalls, fwd.calls)
	}
}

func TestLocalFailuresAnswerInBand(t *testing.T) {
	r, _, _ := newRouter(t)
	for op, want := range map[string]int{"teapot": http.StatusTeapot, "boom": http.StatusInternalServerError} {
		rep, err := r.Do(context.Background(), plainUser, []byte(`{"operation":"`+op+`"}`))
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		if rep.Status != want {
			t.Errorf("%s: status %d, want %d", op, rep.Status, want)
		}
		if err := rep.Err(); err == nil {
			t.Errorf("%s: no error body", op)
		}
	}
}

func TestDuplicateNamesRefused(t *testing.T) {
	r, _, _ := newRouter(t)
	h := func(context.Context, *sdk.Request) (*sdk.Response, error) { return sdk.OK(1), nil }
	if err := r.Registry().AddLocal([]registry.Local{{Op: sdk.Operation{Name: "whoami", Handler: h}}}); err == nil {
		t.Fatal("a second host operation named whoami was accepted")
	}
	if refused := r.Registry().AddFamily("evil", []sdk.Operation{{Name: "whoami"}, {Name: "get_status"}, {Name: "evil_op"}}); len(refused) != 2 {
		t.Fatalf("refused = %v, want whoami and get_status", refused)
	}
	// The names keep their first owners.
	if e, _ := r.Lookup("whoami"); e.Kind != registry.KindLocal {
		t.Fatalf("whoami = %+v", e)
	}
	if e, _ := r.Lookup("get_status"); e.Kind != registry.KindFamily || e.Family != "status" {
		t.Fatalf("get_status = %+v", e)
	}
}

// TestUnregisteredNameWaitsForFamilies: a name nobody has registered waits
// for the families' first starts (WaitStarted) and is then routed to the
// family that registered it meanwhile; a name still unknown after them is
// the 400, and WaitStarted's error (its bound) is the answer instead.
func TestUnregisteredNameWaitsForFamilies(t *testing.T) {
	reg := registry.New(nil)
	fwd := &fakeForwarder{}
	waits := 0
	var waitErr error
	r := New(Options{Registry: reg, Forwarder: fwd, WaitStarted: func(_ context.Context, found func() bool) error {
		waits++
		if waitErr == nil {
			if found() {
				t.Fatal("found before the family registered")
			}
			// The family registers its names as it starts.
			reg.AddFamily("records", []sdk.Operation{{Name: "describe_all", Access: sdk.AccessAuthenticated}})
			found()
		}
		return waitErr
	}})
	rep, err := r.Do(context.Background(), superUser, []byte(`{"operation":"describe_all"}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, rep); got["family"] != "records" || waits != 1 {
		t.Fatalf("routed to %v after %d waits", got, waits)
	}
	// Registered now: no wait.
	if _, err := r.Do(context.Background(), superUser, []byte(`{"operation":"describe_all"}`)); err != nil || waits != 1 {
		t.Fatalf("a registered name waited (%d) or failed: %v", waits, err)
	}
	_, err = r.Do(context.Background(), superUser, []byte(`{"operation":"nope"}`))
	wantError(t, err, http.StatusBadRequest, "Operation 'nope' not found")
	waitErr = sdk.Errorf(http.StatusServiceUnavailable, "Operation families are still starting")
	_, err = r.Do(context.Background(), superUser, []byte(`{"operation":"nope"}`))
	wantError(t, err, http.StatusServiceUnavailable, "still starting")
}
