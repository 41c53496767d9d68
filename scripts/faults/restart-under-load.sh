#!/usr/bin/env bash
# Fault test of issue 3: does hops drop a request when it restarts under
# load? Two phases, each DURATION seconds of wrk (CONNS connections posting
# get_status with Basic auth) plus two probers (scripts/faults/prober: one
# request a millisecond, one on a keep-alive connection, one on a fresh
# connection each time), with the event halfway through:
#   restart          the whole instance re-execs in place (same PID),
#                    handing its listening sockets to the new image;
#   restart_service  {"service":"http_workers"}: the HTTP server and every
#                    family process roll one at a time (a host job).
# For each it prints wrk's requests, non-2xx and socket errors (connect,
# read, write, timeout), the probers' failures and longest gap between two
# successful answers (the unavailable window), how long the restart took
# (until an image with a new start time answered) or the roll took (the
# job's start_datetime to end_datetime, and each step from the job's
# result). It exits non-zero when any request failed or the event did not
# complete. Loopback only, on a free port; bounded in time; every process
# it starts is stopped on exit.
#
#   scripts/faults/restart-under-load.sh          # or: make faults
#   DURATION=20 CONNS=64 scripts/faults/restart-under-load.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
DURATION=${DURATION:-10} # seconds of load per phase; the event at half
CONNS=${CONNS:-16}
# EVENT_WAIT bounds the wait for a restart or a roll to finish (seconds):
# both take about a second; a minute means something is stuck.
EVENT_WAIT=${EVENT_WAIT:-60}
for c in wrk jq curl ss; do command -v $c >/dev/null || { echo "$c not found"; exit 1; }; done

make build >/dev/null
go build -o bin/faults-prober ./scripts/faults/prober
work=$(mktemp -d)
trap bench_cleanup EXIT

port=$(free_port)
url="http://127.0.0.1:$port/"
bench_machine
echo "settings: DURATION=${DURATION}s CONNS=$CONNS port=$port"
start_hops "$port" LOGGING_LEVEL=info

cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"operation":"get_status","id":"primary"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "$BENCH_AUTH"
LUA
cat >>"$work/post.lua" <<'LUA'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d non2xx=%d connect=%d read=%d write=%d timeout=%d rps=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.1f\n",
    summary.requests, e.status, e.connect, e.read, e.write, e.timeout,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
LUA

hostinfo() { op "$url" '{"operation":"host_information"}'; }
failed=0
fail() { echo "FAILED: $*"; failed=1; }

# event_restart: restart, then wait for an image with a new start time.
event_restart() {
  local before after pid t0 t1
  before=$(hostinfo | jq -r .started_at)
  pid=$(hostinfo | jq -r .host_pid)
  t0=$(date +%s%N)
  echo "restart answer: $(op "$url" '{"operation":"restart"}')"
  for _ in $(seq 1 $((EVENT_WAIT * 20))); do
    after=$(hostinfo | jq -r '.started_at // empty' 2>/dev/null || true)
    [ -n "$after" ] && [ "$after" != "$before" ] && break
    sleep 0.05
  done
  t1=$(date +%s%N)
  if [ -z "$after" ] || [ "$after" = "$before" ]; then fail "no new image within ${EVENT_WAIT}s"; return; fi
  echo "restart: new image answered $(( (t1 - t0) / 1000000 )) ms after the request (polled every 50 ms)"
  local now; now=$(hostinfo | jq -r .host_pid)
  if [ "$now" = "$pid" ] && [ "$pid" = "$hops_pid" ]; then echo "restart: same PID $pid"
  else fail "PID changed: $pid before, $now after (started $hops_pid)"; fi
  hostinfo | jq -r '.plugins[] | "  family \(.name): pid \(.pid) \(.state) restarts=\(.restarts)"'
}

