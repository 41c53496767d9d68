#!/usr/bin/env bash
# Load test of get_status: hops against the floor (a bare Echo handler with
# the same Basic auth header and a constant body), measured in the same run,
# and against HarperDB 4.7.29 when HDB_DIR points at an install of it (see
# docs/benchmarks.md). Loopback only; every run is bounded by DURATION.
#
#   scripts/bench/get_status.sh            # needs wrk (apt-get install wrk)
#   DURATION=10s CONNS="16 64" HDB_DIR=/path/to/harperdb scripts/bench/get_status.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
DURATION=${DURATION:-10s}
CONNS=${CONNS:-"16 64"}
THREADS=${THREADS:-2}
HOPS_PORT=${HOPS_PORT:-19825}
FLOOR_PORT=${FLOOR_PORT:-19990}
HDB_PORT=${HDB_PORT:-19925}
OUT=${OUT:-scripts/bench/results}
mkdir -p "$OUT" bin
command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk"; exit 1; }

go build -o bin/hops ./host/cmd/hops
go build -o bin/bench-floor ./scripts/bench/floor

work=$(mktemp -d)
pids=()
cleanup() {
  # HarperDB runs as a grandchild of the pid harperdb.sh wrote: stop its tree.
  [ -f "$work/hdb/pid" ] && scripts/bench/harperdb.sh stop "$work/hdb"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

ROOTPATH=$work/hops HDB_ADMIN_USERNAME=admin HDB_ADMIN_PASSWORD=password \
  OPERATIONSAPI_NETWORK_PORT=$HOPS_PORT LOGGING_LEVEL=warn LOGGING_STDSTREAMS=false \
  bin/hops run >"$work/hops.out" 2>&1 &
pids+=($!)
bin/bench-floor -addr 127.0.0.1:$FLOOR_PORT >"$work/floor.out" 2>&1 &
pids+=($!)

wait_up "http://127.0.0.1:$HOPS_PORT/"
wait_up "http://127.0.0.1:$FLOOR_PORT/"
curl -s -u admin:password -H 'Content-Type: application/json' \
  -d '{"operation":"set_status","id":"primary","status":"up"}' "http://127.0.0.1:$HOPS_PORT/" >/dev/null

targets=("hops http://127.0.0.1:$HOPS_PORT/" "floor http://127.0.0.1:$FLOOR_PORT/")
if [ -n "${HDB_DIR:-}" ]; then
  scripts/bench/harperdb.sh start "$HDB_DIR" "$work/hdb" "$HDB_PORT"
  pids+=($(cat "$work/hdb/pid"))
  wait_up "http://127.0.0.1:$HDB_PORT/"
  curl -s -u admin:password -H 'Content-Type: application/json' \
    -d '{"operation":"set_status","id":"primary","status":"up"}' "http://127.0.0.1:$HDB_PORT/" >/dev/null
  targets+=("harperdb http://127.0.0.1:$HDB_PORT/")
fi

echo '{"operation":"get_status","id":"primary"}' >"$work/get_status.json"

declare -A rps
printf "%-9s %5s %10s %9s %9s %7s %7s\n" target conns req/s p50_ms p99_ms non2xx errors | tee "$OUT/get_status.txt"
for c in $CONNS; do
  for t in "${targets[@]}"; do
    name=${t%% *}; url=${t#* }
    wrk_post "$url" "$work/get_status.json" "$c" 2s "$THREADS" >/dev/null   # warm-up
    line=$(wrk_post "$url" "$work/get_status.json" "$c" "$DURATION" "$THREADS")
    eval "$(echo "$line" | sed 's/^RESULT //; s/\([a-z0-9_]*\)=/local_\1=/g')"
    rps[$name$c]=$local_rps
    printf "%-9s %5s %10s %9s %9s %7s %7s\n" "$name" "$c" "$local_rps" "$local_p50_ms" "$local_p99_ms" "$local_non2xx" "$local_errors" | tee -a "$OUT/get_status.txt"
  done
done
for c in $CONNS; do
  awk -v h="${rps[hops$c]}" -v f="${rps[floor$c]}" -v c="$c" 'BEGIN{printf "ratio hops/floor at %s connections: %.2f\n", c, h/f}' | tee -a "$OUT/get_status.txt"
  if [ -n "${rps[harperdb$c]:-}" ]; then
    awk -v h="${rps[hops$c]}" -v d="${rps[harperdb$c]}" -v c="$c" 'BEGIN{printf "ratio hops/harperdb at %s connections: %.2f\n", c, h/d}' | tee -a "$OUT/get_status.txt"
  fi
done
