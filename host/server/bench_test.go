package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/hops-dev/hops/host/metrics"
	"github.com/hops-dev/hops/host/registry"
	"github.com/hops-dev/hops/host/router"
	"github.com/hops-dev/hops/sdk"
)

// BenchmarkLocalOperation is one request for a host operation answering
// a stored JSON document (as get_configuration does), through the whole
// HTTP handler: auth, body, router, Local, the copy to the client. The
// server runs as the host runs it: metrics recorded, the access log on
// with the logger at warn (as the load benchmarks run hops).
func BenchmarkLocalOperation(b *testing.B) {
	doc := []byte(`{"pad":"` + strings.Repeat("c", 1300) + `"}` + "\n")
	reg := registry.New(nil)
	err := reg.AddLocal([]registry.Local{{Op: sdk.Operation{Name: "get_doc", Access: sdk.AccessSuperUser,
		Handler: func(context.Context, *sdk.Request) (*sdk.Response, error) { return router.JSON(doc), nil }}}})
	if err != nil {
		b.Fatal(err)
	}
	log := hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: hclog.DefaultOutput})
	s := New(Options{Router: router.New(router.Options{Registry: reg, Forwarder: &fakeForwarder{}}), Auth: fakeAuth{},
		Logger: log, Metrics: metrics.New(metrics.Sources{}), AccessLog: true})
	h := s.Handler()
	auth := basic("admin", "pw")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"operation":"get_doc"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", auth)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 200 || rec.Body.Len() != len(doc) {
				b.Fatalf("%d %q", rec.Code, rec.Body.String())
			}
		}
	})
}
