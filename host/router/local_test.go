package router

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/hops-dev/hops/sdk"
	"github.com/hops-dev/hops/sdk/plugin"
)

// answer is a reply read whole.
type answer struct {
	status int
	ct     string
	body   string
}

func readAnswer(t *testing.T, rep *sdk.Reply, err error) answer {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	defer rep.Body.Close()
	b, err := io.ReadAll(rep.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{rep.Status, rep.ContentType, string(b)}
}

// errorID is the random part of a 500's message.
var errorID = regexp.MustCompile(`error id [0-9a-f]+`)

// TestLocalAnswersAreLocals: whatever a host handler returns, the router's
// answer (in the request's goroutine when it can) is plugin.Local's, byte
// for byte (a 500's random error id aside), and the handler runs once.
func TestLocalAnswersAreLocals(t *testing.T) {
	cases := map[string]func() (*sdk.Response, error){
		"value":        func() (*sdk.Response, error) { return sdk.OK(map[string]any{"a": "<b>&", "n": 1.5}), nil },
		"nil response": func() (*sdk.Response, error) { return nil, nil },
		"nil value":    func() (*sdk.Response, error) { return &sdk.Response{}, nil },
		"status and ct": func() (*sdk.Response, error) {
			return &sdk.Response{Status: 201, ContentType: "text/csv", Value: "x"}, nil
		},
		"json": func() (*sdk.Response, error) { return JSON([]byte(`{"a" : [1,2]}` + "\n")), nil },
		"raw":  func() (*sdk.Response, error) { return sdk.RawJSON([]byte(`{"a":1}`)), nil },
		"stream": func() (*sdk.Response, error) {
			return sdk.Streamed("text/plain", func(w io.Writer) error {
				_, err := w.Write(bytes.Repeat([]byte("s"), plugin.ChunkSize+10))
				return err
			}), nil
		},
		"stream fails": func() (*sdk.Response, error) {
			return sdk.Streamed("text/plain", func(io.Writer) error { return sdk.BadRequest("no") }), nil
		},
		"status error":    func() (*sdk.Response, error) { return nil, sdk.Errorf(http.StatusTeapot, "short and stout") },
		"plain error":     func() (*sdk.Response, error) { return nil, errors.New("disk on fire") },
		"does not encode": func() (*sdk.Response, error) { return sdk.OK(math.Inf(1)), nil },
		"panic":           func() (*sdk.Response, error) { panic("boom") },
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			calls := 0
			handler := func(context.Context, *sdk.Request) (*sdk.Response, error) { calls++; return h() }
			req := &sdk.Request{Operation: "op", ID: "r1"}
			r := New(Options{})
			rep, err := r.local(context.Background(), handler, req)
			got := readAnswer(t, rep, err)
			if calls != 1 {
				t.Fatalf("handler called %d times", calls)
			}
			rep, err = plugin.Local(context.Background(), handler, req, nil)
			want := readAnswer(t, rep, err)
			got.body, want.body = errorID.ReplaceAllString(got.body, "error id X"), errorID.ReplaceAllString(want.body, "error id X")
			if got != want {
				t.Fatalf("router %+v\nLocal  %+v", got, want)
			}
		})
	}
}

// TestLocalPanicLogsWhereItHappened: a panicking host handler is a 500
// whose log line carries the stack of the panic, not only of where the
// router passed it on.
func TestLocalPanicLogsWhereItHappened(t *testing.T) {
	var logs strings.Builder
	r := New(Options{Logger: hclog.New(&hclog.LoggerOptions{Output: &logs})})
	rep, err := r.local(context.Background(), panickingHandler, &sdk.Request{Operation: "op"})
	a := readAnswer(t, rep, err)
	if a.status != http.StatusInternalServerError || !strings.Contains(a.body, "Internal error (error id ") {
		t.Fatalf("answer %+v", a)
	}
	if !strings.Contains(logs.String(), "handler panicked") || !strings.Contains(logs.String(), "panickingHandler") ||
		!strings.Contains(logs.String(), "panic: kaboom") {
		t.Fatalf("log %s", logs.String())
	}
}

func panickingHandler(context.Context, *sdk.Request) (*sdk.Response, error) { panic("kaboom") }

// BenchmarkLocal is one host operation answering a stored document, from
// the handler's call to the last byte read: through the router (JSON, in
// the caller's goroutine) and through plugin.Local (sdk.RawJSON, the path
// every host operation took before).
func BenchmarkLocal(b *testing.B) {
	doc := []byte(`{"pad":"` + strings.Repeat("c", 1300) + `"}` + "\n")
	r := New(Options{})
	req := &sdk.Request{Operation: "get_doc", ID: "r1"}
	run := func(b *testing.B, local func() (*sdk.Reply, error)) {
		b.ReportAllocs()
		for b.Loop() {
			rep, err := local()
			if err != nil {
				b.Fatal(err)
			}
			if n, _ := io.Copy(io.Discard, rep.Body); n != int64(len(doc)) {
				b.Fatal(n)
			}
			rep.Body.Close()
		}
	}
	b.Run("router", func(b *testing.B) {
		h := func(context.Context, *sdk.Request) (*sdk.Response, error) { return JSON(doc), nil }
		run(b, func() (*sdk.Reply, error) { return r.local(context.Background(), h, req) })
	})
	b.Run("plugin.Local", func(b *testing.B) {
		h := func(context.Context, *sdk.Request) (*sdk.Response, error) { return sdk.RawJSON(doc), nil }
		run(b, func() (*sdk.Reply, error) { return plugin.Local(context.Background(), h, req, nil) })
	})
}
