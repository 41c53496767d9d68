package plugin

import (
	"context"
	"strings"
	"testing"

	"github.com/hops-dev/hops/sdk"
)

func TestMuxRefusesDuplicates(t *testing.T) {
	h := func(context.Context, *sdk.Request) (*sdk.Response, error) { return nil, nil }
	_, err := newMux([]sdk.Operation{
		{Name: "a", Access: sdk.AccessSuperUser, Handler: h},
		{Name: "a", Access: sdk.AccessSuperUser, Handler: h},
	})
	if err == nil || !strings.Contains(err.Error(), "registered twice") {
		t.Fatalf("duplicate: %v", err)
	}
	if _, err := newMux([]sdk.Operation{{Name: "b", Access: sdk.AccessSuperUser}}); err == nil {
		t.Fatal("an operation without a handler must be refused")
	}
	if _, err := newMux([]sdk.Operation{{Name: "c", Handler: h}}); err == nil {
		t.Fatal("an operation without an access level must be refused")
	}
}
