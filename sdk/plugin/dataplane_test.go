package plugin

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	goplugin "github.com/hashicorp/go-plugin"

	"github.com/hops-dev/hops/sdk"
	pb "github.com/hops-dev/hops/sdk/internal/proto"
)

// dpFamily answers "echo" with its body, "long" with n bytes, and "wait"
// only when its context ends (it reports that on waited).
type dpFamily struct {
	waited chan struct{}
}

func (dpFamily) Info() sdk.Info { return sdk.Info{Name: "dp", Version: "0"} }

func (f dpFamily) Operations() []sdk.Operation {
	return []sdk.Operation{
		{Name: "echo", Access: sdk.AccessAuthenticated, Handler: func(_ context.Context, r *sdk.Request) (*sdk.Response, error) {
			return sdk.RawJSON(r.Body), nil
		}},
		{Name: "long", Access: sdk.AccessAuthenticated, Handler: func(_ context.Context, r *sdk.Request) (*sdk.Response, error) {
			n, _ := r.Fields().Int("n")
			return sdk.Streamed("text/plain", func(w io.Writer) error {
				_, err := w.Write(bytes.Repeat([]byte("x"), n))
				return err
			}), nil
		}},
		{Name: "wait", Access: sdk.AccessAuthenticated, Handler: func(ctx context.Context, _ *sdk.Request) (*sdk.Response, error) {
			<-ctx.Done()
			close(f.waited)
			return nil, ctx.Err()
		}},
	}
}

// startDP serves fam in-process and configures it, as the host does.
func startDP(t *testing.T, fam sdk.Family) *FamilyClient {
	t.Helper()
	client, _ := goplugin.TestPluginGRPCConn(t, false, PluginSet(fam, nil))
	t.Cleanup(func() { _ = client.Close() })
	fc, err := Dispense(client)
	if err != nil {
		t.Fatal(err)
	}
	if err := fc.Configure(context.Background(), sdk.Config{Section: []byte("{}"), RootPath: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	return fc
}

func call(t *testing.T, fc *FamilyClient, body string) (int, string) {
	t.Helper()
	req := &sdk.Request{Operation: strings.Split(strings.Split(body, `"operation":"`)[1], `"`)[0], Body: []byte(body)}
	r, err := fc.Handle(context.Background(), req)
	if err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	defer r.Body.Close()
	got, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatalf("%s: read: %v", body, err)
	}
	return r.Status, string(got)
}

func TestDataPlaneCarriesRequestsOnPooledConnections(t *testing.T) {
	fc := startDP(t, dpFamily{})
	if !fc.DataPlane() {
		t.Fatal("a family of this sdk must be called over its data plane")
	}
	d := fc.dp.Load()
	for i := range 5 {
		body := fmt.Sprintf(`{"operation":"echo","i":%d}`, i)
		if st, got := call(t, fc, body); st != 200 || got != body {
			t.Fatalf("echo %d: %d %q", i, st, got)
		}
	}
	if n := len(d.idle); n != 1 {
		t.Fatalf("requests one after another must reuse one connection: %d idle", n)
	}
	// Concurrent requests each take a connection; all of them come back.
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			body := fmt.Sprintf(`{"operation":"echo","i":%d}`, i)
			if st, got := call(t, fc, body); st != 200 || got != body {
				t.Errorf("echo %d: %d %q", i, st, got)
			}
		})
	}
	wg.Wait()
	if n := len(d.idle); n < 1 || n > 16 {
		t.Fatalf("%d idle connections after 16 concurrent requests", n)
	}
	// Answers larger than a chunk and requests larger than a chunk.
	n := 3*ChunkSize + 17
	if st, got := call(t, fc, fmt.Sprintf(`{"operation":"long","n":%d}`, n)); st != 200 || len(got) != n {
		t.Fatalf("long: %d, %d bytes", st, len(got))
	}
	big := `{"operation":"echo","pad":"` + strings.Repeat("p", 2*ChunkSize) + `"}`
	if st, got := call(t, fc, big); st != 200 || got != big {
		t.Fatalf("big echo: %d, %d bytes", st, len(got))
	}
	// An unknown operation answers as on Handle.
	if st, got := call(t, fc, `{"operation":"nope"}`); st != 400 || !strings.Contains(got, "Operation 'nope' not found") {
		t.Fatalf("unknown: %d %s", st, got)
	}
}

