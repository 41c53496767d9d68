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

func TestEntriesSayWhatTheyAre(t *testing.T) {
	r := New(nil)
	h := func(context.Context, *sdk.Request) (*sdk.Response, error) { return sdk.OK(1), nil }
	if err := r.AddLocal([]Local{{Op: sdk.Operation{Name: "user_info", Handler: h}}}); err != nil {
		t.Fatal(err)
	}
	r.AddFamily("status", []sdk.Operation{{Name: "get_status", Handler: h}})
	local, _ := r.Lookup("user_info")
	if local.Kind != KindLocal || local.Local == nil || local.Family != HostFamily || local.Op.Handler != nil {
		t.Fatalf("local entry = %+v", local)
	}
	fam, _ := r.Lookup("get_status")
	if fam.Kind != KindFamily || fam.Local != nil || fam.Family != "status" || fam.Op.Handler != nil {
		t.Fatalf("family entry = %+v", fam)
	}
	// A second host operation of the same name is refused, not replaced.
	if err := r.AddLocal([]Local{{Op: sdk.Operation{Name: "user_info", Handler: h}}}); err == nil {
		t.Fatal("a duplicate host operation must be refused")
	}
	// A family called "host" cannot take over a host operation.
	if refused := r.AddFamily(HostFamily, []sdk.Operation{{Name: "user_info"}}); len(refused) != 1 {
		t.Fatalf("refused = %v", refused)
	}
}
