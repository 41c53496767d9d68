package server

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/hops-dev/hops/host/metrics"
	"github.com/hops-dev/hops/host/registry"
	"github.com/hops-dev/hops/host/router"
	"github.com/hops-dev/hops/sdk"
)

// docServer is a server as hops runs it (metrics recorded, the access
// log on with the logger at warn, as the load benchmarks run hops, and
// bodyTimeout) whose one host operation, get_doc, answers doc, a stored
// JSON document of 1.3 kB (as get_configuration does).
func docServer(b *testing.B, bodyTimeout time.Duration) (doc []byte, s *Server) {
	b.Helper()
	doc = []byte(`{"pad":"` + strings.Repeat("c", 1300) + `"}` + "\n")
	reg := registry.New(nil)
	err := reg.AddLocal([]registry.Local{{Op: sdk.Operation{Name: "get_doc", Access: sdk.AccessSuperUser,
		Handler: func(context.Context, *sdk.Request) (*sdk.Response, error) { return router.JSON(doc), nil }}}})
	if err != nil {
		b.Fatal(err)
	}
	log := hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: hclog.DefaultOutput})
	return doc, New(Options{Router: router.New(router.Options{Registry: reg, Forwarder: &fakeForwarder{}}), Auth: fakeAuth{},
		Logger: log, Metrics: metrics.New(metrics.Sources{}), AccessLog: true, BodyTimeout: bodyTimeout})
}

// BenchmarkLocalOperation is one request for a host operation answering
// a stored JSON document (as get_configuration does), through the whole
// HTTP handler: auth, body, router, Local, the copy to the client. The
// server runs as the host runs it: metrics recorded, the access log on
// with the logger at warn (as the load benchmarks run hops).
func BenchmarkLocalOperation(b *testing.B) {
	doc, s := docServer(b, 0)
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

// BenchmarkServeLoopback is BenchmarkLocalOperation's request over a real
// loopback connection served by Serve, as hops serves it (the listener's
// wrappers, net/http's read of the request, its deadlines and background
// read, the one write of the answer, BodyTimeout set as the default
// configuration sets it): what httptest leaves out. One keep-alive
// connection per parallel client; the figure includes the client's side.
func BenchmarkServeLoopback(b *testing.B) {
	doc, s := docServer(b, 2*time.Minute)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = s.Serve(ln) }()
	b.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	body := `{"operation":"get_doc"}`
	req := []byte("POST / HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nAuthorization: " + basic("admin", "pw") +
		"\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
	b.ReportAllocs()
	b.SetParallelism(16) // 32 connections on two cores: the CPU, not a round trip, sets ns/op
	cpu0 := processCPU()
	b.ResetTimer()
	defer func() { b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op") }()
	b.RunParallel(func(pb *testing.PB) {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Error(err)
			return
		}
		defer c.Close()
		br := bufio.NewReader(c)
		for pb.Next() {
			if _, err := c.Write(req); err != nil {
				b.Error(err)
				return
			}
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				b.Error(err)
				return
			}
			n, _ := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || n != int64(len(doc)) {
				b.Errorf("%d, %d bytes", resp.StatusCode, n)
				return
			}
		}
	})
}

// processCPU is the CPU time (user and system) the process has used: on a
// shared machine it moves less than the wall time per operation.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
