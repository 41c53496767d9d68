#!/usr/bin/env bash
# make e2e-s3: the S3 tests of the export family against MinIO, a second,
# independent S3 implementation (make test runs the same tests against
# gofakes3 in-process). The script installs MinIO server into .tools/
# (git-ignored) with `go install` at a pinned version, starts it on a
# loopback port with a temporary data folder and fixed credentials, points
# the tests at it through s3test's environment (HOPS_E2E_S3_ENDPOINT,
# HOPS_E2E_S3_ACCESS_KEY, HOPS_E2E_S3_SECRET_KEY: each test creates and
# removes a bucket of its own), runs them, and stops MinIO on exit.
#
# The tests: every S3 test of builtin/export/exporter (upload, multipart,
# refused credentials, aborted uploads) and builtin/export (the family's
# jobs), and TestExportToS3 of host/cmd/hops (the real binary over HTTP).
#
# Version: MinIO's releases are tagged RELEASE.<date>, not semver; the Go
# module proxy this project reaches serves no RELEASE.2025-* tag (it
# answers "not available"), only the pseudo-version pinned below, a commit
# of 2026-02-12, which builds with Go 1.26. Override with MINIO_VERSION.
#
#   make e2e-s3
#   MINIO_PORT=29000 scripts/e2e-s3.sh
set -euo pipefail
cd "$(dirname "$0")/.."

MINIO_VERSION=${MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}
MINIO_PORT=${MINIO_PORT:-19000}
# INSTALL_TIMEOUT bounds the go install (a first build downloads and
# compiles a few hundred modules: minutes on two cores); TEST_TIMEOUT the
# test run; START_WAIT and STOP_GRACE MinIO's start and stop, in seconds.
INSTALL_TIMEOUT=${INSTALL_TIMEOUT:-30m}
TEST_TIMEOUT=${TEST_TIMEOUT:-15m}
START_WAIT=${START_WAIT:-30}
STOP_GRACE=${STOP_GRACE:-10}
ACCESS_KEY=hopse2e
SECRET_KEY=hops-e2e-secret-0123456789
TOOLS=$PWD/.tools
MINIO=$TOOLS/minio

# installed_version prints the module version .tools/minio was built from.
installed_version() { go version -m "$MINIO" 2>/dev/null | awk '$1 == "mod" && $2 == "github.com/minio/minio" {print $3}'; }

if [ "$(installed_version)" != "$MINIO_VERSION" ]; then
  echo "installing MinIO $MINIO_VERSION into $TOOLS"
  if ! GOBIN=$TOOLS timeout "$INSTALL_TIMEOUT" go install "github.com/minio/minio@$MINIO_VERSION"; then
    echo "e2e-s3: go install github.com/minio/minio@$MINIO_VERSION failed (is the version served by the module proxy?)" >&2
    exit 1
  fi
fi

if (exec 3<>"/dev/tcp/127.0.0.1/$MINIO_PORT") 2>/dev/null; then
  echo "e2e-s3: port $MINIO_PORT is in use; set MINIO_PORT" >&2
  exit 1
fi

data=$(mktemp -d)
minio_pid=
stop_minio() {
  if [ -n "$minio_pid" ]; then
    kill "$minio_pid" 2>/dev/null || true
    for _ in $(seq 1 $((STOP_GRACE * 10))); do
      kill -0 "$minio_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$minio_pid" 2>/dev/null || true
    wait "$minio_pid" 2>/dev/null || true
  fi
  rm -rf "$data"
}
trap stop_minio EXIT

MINIO_ROOT_USER=$ACCESS_KEY MINIO_ROOT_PASSWORD=$SECRET_KEY MINIO_BROWSER=off \
  "$MINIO" server --quiet --address "127.0.0.1:$MINIO_PORT" "$data/export" >"$data/minio.log" 2>&1 &
minio_pid=$!
endpoint=http://127.0.0.1:$MINIO_PORT
up=
for _ in $(seq 1 $((START_WAIT * 10))); do
  kill -0 "$minio_pid" 2>/dev/null || break
  if curl -s -o /dev/null -f --max-time 2 "$endpoint/minio/health/live"; then up=1; break; fi
  sleep 0.1
done
if [ -z "$up" ]; then
  echo "e2e-s3: MinIO did not come up on $endpoint:" >&2
  cat "$data/minio.log" >&2
  exit 1
fi
echo "MinIO $MINIO_VERSION serving on $endpoint"

export HOPS_E2E_S3_ENDPOINT=$endpoint HOPS_E2E_S3_ACCESS_KEY=$ACCESS_KEY HOPS_E2E_S3_SECRET_KEY=$SECRET_KEY
go test -count=1 -timeout "$TEST_TIMEOUT" -run 'S3' ./builtin/export/...
go test -count=1 -timeout "$TEST_TIMEOUT" -run '^TestExportToS3$' ./host/cmd/hops/
