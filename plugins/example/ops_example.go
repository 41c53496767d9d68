package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/hops-dev/hops/sdk"
)

// maxNameLength bounds the name greeted, so answers stay small.
const maxNameLength = 100

func (f *family) greet(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	fields := req.Fields()
	name := fields.String("name", sdk.Required, sdk.MaxLength(maxNameLength))
	if err := fields.Err(); err != nil {
		return nil, err
	}
	return sdk.OK(map[string]string{
		"message":    fmt.Sprintf("%s, %s!", f.greeting, name),
		"greeted_by": req.Caller.Username,
	}), nil
}

// statusReportSource says where the report's data came from.
const statusReportSource = "get_status via Dispatch"

func (f *family) statusReport(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	if req.Host == nil {
		return nil, sdk.ErrNoHost
	}
	reply, err := req.Host.Dispatch(ctx, req.Caller, []byte(`{"operation":"get_status"}`))
	if err != nil {
		return nil, fmt.Errorf("dispatch get_status: %w", err)
	}
	if err := reply.Err(); err != nil {
		return nil, err // keeps the dispatched status (403, 503, ...)
	}
	defer reply.Body.Close()
	var records []struct {
		ID string `json:"id"`
	}
	if err := json.NewDecoder(reply.Body).Decode(&records); err != nil {
		return nil, fmt.Errorf("decode get_status answer: %w", err)
	}
	ids := make([]string, 0, len(records))
	for _, r := range records {
		ids = append(ids, r.ID)
	}
	sort.Strings(ids)
	return sdk.OK(map[string]any{"statuses": len(ids), "ids": ids, "source": statusReportSource}), nil
}
