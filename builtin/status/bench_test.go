package status

import (
	"context"
	"io"
	"testing"

	"github.com/hops-dev/hops/sdk"
)

// BenchmarkGetStatusByID is the status family's own work for a
// get_status by id: the handler and the writing of its answer, without
// the wire.
func BenchmarkGetStatusByID(b *testing.B) {
	f, err := New()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	set := &sdk.Request{Operation: "set_status", Body: []byte(`{"operation":"set_status","id":"primary","status":"up"}`)}
	if _, err := f.setStatus(ctx, set); err != nil {
		b.Fatal(err)
	}
	req := &sdk.Request{Operation: "get_status", Body: []byte(`{"operation":"get_status","id":"primary"}`)}
	b.ReportAllocs()
	for b.Loop() {
		resp, err := f.getStatus(ctx, req)
		if err != nil || resp.Stream == nil {
			b.Fatal(err)
		}
		if err := resp.Stream(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
