package plugin_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/hops-dev/hops/sdk"
	"github.com/hops-dev/hops/sdk/sdktest"
)

// testFamily exercises the contract: echo, big answers, panics, errors.
type testFamily struct{}

func (testFamily) Info() sdk.Info { return sdk.Info{Name: "test", Version: "0"} }

func (testFamily) Operations() []sdk.Operation {
	return []sdk.Operation{
		{Name: "echo_size", Access: sdk.AccessAuthenticated, Handler: echoSize},
		{Name: "big", Access: sdk.AccessAuthenticated, Handler: big},
		{Name: "boom", Access: sdk.AccessAuthenticated, Handler: func(context.Context, *sdk.Request) (*sdk.Response, error) {
			panic("kaboom")
		}},
		{Name: "plain_error", Access: sdk.AccessAuthenticated, Handler: func(context.Context, *sdk.Request) (*sdk.Response, error) {
			return nil, errors.New("disk on fire")
		}},
		{Name: "forbidden", Access: sdk.AccessPermissions, Handler: func(context.Context, *sdk.Request) (*sdk.Response, error) {
			return nil, sdk.Forbidden([]any{"x"}, nil)
		}},
		{Name: "wrapped_404", Access: sdk.AccessPermissions, Handler: func(context.Context, *sdk.Request) (*sdk.Response, error) {
			return nil, errors.Join(errors.New("ctx"), sdk.NotFound("no such thing"))
		}},
		{Name: "stream_fails_early", Access: sdk.AccessAuthenticated, Handler: func(context.Context, *sdk.Request) (*sdk.Response, error) {
			return sdk.Streamed("application/json", func(w io.Writer) error {
				_, _ = w.Write([]byte("[1,"))
				return sdk.BadRequest("bad row")
			}), nil
		}},
		{Name: "whoami", Access: sdk.AccessAuthenticated, Handler: func(_ context.Context, r *sdk.Request) (*sdk.Response, error) {
			return sdk.OK(map[string]any{"user": r.Caller.Username, "super": r.Caller.SuperUser}), nil
		}},
		{Name: "relay", Access: sdk.AccessAuthenticated, Handler: relay},
	}
}

// echoSize answers the size and hash of the body it received.
func echoSize(_ context.Context, r *sdk.Request) (*sdk.Response, error) {
	sum := sha256.Sum256(r.Body)
	return sdk.OK(map[string]any{"size": len(r.Body), "sha256": hex.EncodeToString(sum[:])}), nil
}

// big streams n bytes of a pattern inside a JSON string.
func big(_ context.Context, r *sdk.Request) (*sdk.Response, error) {
	fields := r.Fields()
	n, _ := fields.Int("n")
	if err := fields.Err(); err != nil {
		return nil, err
	}
	return sdk.Streamed("application/json", func(w io.Writer) error {
		if _, err := io.WriteString(w, `"`); err != nil {
			return err
		}
		line := bytes.Repeat([]byte("abcdefghij"), 100)
		for left := n; left > 0; {
			n := min(left, len(line))
			if _, err := w.Write(line[:n]); err != nil {
				return err
			}
			left -= n
		}
		_, err := io.WriteString(w, `"`)
		return err
	}), nil
}

// relay dispatches the body's "inner" operation through the host.
func relay(ctx context.Context, r *sdk.Request) (*sdk.Response, error) {
	fields := r.Fields()
	raw, _ := fields.Raw("inner", sdk.Required)
	if err := fields.Err(); err != nil {
		return nil, err
	}
	reply, err := r.Host.Dispatch(ctx, r.Caller, raw)
	if err != nil {
		return nil, err
	}
	if err := reply.Err(); err != nil {
		return nil, err
	}
	defer reply.Body.Close()
	data, err := io.ReadAll(reply.Body)
	if err != nil {
		return nil, err
	}
	return sdk.RawJSON(data), nil
}

func TestTwentyMiBRoundTrip(t *testing.T) {
	h := sdktest.New(t, testFamily{}, sdktest.Options{})
	const size = 20 << 20
	payload := strings.Repeat("z", size)
	body, _ := json.Marshal(map[string]any{"operation": "echo_size", "pad": payload})
	r := h.Super(t, body)
	var got struct {
		Size   int    `json:"size"`
		SHA256 string `json:"sha256"`
	}
	r.JSON(t, &got)
	sum := sha256.Sum256(body)
	if r.Status != 200 || got.Size != len(body) || got.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("request of %d bytes arrived as %+v (status %d)", len(body), got, r.Status)
	}

	r = h.Super(t, map[string]any{"operation": "big", "n": size})
	var s string
	r.JSON(t, &s)
	if r.Status != 200 || len(s) != size || s[:10] != "abcdefghij" {
		t.Fatalf("response: status %d, %d bytes", r.Status, len(s))
	}
}

