package plugin

import "google.golang.org/grpc"

// gRPC transport settings for every connection between the host and a
// family, in both directions (the Family service, and the Host service on
// the broker). Bodies cross these connections in ChunkSize messages, up to
// a whole export's worth; gRPC's defaults (a 64 KiB stream window grown by
// its bandwidth estimator, 32 KiB socket buffers) make a sender stop for
// window updates and switch threads every few chunks on a local socket.
// A static window of several chunks and socket buffers of one chunk keep
// a streaming answer flowing with few wake-ups; memory per connection
// stays bounded (the window is a cap on unread data, not an allocation).
const (
	// streamWindow is the flow-control window of one stream: 16 chunks.
	streamWindow = 16 * ChunkSize
	// connWindow is the window of a connection, shared by its streams.
	connWindow = 2 * streamWindow
	// socketBuffer is the size of gRPC's read and write buffers.
	socketBuffer = ChunkSize
)

// grpcServerOptions are the server options of a connection to the other
// side: message size limits, the transport settings above and the codec
// (wireCodec, codec.go), for the Family service (Serve) and the Host
// service (on the host's broker).
func grpcServerOptions() []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.MaxRecvMsgSize(maxMsgSize), grpc.MaxSendMsgSize(maxMsgSize),
		grpc.InitialWindowSize(streamWindow), grpc.InitialConnWindowSize(connWindow),
		grpc.ReadBufferSize(socketBuffer), grpc.WriteBufferSize(socketBuffer),
		grpc.ForceServerCodecV2(wireCodec{}),
	}
}

// GRPCDialOptions are the client options matching grpcServerOptions, the
// codec included: the host dials families with them, a family dials the
// Host service.
func GRPCDialOptions() []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMsgSize), grpc.MaxCallSendMsgSize(maxMsgSize),
			grpc.ForceCodecV2(wireCodec{})),
		grpc.WithInitialWindowSize(streamWindow), grpc.WithInitialConnWindowSize(connWindow),
		grpc.WithReadBufferSize(socketBuffer), grpc.WithWriteBufferSize(socketBuffer),
	}
}
