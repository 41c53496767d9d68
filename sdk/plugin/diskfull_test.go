package plugin

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"

	"github.com/hops-dev/hops/sdk"
)

// A handler whose write found the disk full answers 507 with a clear
// message, not a 500 with an error id.
func TestDiskFullIs507(t *testing.T) {
	h := func(context.Context, *sdk.Request) (*sdk.Response, error) {
		return nil, fmt.Errorf("store: commit: %w", syscall.ENOSPC)
	}
	reply, err := Local(context.Background(), h, &sdk.Request{Operation: "insert"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer reply.Body.Close()
	body, _ := io.ReadAll(reply.Body)
	if reply.Status != http.StatusInsufficientStorage || !strings.Contains(string(body), sdk.MsgInsufficientStorage) {
		t.Fatalf("answer %d %s", reply.Status, body)
	}
}
