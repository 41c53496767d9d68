package router

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"

	"github.com/hops-dev/hops/sdk"
	"github.com/hops-dev/hops/sdk/plugin"
)

// JSON answers 200 with body, which must already be JSON text, byte for
// byte as it is. It is sdk.RawJSON for the host's own operations: the
// router answers it in the request's goroutine without copying the bytes
// (see local); read any other way (its Stream) it writes the same bytes.
func JSON(body []byte) *sdk.Response {
	return &sdk.Response{Status: http.StatusOK, ContentType: sdk.ContentTypeJSON, Value: rawJSON(body),
		Stream: func(w io.Writer) error {
			_, err := w.Write(body)
			return err
		}}
}

// rawJSON is the Value of a JSON answer: the router's mark that the
// response's bytes are at hand. Its Stream is what the SDK writes.
type rawJSON []byte

// local runs a host operation (a registry.KindLocal entry) in the
// caller's goroutine. An answer that is whole in memory once the handler
// returns (a Value, or JSON's bytes) is answered from those bytes, with
// no goroutine and no stream between the handler and the reader. Any
// other outcome (an error, a panic, a Stream, a Value that does not
// encode) is handed to plugin.Local as it is, so its status, its error
// body and its log line are the ones plugin.Local gives every local
// answer; the handler is not called twice.
func (r *Router) local(ctx context.Context, h sdk.Handler, req *sdk.Request) (*sdk.Reply, error) {
	resp, p, err := callLocal(ctx, h, req)
	if p == nil && err == nil {
		if rep, ok := wholeReply(resp); ok {
			return rep, nil
		}
	}
	return plugin.Local(ctx, func(context.Context, *sdk.Request) (*sdk.Response, error) {
		if p != nil {
			panic(p)
		}
		return resp, err
	}, req, r.log)
}

// recovered is a handler's panic, carried to plugin.Local (which logs it
// with an error id and answers 500): it prints as the panic's value
// followed by the stack where it happened.
type recovered struct {
	value any
	stack []byte
}

func (p *recovered) String() string { return fmt.Sprintf("%v\n%s", p.value, p.stack) }

// callLocal calls h, returning a panic instead of letting it through.
func callLocal(ctx context.Context, h sdk.Handler, req *sdk.Request) (resp *sdk.Response, p *recovered, err error) {
	defer func() {
		if v := recover(); v != nil {
			p = &recovered{value: v, stack: debug.Stack()}
		}
	}()
	resp, err = h(ctx, req)
	return resp, nil, err
}

// wholeReply is resp's answer when its body is at hand: JSON's bytes, or
// Value encoded as the SDK encodes it (HTML characters unescaped, a
// newline after). ok is false for a Stream, and for a Value that does not
// encode (plugin.Local answers that failure).
func wholeReply(resp *sdk.Response) (*sdk.Reply, bool) {
	status, ct := http.StatusOK, sdk.ContentTypeJSON
	var body []byte
	if resp != nil {
		if resp.Status != 0 {
			status = resp.Status
		}
		if resp.ContentType != "" {
			ct = resp.ContentType
		}
		if raw, ok := resp.Value.(rawJSON); ok {
			body = raw
		} else if resp.Stream != nil {
			return nil, false
		}
	}
	if body == nil {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		var v any
		if resp != nil {
			v = resp.Value
		}
		if enc.Encode(v) != nil {
			return nil, false
		}
		body = buf.Bytes()
	}
	lr := &localReply{body: wholeBody{b: body}}
	lr.reply = sdk.Reply{Status: status, ContentType: ct, Body: &lr.body}
	return &lr.reply, true
}

// localReply is a whole answer and its body in one allocation.
type localReply struct {
	reply sdk.Reply
	body  wholeBody
}

// wholeBody reads bytes already at hand; WriteTo writes them in one call.
type wholeBody struct {
	b []byte
}

func (w *wholeBody) Read(p []byte) (int, error) {
	if len(w.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, w.b)
	w.b = w.b[n:]
	return n, nil
}

func (w *wholeBody) WriteTo(dst io.Writer) (int64, error) {
	if len(w.b) == 0 {
		return 0, nil
	}
	n, err := dst.Write(w.b)
	w.b = w.b[n:]
	if err == nil && len(w.b) > 0 {
		err = io.ErrShortWrite
	}
	return int64(n), err
}

func (w *wholeBody) Close() error { return nil }
