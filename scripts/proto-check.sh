#!/usr/bin/env bash
# Regenerates sdk/internal/proto into a scratch copy and fails when the committed
# generated code differs. Needs protoc (Debian: protobuf-compiler); the Go
# generators are the versions pinned in go.mod's tool block.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v protoc >/dev/null; then
  echo "proto-check: protoc not found (apt-get install protobuf-compiler)"; exit 1
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp sdk/internal/proto/*.proto "$tmp/"
( cd sdk/internal/proto && protoc -I "$tmp" \
    --plugin=protoc-gen-go="$(go tool -n protoc-gen-go)" \
    --plugin=protoc-gen-go-grpc="$(go tool -n protoc-gen-go-grpc)" \
    --go_out="$tmp" --go_opt=paths=source_relative \
    --go-grpc_out="$tmp" --go-grpc_opt=paths=source_relative \
    "$tmp"/family.proto "$tmp"/host.proto )
for f in family.pb.go family_grpc.pb.go host.pb.go host_grpc.pb.go; do
  if ! diff -q "$tmp/$f" "sdk/internal/proto/$f" >/dev/null; then
    echo "proto-check: sdk/internal/proto/$f is stale; run make proto"; exit 1
  fi
done
echo "proto-check: ok"
