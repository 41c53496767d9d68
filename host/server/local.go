package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"

	"github.com/hashicorp/go-hclog"

	"github.com/hops-dev/hops/sdk"
)

// runLocal runs a host-local handler and turns its answer into a Reply, so
// local and family operations leave the server the same way.
func runLocal(ctx context.Context, h sdk.Handler, args sdk.HandleArgs, log hclog.Logger) (reply *sdk.Reply, err error) {
	defer func() {
		if p := recover(); p != nil {
			log.Error("local handler panicked", "operation", args.Operation, "panic", p, "stack", string(debug.Stack()))
			reply, err = nil, fmt.Errorf("operation %s panicked", args.Operation)
		}
	}()
	resp, err := h(ctx, &sdk.Request{Operation: args.Operation, Body: args.Body, Caller: args.Caller, ID: args.RequestID})
	if err != nil {
		var se sdk.StatusError
		if e, ok := sdk.AsError(err); ok {
			return nil, e
		} else if asStatus(err, &se) {
			return nil, &sdk.Error{Status: se.HTTPStatus(), Message: se.Error()}
		}
		return nil, err
	}
	if resp == nil {
		resp = sdk.OK(nil)
	}
	status := resp.Status
	if status == 0 {
		status = http.StatusOK
	}
	ct := resp.ContentType
	if ct == "" {
		ct = sdk.ContentTypeJSON
	}
	if resp.Stream != nil {
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(resp.Stream(pw)) }()
		return &sdk.Reply{Status: status, ContentType: ct, Body: pr}, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(resp.Value); err != nil {
		return nil, fmt.Errorf("encode %s answer: %w", args.Operation, err)
	}
	return &sdk.Reply{Status: status, ContentType: ct, Body: io.NopCloser(&buf)}, nil
}
