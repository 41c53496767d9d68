package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hops-dev/hops/host/registry"
	"github.com/hops-dev/hops/host/router"
	"github.com/hops-dev/hops/sdk"
)

// answerWait bounds how long a test waits for an answer it expects; the
// tests assert what arrives, never how fast.
const answerWait = 10 * time.Second

// serveLoopback serves s on a loopback port until the test ends and
// returns its address.
func serveLoopback(t *testing.T, s *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), answerWait)
		defer cancel()
		_ = s.Shutdown(ctx)
		<-done
	})
	return ln.Addr().String()
}

// rawConn is a client connection that writes raw bytes and reads answers.
type rawConn struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func dialRaw(t *testing.T, addr string) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{t: t, c: c, br: bufio.NewReader(c)}
}

func (r *rawConn) send(s string) {
	r.t.Helper()
	if _, err := io.WriteString(r.c, s); err != nil {
		r.t.Fatal(err)
	}
}

// answer reads one answer (within answerWait).
func (r *rawConn) answer() (*http.Response, string) {
	r.t.Helper()
	_ = r.c.SetReadDeadline(time.Now().Add(answerWait))
	resp, err := http.ReadResponse(r.br, nil)
	if err != nil {
		r.t.Fatalf("no answer: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// closed reports whether the server closed the connection (EOF before
// anything else arrives, within answerWait).
func (r *rawConn) closed() bool {
	_ = r.c.SetReadDeadline(time.Now().Add(answerWait))
	_, err := r.br.ReadByte()
	return err == io.EOF
}

func errorOf(t *testing.T, body string) string {
	t.Helper()
	var m struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("answer %q is not a JSON error: %v", body, err)
	}
	return m.Error
}

func post(auth string, contentLength int, body string) string {
	h := "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
	if auth != "" {
		h += "Authorization: " + auth + "\r\n"
	}
	return h + fmt.Sprintf("Content-Length: %d\r\n\r\n", contentLength) + body
}

// A body that stalls is cut off at operationsApi.network.timeout: 408
// and the connection closed.
func TestBodyTimeout(t *testing.T) {
	s, _ := newTestServer(t, 0)
	s.opts.BodyTimeout = 200 * time.Millisecond
	c := dialRaw(t, serveLoopback(t, s))
	c.send(post(basic("admin", "pw"), 100, `{"operation":`))
	resp, body := c.answer()
	if resp.StatusCode != http.StatusRequestTimeout || errorOf(t, body) != fmt.Sprintf(MsgBodyTimeout, s.opts.BodyTimeout) {
		t.Fatalf("stalled body: %d %s", resp.StatusCode, body)
	}
	if !c.closed() {
		t.Fatal("the connection stayed open after the 408")
	}
}

// Credentials are checked from the headers before the body is read: a
// caller without them cannot make the host wait for (or hold) more than a
// public operation's body.
func TestUnauthenticatedBodyNotRead(t *testing.T) {
	s, _ := newTestServer(t, 0)
	addr := serveLoopback(t, s)
	for _, auth := range []string{"", basic("admin", "wrong"), "Bearer junk"} {
		c := dialRaw(t, addr)
		c.send(post(auth, DefaultMaxBodyBytes, "{")) // declares 64 MiB, sends one byte
		resp, body := c.answer()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("auth %q: %d %s", auth, resp.StatusCode, body)
		}
		if !c.closed() {
			t.Fatalf("auth %q: the connection stayed open", auth)
		}
	}
	// A public operation still works without credentials.
	c := dialRaw(t, addr)
	op := `{"operation":"public_op"}`
	c.send(post("", len(op), op))
	if resp, body := c.answer(); resp.StatusCode != http.StatusOK {
		t.Fatalf("public operation: %d %s", resp.StatusCode, body)
	}
	// Authenticated, the whole limit applies.
	if r := do(t, s, basic("admin", "pw"), "application/json", `{"operation":"local_echo","pad":"`+strings.Repeat("x", maxUnauthenticatedBody)+`"}`); r.status != 200 {
		t.Fatalf("authenticated large body: %d %s", r.status, r.raw)
	}
	if r := do(t, s, "", "application/json", `{"operation":"public_op","pad":"`+strings.Repeat("x", maxUnauthenticatedBody)+`"}`); r.status != 401 {
		t.Fatalf("unauthenticated large body: %d %s", r.status, r.raw)
	}
}

// A request with both Transfer-Encoding and Content-Length is refused and
// its connection closed: what follows it is never read as a request.
func TestSmuggledRequestRefused(t *testing.T) {
	s, _ := newTestServer(t, 0)
	c := dialRaw(t, serveLoopback(t, s))
	c.send("POST / HTTP/1.1\r\nHost: x\r\nAuthorization: " + basic("admin", "pw") +
		"\r\nContent-Type: application/json\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" +
		"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body := c.answer()
	if resp.StatusCode != http.StatusBadRequest || errorOf(t, body) != MsgSmuggled {
		t.Fatalf("TE and CL: %d %s", resp.StatusCode, body)
	}
	if !c.closed() {
		t.Fatal("the smuggled request was read (or the connection stayed open)")
	}
	// Either alone is fine.
	c = dialRaw(t, serveLoopback(t, s))
	op := `{"operation":"local_echo"}`
	c.send(fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n", basic("admin", "pw"), len(op), op))
	if resp, body := c.answer(); resp.StatusCode != http.StatusOK {
		t.Fatalf("chunked alone: %d %s", resp.StatusCode, body)
	}
}

// Past MaxConnections a new connection waits (in the accept queue) until
// one closes.
func TestMaxConnections(t *testing.T) {
	s, _ := newTestServer(t, 0)
	s.opts.MaxConnections = 2
	addr := serveLoopback(t, s)
	a, b := dialRaw(t, addr), dialRaw(t, addr)
	for _, c := range []*rawConn{a, b} { // both accepted and served
		c.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
		if resp, _ := c.answer(); resp.StatusCode != 200 {
			t.Fatal(resp.Status)
		}
	}
	third := dialRaw(t, addr)
	third.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
	_ = third.c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if _, err := third.br.ReadByte(); err == nil {
		t.Fatal("a third connection was served past MaxConnections 2")
	}
	a.c.Close()
	if resp, _ := third.answer(); resp.StatusCode != 200 {
		t.Fatalf("the waiting connection after one closed: %s", resp.Status)
	}
}

// Shutdown is not held up by a client that stopped sending: its body read
// is cut off (503, retry) and a connection without a whole request is
// closed, so Shutdown returns well before its context ends.
func TestShutdownCutsStalledClients(t *testing.T) {
	s, _ := newTestServer(t, 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Serve(ln) }()
	addr := ln.Addr().String()
	body := dialRaw(t, addr)
	body.send(post(basic("admin", "pw"), 100, `{"operation":`))
	header := dialRaw(t, addr)
	header.send("POST / HTTP/1.1\r\nHost: x\r\n")
	time.Sleep(100 * time.Millisecond) // let the server start reading both

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown waited for a stalled client: %v", err)
	}
	resp, b := body.answer()
	if resp.StatusCode != http.StatusServiceUnavailable || errorOf(t, b) != MsgDraining {
		t.Fatalf("stalled body at shutdown: %d %s", resp.StatusCode, b)
	}
	if !header.closed() {
		t.Fatal("a connection with half a request stayed open after Shutdown")
	}
}

// A connection accepted before Shutdown whose request the server reads
// during the drain grace (a client that had just connected; under load
// the server reads a new connection's first bytes a moment after they
// were sent) is answered, with Connection: close, not closed under the
// request it was sending.
func TestShutdownAnswersANewConnectionDuringTheGrace(t *testing.T) {
	s, _ := newTestServer(t, 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Serve(ln) }()
	c := dialRaw(t, ln.Addr().String())
	time.Sleep(50 * time.Millisecond) // accepted, nothing sent yet
	done := make(chan error, 1)
	go func() { done <- s.Shutdown(context.Background()) }()
	time.Sleep(DrainGrace / 3)
	body := `{"operation":"local_echo"}`
	c.send(post(basic("admin", "pw"), len(body), body))
	resp, b := c.answer()
	if resp.StatusCode != http.StatusOK || !resp.Close {
		t.Fatalf("a request on a new connection during the drain: %s (close %v) %s", resp.Status, resp.Close, b)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// slowForwarder answers after d, or fails with its context's error when
// the request is cancelled first (net/http cancels it when the client's
// connection is found closed, or its background read fails).
type slowForwarder struct{ d time.Duration }

func (f slowForwarder) Handle(ctx context.Context, _ string, _ *sdk.Request) (*sdk.Reply, error) {
	select {
	case <-time.After(f.d):
		return &sdk.Reply{Status: 200, ContentType: sdk.ContentTypeJSON, Body: io.NopCloser(strings.NewReader(`{"slow":true}`))}, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("slow: %w", ctx.Err())
	}
}

// The body timeout bounds the body's arrival only: an answer that takes
// longer than operationsApi.network.timeout is not cut short by a
// deadline left on the connection, whether the body came with its
// headers (read from net/http's buffer) or after them (a read that
// waited on the socket), and the connection serves the next request.
func TestBodyTimeoutEndsWithTheBody(t *testing.T) {
	reg := registry.New(nil)
	reg.AddFamily("status", []sdk.Operation{{Name: "get_status", Access: sdk.AccessSuperUser}})
	s := New(Options{Router: router.New(router.Options{Registry: reg, Forwarder: slowForwarder{d: 400 * time.Millisecond}}),
		Auth: fakeAuth{}, BodyTimeout: 100 * time.Millisecond})
	c := dialRaw(t, serveLoopback(t, s))
	op := `{"operation":"get_status"}`
	for _, split := range []int{len(op), 5} {
		c.send(post(basic("admin", "pw"), len(op), op[:split]))
		if split < len(op) {
			time.Sleep(30 * time.Millisecond) // the server waits on the socket for the rest
			c.send(op[split:])
		}
		resp, body := c.answer()
		if resp.StatusCode != http.StatusOK || body != `{"slow":true}` {
			t.Fatalf("body sent in %d then %d bytes: %d %q", split, len(op)-split, resp.StatusCode, body)
		}
	}
}

// A body's deadline and Shutdown's registration are set by the first
// read that reaches the socket while the body is read, and only then;
// endBody takes the registration away and clears the deadline when the
// body was read whole, keeps it when it was refused; a read after
// endBody (net/http's background read) sets nothing.
func TestBodyDeadlineArmsOnlyOnTheSocket(t *testing.T) {
	var rs readers
	var draining atomic.Bool
	client, server := net.Pipe()
	defer client.Close()
	c := &smugglingConn{Conn: server}
	defer c.Close()
	send := func(after time.Duration) {
		go func() { time.Sleep(after); _, _ = client.Write([]byte("x")) }()
	}
	read := func() error { _, err := c.Read(make([]byte, 1)); return err }
	registered := func() bool { rs.mu.Lock(); defer rs.mu.Unlock(); _, ok := rs.set[deadliner(c)]; return ok }

	// Never read: nothing armed, nothing left behind.
	c.startBody(time.Now().Add(50*time.Millisecond), &rs, &draining)
	if registered() {
		t.Fatal("registered before any read")
	}
	c.endBody(&rs, true)
	send(150 * time.Millisecond)
	if err := read(); err != nil {
		t.Fatalf("a read after an unread body's end: %v", err)
	}

	// Read once: armed and registered; ended whole: deadline cleared.
	c.startBody(time.Now().Add(50*time.Millisecond), &rs, &draining)
	send(0)
	if err := read(); err != nil || !registered() {
		t.Fatalf("first read: %v, registered %v", err, registered())
	}
	c.endBody(&rs, true)
	if registered() {
		t.Fatal("still registered after endBody")
	}
	send(150 * time.Millisecond)
	if err := read(); err != nil {
		t.Fatalf("a read past the body's deadline after it ended whole: %v", err)
	}

	// Ended refused: the deadline stays.
	c.startBody(time.Now().Add(50*time.Millisecond), &rs, &draining)
	send(0)
	_ = read()
	c.endBody(&rs, false)
	if err := read(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("a read after a refused body: %v, want the deadline", err)
	}
	_ = c.SetReadDeadline(time.Time{})

	// Draining: the first read is cut at once.
	draining.Store(true)
	c.startBody(time.Time{}, &rs, &draining)
	if err := read(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("a body read while draining: %v, want the deadline", err)
	}
	c.endBody(&rs, false)
}
