package sdk

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	pb "github.com/hops-dev/hops/sdk/proto"
)

// FamilyClient is the host's handle on a running family: the typed client
// of the Family service. The host's supervisor gets one by dispensing
// [PluginName] from a go-plugin client.
type FamilyClient struct {
	c        pb.FamilyClient
	brokerID uint32
}

// Description is what a family says about itself in Describe.
type Description struct {
	// Name is the family's name.
	Name string
	// Version is the family's version.
	Version string
	// APIVersion is the contract version the family speaks.
	APIVersion int
	// Operations lists the operations; their Handler is nil on this side.
	Operations []Operation
}

// Describe asks the family for its name and operations.
func (f *FamilyClient) Describe(ctx context.Context) (*Description, error) {
	resp, err := f.c.Describe(ctx, &pb.DescribeRequest{})
	if err != nil {
		return nil, fmt.Errorf("describe: %w", err)
	}
	d := &Description{Name: resp.GetName(), Version: resp.GetVersion(), APIVersion: int(resp.GetApiVersion())}
	for _, op := range resp.GetOperations() {
		d.Operations = append(d.Operations, operationFromProto(op))
	}
	return d, nil
}

// ConfigureArgs is what the host sends in Configure.
type ConfigureArgs struct {
	// Section is the family's config section as JSON.
	Section json.RawMessage
	// RootPath is the instance root.
	RootPath string
	// LogLevel is the host's logging level.
	LogLevel string
}

// Configure hands the family its configuration and the broker id of the
// Host service.
func (f *FamilyClient) Configure(ctx context.Context, args ConfigureArgs) error {
	_, err := f.c.Configure(ctx, &pb.ConfigureRequest{
		BrokerId: f.brokerID,
		Config:   args.Section,
		RootPath: args.RootPath,
		LogLevel: args.LogLevel,
	})
	if err != nil {
		return fmt.Errorf("configure: %w", err)
	}
	return nil
}

// HandleArgs is one request forwarded to a family.
type HandleArgs struct {
	// Operation is the operation name.
	Operation string
	// Body is the whole JSON request body.
	Body []byte
	// Caller is the authenticated caller.
	Caller Caller
	// RequestID identifies the request in logs.
	RequestID string
}

// Handle forwards a request and returns the streamed reply. The body reader
// pulls chunks as it is read; close it when done. A returned error means
// the transport failed (the family's process died, say); an operation's
// own failure is a Reply with an error status.
func (f *FamilyClient) Handle(ctx context.Context, args HandleArgs) (*Reply, error) {
	ctx, cancel := context.WithCancel(ctx)
	stream, err := f.c.Handle(ctx)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("open handle stream: %w", err)
	}
	h := &pb.RequestHeader{Operation: args.Operation, Caller: callerToProto(args.Caller), RequestId: args.RequestID}
	if err := sendRequest(stream, h, args.Body); err != nil {
		cancel()
		return nil, err
	}
	if err := stream.CloseSend(); err != nil {
		cancel()
		return nil, fmt.Errorf("close request stream: %w", err)
	}
	return readReply(stream, cancel)
}

// Shutdown asks the family to stop its work before the deadline.
func (f *FamilyClient) Shutdown(ctx context.Context, deadline time.Time) error {
	_, err := f.c.Shutdown(ctx, &pb.ShutdownRequest{DeadlineUnixMs: deadline.UnixMilli()})
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
