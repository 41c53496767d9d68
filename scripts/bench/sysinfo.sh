#!/usr/bin/env bash
# Load benchmark of system_information with every attribute (issue 3; the
# target is p50 under 20 ms): wrk at CONNS connections (1, 4 and 16) for
# DURATION each, printing req/s, p50 and p99. When HDB_DIR points at an
# npm install of HarperDB 4.7.29 it is measured in the same run, the same
# request, one target after the other (never both under load at once).
# Loopback only, on free ports; the script's processes stop on exit.
#
#   scripts/bench/sysinfo.sh
#   HDB_DIR=/work/harperdb DURATION=5s scripts/bench/sysinfo.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
DURATION=${DURATION:-5s}
CONNS=${CONNS:-"1 4 16"}
THREADS=${THREADS:-2}
# HDB_WAIT bounds HarperDB's start (seconds): it takes 10-30 s cold.
HDB_WAIT=${HDB_WAIT:-60}
# TARGET_P50_MS is the issue's goal for system_information's p50.
TARGET_P50_MS=${TARGET_P50_MS:-20}
OUT=${OUT:-scripts/bench/results}
mkdir -p "$OUT" bin
for c in wrk jq curl ss; do command -v $c >/dev/null || { echo "$c not found"; exit 1; }; done
exec > >(tee "$OUT/sysinfo.txt") 2>&1

go build -o bin/hops ./host/cmd/hops
work=$(mktemp -d)
trap bench_cleanup EXIT

bench_machine
echo "settings: DURATION=$DURATION CONNS=\"$CONNS\" THREADS=$THREADS"
HOPS_PORT=${HOPS_PORT:-$(free_port)}
start_hops "$HOPS_PORT"
declare -A url=([hops]="http://127.0.0.1:$HOPS_PORT/")
targets=(hops)
if [ -n "${HDB_DIR:-}" ]; then
  HDB_PORT=${HDB_PORT:-$(free_port)}
  bench_hdb_work=$work/hdb
  scripts/bench/harperdb.sh start "$HDB_DIR" "$bench_hdb_work" "$HDB_PORT"
  hdb_pid=$(cat "$bench_hdb_work/pid")
  t0=$(date +%s)
  # wait_up waits 30 s at most; HarperDB gets HDB_WAIT in all.
  until wait_up "http://127.0.0.1:$HDB_PORT/" >/dev/null; do
    if [ $(( $(date +%s) - t0 )) -ge "$HDB_WAIT" ]; then
      echo "HarperDB did not answer within ${HDB_WAIT}s; its output:"; tail -20 "$bench_hdb_work/harperdb.out"; exit 1
    fi
  done
  echo "HarperDB up after $(( $(date +%s) - t0 )) s"
  url[harperdb]="http://127.0.0.1:$HDB_PORT/"
  targets+=(harperdb)
else
  echo "HDB_DIR not set: HarperDB skipped, no ratios"
fi

echo '{"operation":"system_information"}' >"$work/sysinfo.json"
for t in "${targets[@]}"; do
  answer=$(op "${url[$t]}" "$(cat "$work/sysinfo.json")")
  echo "$t answer: $(echo -n "$answer" | wc -c) bytes, sections $(echo "$answer" | jq -c 'keys' 2>/dev/null || echo "not JSON: ${answer:0:200}")"
done

# wrk_run URL CONNS DURATION: wrk POSTing system_information; prints its
# RESULT line.
wrk_run() { wrk_post "$1" "$work/sysinfo.json" "$2" "$3" "$THREADS"; }

declare -A R
failed=0
printf "%-9s %5s %10s %9s %9s %7s %7s\n" target conns req/s p50_ms p99_ms non2xx errors
for t in "${targets[@]}"; do
  wrk_run "${url[$t]}" 4 2s >/dev/null # warm-up
done
for c in $CONNS; do
  bench_load "conns=$c"
  for t in "${targets[@]}"; do
    line=$(wrk_run "${url[$t]}" "$c" "$DURATION")
    R[rps:$t:$c]=$(kv "$line" rps); R[p50:$t:$c]=$(kv "$line" p50_ms); R[p99:$t:$c]=$(kv "$line" p99_ms)
    printf "%-9s %5s %10s %9s %9s %7s %7s\n" "$t" "$c" "${R[rps:$t:$c]}" "${R[p50:$t:$c]}" "${R[p99:$t:$c]}" \
      "$(kv "$line" non2xx)" "$(kv "$line" errors)"
    [ "$(kv "$line" non2xx)" = 0 ] && [ "$(kv "$line" errors)" = 0 ] || failed=1
  done
done

echo
for c in $CONNS; do
  met=$(awk -v p="${R[p50:hops:$c]}" -v t="$TARGET_P50_MS" 'BEGIN{print (p < t) ? "met" : "NOT met"}')
  line="hops at $c conns: p50 ${R[p50:hops:$c]} ms, target < $TARGET_P50_MS ms $met"
  if [ -n "${R[rps:harperdb:$c]:-}" ]; then
    line+="; vs HarperDB: req/s x$(ratio "${R[rps:hops:$c]}" "${R[rps:harperdb:$c]}"), p50 x$(ratio "${R[p50:harperdb:$c]}" "${R[p50:hops:$c]}") faster"
  fi
  echo "$line"
done
[ "$failed" = 0 ] || { echo "some requests failed (non-2xx or socket errors)"; exit 1; }