# event_roll: restart_service http_workers, then wait for its job.
event_roll() {
  local answer id job status
  answer=$(op "$url" '{"operation":"restart_service","service":"http_workers"}')
  echo "restart_service answer: $answer"
  id=$(echo "$answer" | jq -r '.job_id // empty')
  [ -n "$id" ] || { fail "restart_service answered no job_id"; return; }
  for _ in $(seq 1 $((EVENT_WAIT * 20))); do
    job=$(op "$url" "{\"operation\":\"get_job\",\"id\":\"$id\"}")
    status=$(echo "$job" | jq -r '.[0].status')
    [ "$status" != IN_PROGRESS ] && break
    sleep 0.05
  done
  [ "$status" = COMPLETE ] || { fail "job $id ended $status: $job"; return; }
  echo "$job" | jq -r '.[0] | "restart_service: fully rolled in \(.end_datetime - .start_datetime) ms (job start_datetime to end_datetime)"'
  echo "$job" | jq -r '.[0].result.rolled | to_entries[] | "  rolled \(.key): \(.value)"'
}

# phase NAME EVENT: DURATION seconds of load with EVENT at half time.
phase() {
  local name=$1 event=$2 wline ka fr
  echo
  echo "== $name under load"
  bench_load "$name"
  wrk -t2 -c"$CONNS" -d"${DURATION}s" --timeout 30s -s "$work/post.lua" "$url" >"$work/wrk-$name.out" 2>&1 &
  local wrk_pid=$!
  bin/faults-prober -url "$url" -duration "${DURATION}s" >"$work/probe-ka-$name.out" 2>&1 &
  local ka_pid=$!
  bin/faults-prober -url "$url" -duration "${DURATION}s" -fresh >"$work/probe-fresh-$name.out" 2>&1 &
  local fr_pid=$!
  bench_pids+=("$wrk_pid" "$ka_pid" "$fr_pid")
  sleep $((DURATION / 2))
  echo "[$name] event at $(date -u +%T.%3N) (~$((DURATION / 2)) s into the load)"
  "$event"
  wait "$wrk_pid" "$ka_pid" "$fr_pid" || true
  wline=$(grep '^RESULT' "$work/wrk-$name.out" || true)
  ka=$(grep '^RESULT' "$work/probe-ka-$name.out" || true)
  fr=$(grep '^RESULT' "$work/probe-fresh-$name.out" || true)
  [ -n "$wline" ] || { cat "$work/wrk-$name.out"; fail "$name: wrk gave no result"; return; }
  printf "%s wrk (%s conns): requests=%s non2xx=%s socket errors: connect=%s read=%s write=%s timeout=%s (p50 %s ms, p99 %s ms, max %s ms)\n" \
    "$name" "$CONNS" "$(kv "$wline" requests)" "$(kv "$wline" non2xx)" "$(kv "$wline" connect)" "$(kv "$wline" read)" \
    "$(kv "$wline" write)" "$(kv "$wline" timeout)" "$(kv "$wline" p50_ms)" "$(kv "$wline" p99_ms)" "$(kv "$wline" max_ms)"
  for p in "keep-alive:$ka:probe-ka" "fresh-conn:$fr:probe-fresh"; do
    local label=${p%%:*} line; line=${p#*:}; line=${line%:*}
    [ -n "$line" ] || { cat "$work/${p##*:}-$name.out"; fail "$name: $label prober gave no result"; continue; }
    printf "%s prober %-10s: ok=%s failed=%s unavailable window (longest gap between two answers)=%s ms, ending %s s into the load; slowest request %s ms\n" \
      "$name" "$label" "$(kv "$line" ok)" "$(kv "$line" failed)" "$(kv "$line" max_gap_ms)" "$(kv "$line" gap_end_s)" "$(kv "$line" max_latency_ms)"
    grep '^FAIL' "$work/${p##*:}-$name.out" | sed "s/^/  $label /" || true
    [ "$(kv "$line" failed)" = 0 ] || fail "$name: $label prober saw $(kv "$line" failed) failed requests"
  done
  local errs=$(( $(kv "$wline" non2xx) + $(kv "$wline" connect) + $(kv "$wline" read) + $(kv "$wline" write) + $(kv "$wline" timeout) ))
  [ "$errs" = 0 ] || fail "$name: wrk saw $errs failed requests"
}

phase restart event_restart
phase restart_service event_roll

echo
if [ "$failed" != 0 ]; then
  echo "hops log (warnings and errors):"
  grep -E '\[(WARN|ERROR)\]' "$work/hops/log/hops.log" | tail -20 || true
  echo "RESULT: some requests failed across a restart"
  exit 1
fi
echo "RESULT: no request failed across restart and restart_service"