// TestDataPlaneRedialsABrokenIdleConnection: a connection the family
// closed while it was idle is replaced, and the request is answered.
func TestDataPlaneRedialsABrokenIdleConnection(t *testing.T) {
	fc := startDP(t, dpFamily{})
	d := fc.dp.Load()
	call(t, fc, `{"operation":"echo"}`)
	c := <-d.idle
	// Break the connection under the pool, as a family restart would:
	// writes on it fail.
	c.close()
	d.idle <- c
	if st, got := call(t, fc, `{"operation":"echo","x":1}`); st != 200 || got != `{"operation":"echo","x":1}` {
		t.Fatalf("after a broken idle connection: %d %q", st, got)
	}
}

// TestDataPlaneGoneFallsBackToHandle: once the data plane has ended,
// requests travel on Handle streams and are answered the same.
func TestDataPlaneGoneFallsBackToHandle(t *testing.T) {
	fc := startDP(t, dpFamily{})
	d := fc.dp.Load()
	path := d.path
	d.close()
	// The family's end closes the socket and removes its directory.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(filepath.Dir(path)); errors.Is(err, os.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the data plane's directory %s is still there after its call ended", filepath.Dir(path))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if fc.DataPlane() {
		t.Fatal("DataPlane reports an ended data plane")
	}
	if st, got := call(t, fc, `{"operation":"echo"}`); st != 200 || got != `{"operation":"echo"}` {
		t.Fatalf("over Handle: %d %q", st, got)
	}
}

// TestDataPlaneRefusesAWrongToken: a connection that does not present
// the token is closed unserved, and dialling reports the data plane gone.
func TestDataPlaneRefusesAWrongToken(t *testing.T) {
	fc := startDP(t, dpFamily{})
	d := fc.dp.Load()
	bad := &dataPlane{path: d.path, token: bytes.Repeat([]byte{'x'}, tokenSize), done: make(chan struct{})}
	if _, err := bad.dial(); !errors.Is(err, errDataPlaneGone) {
		t.Fatalf("a wrong token was accepted: %v", err)
	}
	info, err := os.Stat(filepath.Dir(d.path))
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o700 {
		t.Fatalf("the socket's directory is %v, want 0700", perm)
	}
}

// TestDataPlaneCancelReachesTheHandler: a request whose context ends on
// the host closes its connection, and the family's handler sees its
// context end.
func TestDataPlaneCancelReachesTheHandler(t *testing.T) {
	waited := make(chan struct{})
	fc := startDP(t, dpFamily{waited: waited})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := fc.Handle(ctx, &sdk.Request{Operation: "wait", Body: []byte(`{"operation":"wait"}`)})
		errc <- err
	}()
	// Let the request reach the handler and its watch start.
	time.Sleep(3 * watchAfter)
	cancel()
	select {
	case <-waited:
	case <-time.After(30 * time.Second):
		t.Fatal("the handler's context did not end when the host cancelled")
	}
	if err := <-errc; err == nil {
		t.Fatal("a cancelled request returned an answer")
	}
	// The family still serves.
	if st, _ := call(t, fc, `{"operation":"echo"}`); st != 200 {
		t.Fatalf("after a cancel: %d", st)
	}
}

// TestFrameReadsRefuseCutAndOversizedFrames: a connection that ends
// inside an answer, or a frame longer than the limit, is an error, never
// the end of an answer.
func TestFrameReadsRefuseCutAndOversizedFrames(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	host := newFrameConn(a)
	fam := newFrameConn(b)
	go func() {
		_ = fam.writeMsg(&pb.HandleResponse{Header: &pb.ResponseHeader{Status: 200}, Chunk: []byte("[1,")})
		b.Close()
	}()
	r, err := readReply(host, func(bool) {})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r.Body)
	if !errors.Is(err, io.ErrUnexpectedEOF) || string(got) != "[1," {
		t.Fatalf("a cut answer read as %q, %v", got, err)
	}

	a2, b2 := net.Pipe()
	defer a2.Close()
	go func() {
		var hdr [4]byte
		binary.BigEndian.PutUint32(hdr[:], maxMsgSize+1)
		_, _ = b2.Write(hdr[:])
		b2.Close()
	}()
	if _, err := newFrameConn(a2).Recv(); !errors.Is(err, errFrameTooLarge) {
		t.Fatalf("an oversized frame: %v", err)
	}

	// A request cut inside its body is not served.
	a3, b3 := net.Pipe()
	defer a3.Close()
	go func() {
		fc := newFrameConn(b3)
		_ = fc.writeMsg(&pb.HandleRequest{Header: &pb.RequestHeader{Operation: "echo"}, Chunk: []byte("{")})
		b3.Close()
	}()
	sc := newServedConn(a3)
	if _, _, _, err := recvRequest(sc, 0); err == nil || errors.Is(err, io.EOF) {
		t.Fatalf("a cut request: %v", err)
	}
}
