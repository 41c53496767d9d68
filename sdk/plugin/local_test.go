package plugin_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/hops-dev/hops/sdk"
	"github.com/hops-dev/hops/sdk/plugin"
	"github.com/hops-dev/hops/sdk/sdktest"
)

// TestLocalAnswersAsAFamilyDoes runs the same handlers in-process through
// Local and in a family over gRPC: status, content type and body agree.
func TestLocalAnswersAsAFamilyDoes(t *testing.T) {
	h := sdktest.New(t, testFamily{}, sdktest.Options{})
	ops := map[string]sdk.Handler{}
	for _, op := range (testFamily{}).Operations() {
		ops[op.Name] = op.Handler
	}
	for _, name := range []string{"whoami", "forbidden", "wrapped_404", "stream_fails_early", "plain_error", "boom"} {
		body := []byte(`{"operation":"` + name + `"}`)
		remote := h.Super(t, body)
		reply, err := plugin.Local(context.Background(), ops[name], &sdk.Request{Operation: name, Body: body, Caller: sdktest.SuperUser}, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := io.ReadAll(reply.Body)
		reply.Body.Close()
		if err != nil {
			t.Fatalf("%s: read: %v", name, err)
		}
		if reply.Status != remote.Status || reply.ContentType != remote.ContentType {
			t.Errorf("%s: local %d %s, family %d %s", name, reply.Status, reply.ContentType, remote.Status, remote.ContentType)
		}
		if reply.Status == 500 {
			// The error id differs; the shape does not.
			if !strings.Contains(string(got), "error id") || strings.Contains(string(got), "kaboom") || strings.Contains(string(got), "disk on fire") {
				t.Errorf("%s: local 500 body %s", name, got)
			}
			continue
		}
		if string(got) != string(remote.Body) {
			t.Errorf("%s: local body %s, family body %s", name, got, remote.Body)
		}
	}
}

type teapot struct{}

func (teapot) Error() string   { return "short and stout" }
func (teapot) HTTPStatus() int { return 418 }

func TestLocalStatusErrorAndLargeStream(t *testing.T) {
	reply, err := plugin.Local(context.Background(), func(context.Context, *sdk.Request) (*sdk.Response, error) {
		return nil, errors.Join(errors.New("wrapped"), teapot{})
	}, &sdk.Request{Operation: "x"}, nil)
	if err != nil || reply.Status != 418 {
		t.Fatalf("status error: %v %+v", err, reply)
	}
	if e := reply.Err(); e == nil || e.Error() != "short and stout" {
		t.Errorf("status error body: %v", e)
	}

	const size = 3*plugin.ChunkSize + 7
	reply, err = plugin.Local(context.Background(), func(context.Context, *sdk.Request) (*sdk.Response, error) {
		return sdk.Streamed("text/csv", func(w io.Writer) error {
			_, err := io.Copy(w, io.LimitReader(zeros{}, size))
			return err
		}), nil
	}, &sdk.Request{Operation: "x"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, reply.Body)
	reply.Body.Close()
	if err != nil || n != size || reply.ContentType != "text/csv" {
		t.Fatalf("stream: %d bytes, %v, %s", n, err, reply.ContentType)
	}
}

// TestLocalEarlyCloseStopsTheHandler: a reader that stops reading must not
// leave a streaming handler blocked forever.
func TestLocalEarlyCloseStopsTheHandler(t *testing.T) {
	done := make(chan error, 1)
	reply, err := plugin.Local(context.Background(), func(context.Context, *sdk.Request) (*sdk.Response, error) {
		return sdk.Streamed("text/plain", func(w io.Writer) error {
			_, err := io.Copy(w, zeros{})
			done <- err
			return err
		}), nil
	}, &sdk.Request{Operation: "x"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(reply.Body, make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	reply.Body.Close()
	if err := <-done; err == nil {
		t.Fatal("the handler's writes must fail once the reader closed")
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }
