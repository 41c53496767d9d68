package system

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os/exec"
	"sync"
	"testing"

	"github.com/hops-dev/hops/sdk"
	"github.com/hops-dev/hops/sdk/sdktest"
)

// newHarness serves a fresh family over in-process gRPC.
func newHarness(t *testing.T, opts sdktest.Options) (*Family, *sdktest.Harness) {
	t.Helper()
	f, err := New()
	if err != nil {
		t.Fatal(err)
	}
	h := sdktest.New(t, f, opts)
	t.Cleanup(func() { _ = f.Shutdown(context.Background()) })
	return f, h
}

// fakePeers answers the two operations the family dispatches, the way the
// host and the records family will, and records every call.
type fakePeers struct {
	mu     sync.Mutex
	calls  []string // operation names, in call order
	tokens []string // caller tokens, in call order

	// hostInfo is the host_information answer (JSON); "" answers 400
	// as an older host would.
	hostInfo string
	// tables answers table_sizes; nil answers "[]".
	tables func() (*sdk.Reply, error)
}

// dispatch is a FakeHost.DispatchFunc.
func (p *fakePeers) dispatch(_ context.Context, caller sdk.Caller, body []byte) (*sdk.Reply, error) {
	token := caller.Token
	var head struct {
		Operation string `json:"operation"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.calls = append(p.calls, head.Operation)
	p.tokens = append(p.tokens, token)
	p.mu.Unlock()
	switch head.Operation {
	case OpHostInformation:
		if p.hostInfo == "" {
			return errorReply(http.StatusBadRequest, "Operation 'host_information' not found"), nil
		}
		return rawReply(http.StatusOK, p.hostInfo), nil
	case OpTableSizes:
		if p.tables == nil {
			return rawReply(http.StatusOK, "[]"), nil
		}
		return p.tables()
	}
	return nil, errors.New("fake peers: unexpected operation " + head.Operation)
}

// called returns the operations dispatched so far, sorted by name so
// parallel calls compare deterministically.
func (p *fakePeers) called() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]int{}
	for _, c := range p.calls {
		out[c]++
	}
	return out
}

func rawReply(status int, body string) *sdk.Reply {
	return &sdk.Reply{Status: status, ContentType: sdk.ContentTypeJSON, Body: io.NopCloser(bytes.NewReader([]byte(body)))}
}

func errorReply(status int, msg string) *sdk.Reply {
	b, _ := json.Marshal(map[string]string{"error": msg})
	return rawReply(status, string(b))
}

// startSleep starts a child process that lives until the test ends.
func startSleep(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("sleep", "300")
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start sleep: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd.Process.Pid
}

// topKeys returns the top-level keys of a JSON object in document order.
func topKeys(t *testing.T, body []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", body)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("decode %s: %v", body, err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatalf("decode %s: %v", body, err)
		}
	}
	return keys
}
