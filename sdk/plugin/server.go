package plugin

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"

	"github.com/hops-dev/hops/sdk"
	pb "github.com/hops-dev/hops/sdk/internal/proto"
)

// maxRequestBody bounds a request body a family accepts. The host enforces
// its own (configurable) limit first; this one only stops a runaway peer.
const maxRequestBody = 1 << 30

// familyServer serves a Family over gRPC (the family's process).
type familyServer struct {
	pb.UnimplementedFamilyServer
	fam    sdk.Family
	mux    *mux
	broker *goplugin.GRPCBroker
	log    hclog.Logger
	host   sdk.Host
}

func newFamilyServer(fam sdk.Family, broker *goplugin.GRPCBroker, log hclog.Logger) (*familyServer, error) {
	mux, err := newMux(fam.Operations())
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = hclog.NewNullLogger()
	}
	return &familyServer{fam: fam, mux: mux, broker: broker, log: log}, nil
}

func (s *familyServer) Describe(context.Context, *pb.DescribeRequest) (*pb.DescribeResponse, error) {
	info := s.fam.Info()
	resp := &pb.DescribeResponse{Name: info.Name, Version: info.Version, ApiVersion: APIVersion}
	for _, op := range s.mux.operations() {
		resp.Operations = append(resp.Operations, operationToProto(op))
	}
	return resp, nil
}

func (s *familyServer) Configure(ctx context.Context, req *pb.ConfigureRequest) (*pb.ConfigureResponse, error) {
	if s.broker != nil && req.GetBrokerId() != 0 {
		conn, err := s.broker.DialWithOptions(req.GetBrokerId(), GRPCDialOptions()...)
		if err != nil {
			return nil, fmt.Errorf("dial host service: %w", err)
		}
		s.host = &hostClient{c: pb.NewHostClient(conn)}
	}
	if lvl := hclog.LevelFromString(req.GetLogLevel()); lvl != hclog.NoLevel {
		s.log.SetLevel(lvl)
	}
	if c, ok := s.fam.(sdk.Configurer); ok {
		cfg := sdk.Config{Section: req.GetConfig(), RootPath: req.GetRootPath(), LogLevel: req.GetLogLevel(), Host: s.host, Logger: s.log}
		if err := c.Configure(ctx, cfg); err != nil {
			return nil, fmt.Errorf("configure %s: %w", s.fam.Info().Name, err)
		}
	}
	return &pb.ConfigureResponse{}, nil
}

func (s *familyServer) Shutdown(ctx context.Context, req *pb.ShutdownRequest) (*pb.ShutdownResponse, error) {
	if sd, ok := s.fam.(sdk.Shutdowner); ok {
		if ms := req.GetDeadlineUnixMs(); ms > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithDeadline(ctx, time.UnixMilli(ms))
			defer cancel()
		}
		if err := sd.Shutdown(ctx); err != nil {
			return nil, fmt.Errorf("shutdown %s: %w", s.fam.Info().Name, err)
		}
	}
	return &pb.ShutdownResponse{}, nil
}

func (s *familyServer) Handle(stream pb.Family_HandleServer) error {
	w := laneWriter(stream)
	for {
		h, body, eof, err := recvRequest(stream, maxRequestBody)
		if errors.Is(err, io.EOF) {
			return nil // the host closed an idle lane
		}
		if err != nil {
			return err
		}
		req := &sdk.Request{
			Operation: h.GetOperation(),
			Body:      body,
			Caller:    callerFromProto(h.GetCaller()),
			ID:        h.GetRequestId(),
			Host:      s.host,
		}
		op, ok := s.mux.lookup(req.Operation)
		if ok {
			err = serveRequest(stream.Context(), op.Handler, req, w, s.log)
		} else {
			err = writeError(w, sdk.BadRequest("Operation '%s' not found", req.Operation))
		}
		if err != nil {
			return err
		}
		if eof {
			return nil
		}
	}
}

// serveRequest runs one request through its handler and writes the
// answer with w: the one path from a handler's outcome to the wire, for
// a family's operations and the host's own (Local).
func serveRequest(ctx context.Context, h sdk.Handler, req *sdk.Request, w *chunkWriter, log hclog.Logger) error {
	resp, err := runHandler(ctx, h, req)
	if err != nil {
		return writeHandlerError(w, req, err, log)
	}
	w.start(status(resp), contentType(resp))
	if err := writeBody(resp, w); err != nil {
		if w.discard() {
			return writeHandlerError(w, req, err, log)
		}
		// Part of the body is already with the host: the transport error
		// tells it the answer is cut short. A caller that cancelled (a
		// job stopped by its family's shutdown, a client gone) is no fault.
		if ctx.Err() != nil {
			log.Debug("response stream ended: the caller cancelled it", "operation", req.Operation, "request_id", req.ID, "error", err)
		} else {
			log.Error("response stream failed after it started", "operation", req.Operation, "request_id", req.ID, "error", err)
		}
		return fmt.Errorf("write response of %s: %w", req.Operation, err)
	}
	return w.Close()
}

// runHandler calls h, turning a panic into an error so the process
// survives.
func runHandler(ctx context.Context, h sdk.Handler, req *sdk.Request) (resp *sdk.Response, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &panicError{value: p, stack: debug.Stack()}
		}
	}()
	return h(ctx, req)
}

type panicError struct {
	value any
	stack []byte
}

func (p *panicError) Error() string { return fmt.Sprintf("panic: %v", p.value) }

// writeHandlerError answers err: its own status when it carries one,
// otherwise a 500 with an error id that is also logged with the cause.
func writeHandlerError(w *chunkWriter, req *sdk.Request, err error, log hclog.Logger) error {
	if e, ok := toError(err); ok {
		return writeError(w, e)
	}
	id := errorID()
	args := []any{"operation", req.Operation, "request_id", req.ID, "error_id", id, "error", err}
	if p, ok := err.(*panicError); ok {
		args = append(args, "stack", string(p.stack))
		log.Error("handler panicked", args...)
	} else {
		log.Error("handler failed", args...)
	}
	return writeError(w, &sdk.Error{Status: http.StatusInternalServerError,
		Message: fmt.Sprintf("Internal error (error id %s); the server log has the details", id)})
}

func writeError(w *chunkWriter, e *sdk.Error) error {
	resp := &sdk.Response{Status: e.Status, Value: e.Body()}
	w.start(status(resp), contentType(resp))
	if err := writeBody(resp, w); err != nil {
		return err
	}
	return w.Close()
}

// errorID returns a short random id tying a 500 answer to its log line.
func errorID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