func TestPanicAnswers500AndProcessSurvives(t *testing.T) {
	h := sdktest.New(t, testFamily{}, sdktest.Options{})
	r := h.Super(t, map[string]any{"operation": "boom"})
	if r.Status != 500 || !strings.Contains(r.Error(), "error id") {
		t.Fatalf("panic answered %d %s", r.Status, r.Body)
	}
	if strings.Contains(string(r.Body), "kaboom") {
		t.Errorf("the panic value must stay in the log, not the answer: %s", r.Body)
	}
	r = h.Super(t, map[string]any{"operation": "whoami"})
	if r.Status != 200 {
		t.Fatalf("after a panic the family must still serve: %d %s", r.Status, r.Body)
	}
}

func TestErrorsTravelInBand(t *testing.T) {
	h := sdktest.New(t, testFamily{}, sdktest.Options{})
	r := h.Super(t, map[string]any{"operation": "plain_error"})
	if r.Status != 500 || strings.Contains(string(r.Body), "disk on fire") {
		t.Errorf("plain error: %d %s", r.Status, r.Body)
	}
	r = h.Super(t, map[string]any{"operation": "forbidden"})
	var f map[string]any
	r.JSON(t, &f)
	if r.Status != 403 || f["error"] != sdk.UnauthorizedMessage || f["invalid_schema_items"] == nil {
		t.Errorf("forbidden: %d %s", r.Status, r.Body)
	}
	r = h.Super(t, map[string]any{"operation": "wrapped_404"})
	if r.Status != 404 || r.Error() != "no such thing" {
		t.Errorf("wrapped: %d %s", r.Status, r.Body)
	}
	r = h.Super(t, map[string]any{"operation": "stream_fails_early"})
	if r.Status != 400 || r.Error() != "bad row" {
		t.Errorf("a stream failing before its first chunk must answer its error: %d %s", r.Status, r.Body)
	}
	r = h.Super(t, map[string]any{"operation": "nope"})
	if r.Status != 400 || r.Error() != "Operation 'nope' not found" {
		t.Errorf("unknown: %d %s", r.Status, r.Body)
	}
}

func TestCallerCrossesTheBoundary(t *testing.T) {
	h := sdktest.New(t, testFamily{}, sdktest.Options{})
	r := h.Do(t, sdk.Caller{Username: "plain", Role: "reader"}, map[string]any{"operation": "whoami"})
	var got map[string]any
	r.JSON(t, &got)
	if got["user"] != "plain" || got["super"] != false {
		t.Fatalf("caller = %v", got)
	}
}

func TestDispatchThroughTheHost(t *testing.T) {
	h := sdktest.New(t, testFamily{}, sdktest.Options{})
	plain := sdk.Caller{Username: "plain", Token: "tok-plain"}
	h.Host.SetCaller("tok-plain", plain)
	r := h.Do(t, plain, map[string]any{"operation": "relay", "inner": map[string]any{"operation": "whoami"}})
	var got map[string]any
	r.JSON(t, &got)
	if r.Status != 200 || got["user"] != "plain" {
		t.Fatalf("relay = %d %s", r.Status, r.Body)
	}
	r = h.Do(t, plain, map[string]any{"operation": "relay", "inner": map[string]any{"operation": "wrapped_404"}})
	if r.Status != 404 || r.Error() != "no such thing" {
		t.Fatalf("a dispatched error must come back with its status: %d %s", r.Status, r.Body)
	}
}

// TestHostSeesOnlyTheCallerToken: what a family claims about its caller
// besides the token never reaches the host; the host resolves the token.
func TestHostSeesOnlyTheCallerToken(t *testing.T) {
	h := sdktest.New(t, testFamily{}, sdktest.Options{})
	var got sdk.Caller
	h.Host.DispatchFunc = func(_ context.Context, caller sdk.Caller, _ []byte) (*sdk.Reply, error) {
		got = caller
		return &sdk.Reply{Status: 200, ContentType: sdk.ContentTypeJSON, Body: io.NopCloser(strings.NewReader(`{}`))}, nil
	}
	claimed := sdk.Caller{Username: "mallory", Role: "super_user", SuperUser: true,
		Permissions: json.RawMessage(`{"super_user":true}`), Token: "tok-mallory"}
	r := h.Do(t, claimed, map[string]any{"operation": "relay", "inner": map[string]any{"operation": "whoami"}})
	if r.Status != 200 {
		t.Fatalf("relay: %d %s", r.Status, r.Body)
	}
	if want := (sdk.Caller{Token: "tok-mallory"}); got.Token != want.Token || got.Username != "" || got.Role != "" || got.SuperUser || got.Permissions != nil {
		t.Fatalf("the host was handed %+v, want only the token", got)
	}
}
