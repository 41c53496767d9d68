package plugin

import (
	"context"
	"fmt"
	"time"

	"github.com/hops-dev/hops/sdk"
	pb "github.com/hops-dev/hops/sdk/internal/proto"
)

// FamilyClient is the host's handle on a running family: the typed client
// of the Family service. The host's supervisor gets one with [Dispense].
type FamilyClient struct {
	c        pb.FamilyClient
	brokerID uint32
	// exited is go-plugin's signal that the process is gone.
	exited <-chan struct{}
	// lanes holds idle Handle streams, each ready for its next request.
	lanes chan *lane
}

// maxIdleLanes bounds the idle Handle streams kept per family: enough for
// the concurrency a busy host sees, each costing one parked goroutine on
// either side. Requests beyond it open a stream and close it afterwards.
const maxIdleLanes = 128

// lane is one Handle stream that carries requests one after another.
type lane struct {
	stream pb.Family_HandleClient
	cancel context.CancelFunc
	reused bool
	// msg, hdr and caller carry each request sent on the lane: gRPC has
	// encoded a message by the time Send returns.
	msg    pb.HandleRequest
	hdr    pb.RequestHeader
	caller pb.Caller
}

// header fills the lane's request header with req's.
func (l *lane) header(req *sdk.Request) *pb.RequestHeader {
	c := &l.caller
	c.Username, c.Role, c.SuperUser = req.Caller.Username, req.Caller.Role, req.Caller.SuperUser
	c.Permissions, c.Token = req.Caller.Permissions, req.Caller.Token
	h := &l.hdr
	h.Operation, h.Caller, h.RequestId = req.Operation, c, req.ID
	return h
}

func (l *lane) close() {
	_ = l.stream.CloseSend()
	l.cancel()
}

func newFamilyClient(c pb.FamilyClient, exited <-chan struct{}) *FamilyClient {
	return &FamilyClient{c: c, exited: exited, lanes: make(chan *lane, maxIdleLanes)}
}

// Exited is closed when the family's process has exited: go-plugin's own
// signal (the context it cancels once it has waited for the process). A
// family served in-process, as in tests, never closes it.
func (f *FamilyClient) Exited() <-chan struct{} { return f.exited }

// getLane takes an idle lane or opens a new one.
func (f *FamilyClient) getLane() (*lane, error) {
	select {
	case l := <-f.lanes:
		l.reused = true
		return l, nil
	default:
	}
	return f.openLane()
}

func (f *FamilyClient) openLane() (*lane, error) {
	ctx, cancel := context.WithCancel(context.Background())
	st, err := f.c.Handle(ctx)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("open handle stream: %w", err)
	}
	return &lane{stream: st, cancel: cancel}, nil
}

// putLane returns a lane whose last answer was read to its end.
func (f *FamilyClient) putLane(l *lane) {
	select {
	case f.lanes <- l:
	default:
		l.close()
	}
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
	Operations []sdk.Operation
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

// Configure hands the family cfg's Section, RootPath and LogLevel, and the
// broker id of the Host service (cfg's Host and Logger are the family
// process's own and are not sent).
func (f *FamilyClient) Configure(ctx context.Context, cfg sdk.Config) error {
	_, err := f.c.Configure(ctx, &pb.ConfigureRequest{
		BrokerId: f.brokerID,
		Config:   cfg.Section,
		RootPath: cfg.RootPath,
		LogLevel: cfg.LogLevel,
	})
	if err != nil {
		return fmt.Errorf("configure: %w", err)
	}
	return nil
}

// Handle forwards req (its Operation, Body, Caller and ID; Host is the
// family process's own) and returns the streamed reply. The body reader
// pulls chunks as it is read; close it when done. A returned error means
// the transport failed (the family's process died, say); an operation's
// own failure is a Reply with an error status.
//
// Requests travel on pooled streams (lanes): a lane whose answer was read
// to the end goes back to the pool; one abandoned mid-answer, or whose
// request context ended, is closed.
func (f *FamilyClient) Handle(ctx context.Context, req *sdk.Request) (*sdk.Reply, error) {
	l, err := f.getLane()
	if err != nil {
		return nil, err
	}
	if err := sendRequest(l.stream, l.header(req), req.Body, &l.msg); err != nil {
		l.cancel()
		if !l.reused {
			return nil, err
		}
		// An idle lane may have broken while it waited; the request never
		// reached the family, so it is safe to send it on a fresh one.
		if l, err = f.openLane(); err != nil {
			return nil, err
		}
		if err := sendRequest(l.stream, l.header(req), req.Body, &l.msg); err != nil {
			l.cancel()
			return nil, err
		}
	}
	stop := context.AfterFunc(ctx, l.cancel)
	return readReply(l.stream, func(complete bool) {
		if stop() && complete {
			f.putLane(l)
			return
		}
		l.cancel()
	})
}

// Shutdown asks the family to stop its work before the deadline.
func (f *FamilyClient) Shutdown(ctx context.Context, deadline time.Time) error {
	_, err := f.c.Shutdown(ctx, &pb.ShutdownRequest{DeadlineUnixMs: deadline.UnixMilli()})
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
