package plugin_test

import (
	"testing"

	"github.com/hops-dev/hops/sdk/sdktest"
)

// BenchmarkRoundTrip measures one small operation across the real gRPC
// boundary (in-process), the per-request cost the host pays per family call.
func BenchmarkRoundTrip(b *testing.B) {
	h := sdktest.New(b, testFamily{}, sdktest.Options{})
	body := []byte(`{"operation":"whoami"}`)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := h.Super(b, body)
			if r.Status != 200 {
				b.Fatal(r.Status)
			}
		}
	})
}
