// Package proto holds the wire contract between the hops host and its
// families: family.proto (served by each plugin) and host.proto (served by
// the host over the go-plugin broker), with the generated Go code committed
// beside them. Only the conversion code in package sdk touches these types;
// everything a plugin author sees is hand-written.
//
// Regenerate with `make proto` (protoc plus the pinned protoc-gen-go and
// protoc-gen-go-grpc tools from go.mod; works offline).
package proto

//go:generate sh -c "protoc -I . --plugin=protoc-gen-go=$(go tool -n protoc-gen-go) --plugin=protoc-gen-go-grpc=$(go tool -n protoc-gen-go-grpc) --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative family.proto host.proto"
