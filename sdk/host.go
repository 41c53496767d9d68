package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	pb "github.com/hops-dev/hops/sdk/proto"
)

// HostClient is how a family calls back into the host. Every family,
// builtin or third-party, reaches the host only through it.
type HostClient interface {
	// Dispatch runs another operation as caller and streams back its
	// answer. body is the whole JSON request, including "operation". The
	// host applies the same access checks as for an HTTP request.
	Dispatch(ctx context.Context, caller Caller, body []byte) (*Reply, error)
	// JobStart creates a job record of type jobType for caller, owned by
	// this family, and returns its id. body is stored in the job record:
	// remove secrets from it first.
	JobStart(ctx context.Context, caller Caller, jobType string, body any) (string, error)
	// JobProgress records progress (any JSON-encodable value) and a
	// message on a running job.
	JobProgress(ctx context.Context, id string, message string, progress any) error
	// JobFinish ends a job.
	JobFinish(ctx context.Context, id string, result JobResult) error
}

// JobResult is how a job ends.
type JobResult struct {
	// Success ends the job COMPLETE; otherwise ERROR.
	Success bool
	// Message is the job's message (the error text when it failed).
	Message string
	// Result is an optional JSON-encodable result object.
	Result any
}

// ErrNoHost is returned by a family's host calls when the host did not
// offer the Host service (a family run without a host, in some tests).
var ErrNoHost = errors.New("sdk: no host client")

// HostService is what the host implements to serve families' calls. The
// SDK adapts it to the gRPC Host service; the host never touches the
// generated types.
type HostService interface {
	// Dispatch runs body as the caller named by callerToken.
	Dispatch(ctx context.Context, callerToken string, requestID string, body []byte) (*Reply, error)
	// JobStart creates a job and returns its id.
	JobStart(ctx context.Context, callerToken, jobType string, body []byte) (string, error)
	// JobProgress records progress on a job.
	JobProgress(ctx context.Context, id string, message string, progress []byte) error
	// JobFinish ends a job.
	JobFinish(ctx context.Context, id string, success bool, message string, result []byte) error
}

// hostClient is the family side of the Host service.
type hostClient struct {
	c pb.HostClient
}

func (h *hostClient) Dispatch(ctx context.Context, caller Caller, body []byte) (*Reply, error) {
	ctx, cancel := context.WithCancel(ctx)
	stream, err := h.c.Dispatch(ctx)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("open dispatch stream: %w", err)
	}
	if err := sendRequest(stream, &pb.RequestHeader{Caller: callerToProto(caller)}, body); err != nil {
		cancel()
		return nil, err
	}
	if err := stream.CloseSend(); err != nil {
		cancel()
		return nil, fmt.Errorf("close dispatch stream: %w", err)
	}
	return readReply(stream, func(bool) { cancel() })
}

func (h *hostClient) JobStart(ctx context.Context, caller Caller, jobType string, body any) (string, error) {
	b, err := marshalOptional(body)
	if err != nil {
		return "", fmt.Errorf("encode job body: %w", err)
	}
	resp, err := h.c.JobStart(ctx, &pb.JobStartRequest{Type: jobType, CallerToken: caller.Token, Body: b})
	if err != nil {
		return "", fmt.Errorf("job start: %w", err)
	}
	return resp.GetId(), nil
}

func (h *hostClient) JobProgress(ctx context.Context, id, message string, progress any) error {
	b, err := marshalOptional(progress)
	if err != nil {
		return fmt.Errorf("encode job progress: %w", err)
	}
	if _, err := h.c.JobProgress(ctx, &pb.JobProgressRequest{Id: id, Progress: b, Message: message}); err != nil {
		return fmt.Errorf("job progress: %w", err)
	}
	return nil
}

func (h *hostClient) JobFinish(ctx context.Context, id string, r JobResult) error {
	b, err := marshalOptional(r.Result)
	if err != nil {
		return fmt.Errorf("encode job result: %w", err)
	}
	if _, err := h.c.JobFinish(ctx, &pb.JobFinishRequest{Id: id, Success: r.Success, Message: r.Message, Result: b}); err != nil {
		return fmt.Errorf("job finish: %w", err)
	}
	return nil
}

func marshalOptional(v any) ([]byte, error) {
	switch b := v.(type) {
	case nil:
		return nil, nil
	case []byte:
		return b, nil
	case json.RawMessage:
		return b, nil
	}
	return json.Marshal(v)
}

// copyBufs holds the buffers dispatched replies are copied through.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, ChunkSize); return &b }}

// hostServer adapts a HostService to the gRPC Host service.
type hostServer struct {
	pb.UnimplementedHostServer
	impl HostService
}

func (s *hostServer) Dispatch(stream pb.Host_DispatchServer) error {
	h, body, _, err := recvRequest(stream, maxRequestBody)
	if err != nil {
		return err
	}
	reply, err := s.impl.Dispatch(stream.Context(), h.GetCaller().GetToken(), h.GetRequestId(), body)
	if err != nil {
		return err
	}
	defer reply.Body.Close()
	w := newChunkWriter(stream, reply.Status, reply.ContentType)
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	buf := *bp
	for {
		n, rerr := reply.Body.Read(buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				return err
			}
		}
		if rerr != nil {
			if errors.Is(rerr, io.EOF) {
				return w.Close()
			}
			return rerr
		}
	}
}

func (s *hostServer) JobStart(ctx context.Context, req *pb.JobStartRequest) (*pb.JobStartResponse, error) {
	id, err := s.impl.JobStart(ctx, req.GetCallerToken(), req.GetType(), req.GetBody())
	if err != nil {
		return nil, err
	}
	return &pb.JobStartResponse{Id: id}, nil
}

func (s *hostServer) JobProgress(ctx context.Context, req *pb.JobProgressRequest) (*pb.JobProgressResponse, error) {
	if err := s.impl.JobProgress(ctx, req.GetId(), req.GetMessage(), req.GetProgress()); err != nil {
		return nil, err
	}
	return &pb.JobProgressResponse{}, nil
}

func (s *hostServer) JobFinish(ctx context.Context, req *pb.JobFinishRequest) (*pb.JobFinishResponse, error) {
	if err := s.impl.JobFinish(ctx, req.GetId(), req.GetSuccess(), req.GetMessage(), req.GetResult()); err != nil {
		return nil, err
	}
	return &pb.JobFinishResponse{}, nil
}
