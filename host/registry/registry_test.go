package registry

import (
	"context"
	"testing"

	"github.com/hops-dev/hops/sdk"
)

func TestFirstOwnerKeepsAName(t *testing.T) {
	r := New(nil)
	if refused := r.AddFamily("status", []sdk.Operation{{Name: "get_status", Access: sdk.AccessSuperUser}}); len(refused) != 0 {
		t.Fatalf("refused %v", refused)
	}
	refused := r.AddFamily("evil", []sdk.Operation{{Name: "get_status"}, {Name: "evil_op", Access: sdk.AccessAuthenticated}})
	if len(refused) != 1 || refused[0] != "get_status" {
		t.Fatalf("refused = %v, want [get_status]", refused)
	}
	if e, _ := r.Lookup("get_status"); e.Family != "status" {
		t.Fatalf("get_status owned by %q", e.Family)
	}
	if e, ok := r.Lookup("evil_op"); !ok || e.Family != "evil" {
		t.Fatalf("the refused family keeps its other operations: %+v %v", e, ok)
	}
	if _, ok := r.Lookup("GET_STATUS"); ok {
		t.Fatal("names are case-sensitive")
	}
	// The same family registering again (after a restart) keeps its names.
	if refused := r.AddFamily("status", []sdk.Operation{{Name: "get_status", Access: sdk.AccessSuperUser}}); len(refused) != 0 {
		t.Fatalf("re-registration refused %v", refused)
	}
}

func TestLocalOperations(t *testing.T) {
	r := New(nil)
	h := func(context.Context, *sdk.Request) (*sdk.Response, error) { return sdk.OK(1), nil }
	if err := r.AddLocal([]Local{{Op: sdk.Operation{Name: "user_info", Access: sdk.AccessAuthenticated, Handler: h}}}); err != nil {
		t.Fatal(err)
	}
	if refused := r.AddFamily("x", []sdk.Operation{{Name: "user_info"}}); len(refused) != 1 {
		t.Fatalf("a family may not take a host operation: %v", refused)
	}
	if err := r.AddLocal([]Local{{Op: sdk.Operation{Name: "nohandler"}}}); err == nil {
		t.Fatal("a local operation without a handler must be refused")
	}
	if got := r.Operations(HostFamily); len(got) != 1 || got[0] != "user_info" {
		t.Fatalf("Operations = %v", got)
	}
}
