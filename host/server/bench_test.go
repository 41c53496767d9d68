package server

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hops-dev/hops/host/registry"
	"github.com/hops-dev/hops/host/router"
	"github.com/hops-dev/hops/sdk"
)

// BenchmarkLocalOperation is one request for a host operation answering
// a stored JSON document (as get_configuration does), through the whole
// HTTP handler: auth, body, router, Local, the copy to the client.
func BenchmarkLocalOperation(b *testing.B) {
	doc := []byte(`{"pad":"` + strings.Repeat("c", 1300) + `"}` + "\n")
	reg := registry.New(nil)
	err := reg.AddLocal([]registry.Local{{Op: sdk.Operation{Name: "get_doc", Access: sdk.AccessSuperUser,
		Handler: func(context.Context, *sdk.Request) (*sdk.Response, error) { return sdk.RawJSON(doc), nil }}}})
	if err != nil {
		b.Fatal(err)
	}
	s := New(Options{Router: router.New(router.Options{Registry: reg, Forwarder: &fakeForwarder{}}), Auth: fakeAuth{}})
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
			_, _ = io.Discard.Write(nil)
		}
	})
}
