package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/hops-dev/hops/sdk"
	pb "github.com/hops-dev/hops/sdk/internal/proto"
)

// hostClient is the family's side of the Host service: the sdk.Host a
// family's requests and Config carry.
type hostClient struct {
	c pb.HostClient
}

func (h *hostClient) Dispatch(ctx context.Context, caller sdk.Caller, body []byte) (*sdk.Reply, error) {
	ctx, cancel := context.WithCancel(ctx)
	stream, err := h.c.Dispatch(ctx)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("open dispatch stream: %w", err)
	}
	if err := sendRequest(stream, &pb.RequestHeader{Caller: callerToProto(caller)}, body, nil); err != nil {
		cancel()
		return nil, err
	}
	if err := stream.CloseSend(); err != nil {
		cancel()
		return nil, fmt.Errorf("close dispatch stream: %w", err)
	}
	return readReply(stream, func(bool) { cancel() })
}

func (h *hostClient) JobStart(ctx context.Context, caller sdk.Caller, jobType string, body any) (string, error) {
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

func (h *hostClient) JobFinish(ctx context.Context, id string, r sdk.JobResult) error {
	b, err := marshalOptional(r.Result)
	if err != nil {
		return fmt.Errorf("encode job result: %w", err)
	}
	if _, err := h.c.JobFinish(ctx, &pb.JobFinishRequest{Id: id, Success: r.Success, Message: r.Message, Result: b}); err != nil {
		return fmt.Errorf("job finish: %w", err)
	}
	return nil
}

// marshalOptional encodes v as JSON; nil stays nil and bytes pass as they
// are (they must already be JSON).
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

// rawOptional is marshalOptional's inverse on the host's side: empty
// bytes are nil, others a json.RawMessage.
func rawOptional(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return json.RawMessage(b)
}

// copyBufs holds the buffers dispatched replies are copied through.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, ChunkSize); return &b }}

// hostServer is the host's side of the Host service: it serves a
// family's calls with the host's sdk.Host. Callers carry only their
// token; the host resolves it.
type hostServer struct {
	pb.UnimplementedHostServer
	impl sdk.Host
}

func (s *hostServer) Dispatch(stream pb.Host_DispatchServer) error {
	h, body, _, err := recvRequest(stream, maxRequestBody)
	if err != nil {
		return err
	}
	reply, err := s.impl.Dispatch(stream.Context(), tokenCaller(h.GetCaller()), body)
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
	id, err := s.impl.JobStart(ctx, sdk.Caller{Token: req.GetCallerToken()}, req.GetType(), rawOptional(req.GetBody()))
	if err != nil {
		return nil, err
	}
	return &pb.JobStartResponse{Id: id}, nil
}

func (s *hostServer) JobProgress(ctx context.Context, req *pb.JobProgressRequest) (*pb.JobProgressResponse, error) {
	if err := s.impl.JobProgress(ctx, req.GetId(), req.GetMessage(), rawOptional(req.GetProgress())); err != nil {
		return nil, err
	}
	return &pb.JobProgressResponse{}, nil
}

func (s *hostServer) JobFinish(ctx context.Context, req *pb.JobFinishRequest) (*pb.JobFinishResponse, error) {
	res := sdk.JobResult{Success: req.GetSuccess(), Message: req.GetMessage(), Result: rawOptional(req.GetResult())}
	if err := s.impl.JobFinish(ctx, req.GetId(), res); err != nil {
		return nil, err
	}
	return &pb.JobFinishResponse{}, nil
}

// JobJSON returns a job body, progress or result as JSON bytes: what an
// sdk.Host on the host's side stores. Values that crossed the wire are
// already json.RawMessage and pass as they are; nil stays nil.
func JobJSON(v any) ([]byte, error) { return marshalOptional(v) }
