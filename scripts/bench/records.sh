#!/usr/bin/env bash
# Records load benchmark (issue 5): hops against HarperDB 4.7.29 in the same
# run, the same requests to both, phase by phase (hops, then HarperDB):
#   load     bulk insert of N records (scripts/bench/loader: ~300-byte
#            records of eleven mixed attributes, BATCH per request, C
#            clients), in two halves LOAD_PAUSE seconds apart;
#   delete   delete_records_before with a date between the halves (half
#            the table), from the request to get_job saying COMPLETE;
#   hash     search_by_hash of HASH_IDS ids still present: REPEAT calls
#            one after another, then wrk at WRK_CONNS for WRK_DURATION;
#   select   SELECT * FROM bench.t (N/2 rows) read to its last byte.
# Peak RSS of every process (hops host and families; HarperDB's tree) is
# reported for each phase. hops keeps fsync on (families.records.noSync
# false, the default); HarperDB keeps its defaults (storage.writeAsync
# false). Without HDB_DIR only hops runs. Loopback only; the script's
# processes are stopped on exit.
#
#   HDB_DIR=/work/harperdb scripts/bench/records.sh
#   N=200000 HDB_DIR=/work/harperdb scripts/bench/records.sh   # a shorter run
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
N=${N:-1000000}
C=${C:-2}
BATCH=${BATCH:-10000}
LOAD_PAUSE=${LOAD_PAUSE:-1}
HASH_IDS=${HASH_IDS:-1000}
REPEAT=${REPEAT:-30}
WRK_CONNS=${WRK_CONNS:-4}
WRK_DURATION=${WRK_DURATION:-10s}
HOPS_PORT=${HOPS_PORT:-19825}
HDB_PORT=${HDB_PORT:-19925}
OUT=${OUT:-scripts/bench/results}
mkdir -p "$OUT" bin
command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk"; exit 1; }
exec > >(tee "$OUT/records.txt") 2>&1

go build -o bin/hops ./host/cmd/hops
go build -o bin/bench-loader ./scripts/bench/loader
go build -o bin/bench-opclient ./scripts/bench/opclient
work=$(mktemp -d)
trap bench_cleanup EXIT
bench_machine
echo "settings: N=$N C=$C BATCH=$BATCH HASH_IDS=$HASH_IDS REPEAT=$REPEAT WRK=${WRK_CONNS}conns/$WRK_DURATION"

start_hops "$HOPS_PORT"
declare -A url=([hops]="http://127.0.0.1:$HOPS_PORT/")
targets=(hops)
if [ -n "${HDB_DIR:-}" ]; then
  start_harperdb "$HDB_PORT"
  url[harperdb]="http://127.0.0.1:$HDB_PORT/"
  targets+=(harperdb)
else
  echo "HDB_DIR not set: HarperDB skipped, no ratios"
fi
for t in "${targets[@]}"; do
  op "${url[$t]}" '{"operation":"create_database","database":"bench"}' >/dev/null
  echo "$t: $(op "${url[$t]}" '{"operation":"create_table","database":"bench","table":"t","primary_key":"id"}')"
done

declare -A R # R[metric:target]
half=$((N / 2))

# load PHASE FIRST_ID COUNT
load() {
  local t line
  bench_load "$1"
  for t in "${targets[@]}"; do
    local pids; pids=$(target_pids "$t")
    hwm_reset $pids
    line=$(bin/bench-loader -url "${url[$t]}" -n "$3" -start "$2" -batch "$BATCH" -c "$C" | tee /dev/stderr | grep '^RESULT')
    echo "$1 $t: $line"
    R[$1_s:$t]=$(kv "$line" seconds); R[$1_start:$t]=$(kv "$line" start_ms); R[$1_end:$t]=$(kv "$line" end_ms)
    hwm_report "$1" "$t" $pids
    R[$1_rss:$t]=$hwm_total
  done
}
load load1 0 "$half"
sleep "$LOAD_PAUSE"
load load2 "$half" $((N - half))
for t in "${targets[@]}"; do
  R[load_rps:$t]=$(awk -v n="$N" -v a="${R[load1_s:$t]}" -v b="${R[load2_s:$t]}" 'BEGIN{printf "%.0f", n/(a+b)}')
  a=${R[load1_rss:$t]} b=${R[load2_rss:$t]}
  R[load_rss:$t]=$((a > b ? a : b))
  echo "load $t: ${R[load_rps:$t]} records/s over both halves"
done

bench_load delete
for t in "${targets[@]}"; do
  # The cutoff is halfway between this target's two loads, in UTC ISO 8601.
  cut_ms=$(( (R[load1_end:$t] + R[load2_start:$t]) / 2 ))
  cutoff=$(date -u -d "@$((cut_ms / 1000)).$(printf %03d $((cut_ms % 1000)))" +%Y-%m-%dT%H:%M:%S.%3NZ)
  pids=$(target_pids "$t"); hwm_reset $pids
  line=$(bin/bench-opclient job -url "${url[$t]}" -timeout 10m \
    -body "{\"operation\":\"delete_records_before\",\"database\":\"bench\",\"table\":\"t\",\"date\":\"$cutoff\"}" | tee /dev/stderr | grep '^RESULT')
  echo "delete $t (before $cutoff): $line"
  R[delete_ms:$t]=$(kv "$line" ms)
  hwm_report delete "$t" $pids; R[delete_rss:$t]=$hwm_total
done

# HASH_IDS distinct ids of the second half (the ones delete kept), fixed seed.
shuf -i "$half-$((N - 1))" -n "$HASH_IDS" --random-source=<(yes) | paste -sd, |
  sed 's/.*/{"operation":"search_by_hash","database":"bench","table":"t","hash_values":[&],"get_attributes":["*"]}/' >"$work/hash.json"
bench_load hash
for t in "${targets[@]}"; do
  pids=$(target_pids "$t"); hwm_reset $pids
  line=$(bin/bench-opclient repeat -url "${url[$t]}" -n "$REPEAT" -body "@$work/hash.json" | grep '^RESULT')
  echo "hash $t: $line"
  R[hash_ms:$t]=$(kv "$line" p50_ms)
  line=$(wrk_post "${url[$t]}" "$work/hash.json" "$WRK_CONNS" "$WRK_DURATION")
  echo "hash wrk $t: $line"
  R[hash_rps:$t]=$(kv "$line" rps)
  hwm_report hash "$t" $pids; R[hash_rss:$t]=$hwm_total
done

bench_load select
for t in "${targets[@]}"; do
  pids=$(target_pids "$t"); hwm_reset $pids
  line=$(bin/bench-opclient stream -url "${url[$t]}" -count '"email":' \
    -body '{"operation":"sql","sql":"SELECT * FROM bench.t"}' | grep '^RESULT')
  echo "select $t: $line"
  R[select_ms:$t]=$(kv "$line" total_ms)
  hwm_report select "$t" $pids; R[select_rss:$t]=$hwm_total
  R[select_records_rss:$t]=${hwm_of_records:-}
done

echo
echo "summary (N=$N; time in ms unless named; RSS = peak MiB of all the target's processes in that phase)"
printf "%-28s %12s %12s %10s %10s %10s\n" metric hops harperdb ratio hops_MiB hdb_MiB
row() { # label metric rss-metric higher-is-better(1|0)
  local h=${R[$2:hops]:-} d=${R[$2:harperdb]:-} r
  if [ "$4" = 1 ]; then r=$(ratio "$h" "$d"); else r=$(ratio "$d" "$h"); fi
  printf "%-28s %12s %12s %10s %10s %10s\n" "$1" "$h" "${d:--}" "$r" "${R[$3:hops]:-}" "${R[$3:harperdb]:--}"
}
row "insert records/s" load_rps load_rss 1
row "delete_records_before ms" delete_ms delete_rss 0
row "search_by_hash p50 ms" hash_ms hash_rss 0
row "search_by_hash wrk req/s" hash_rps hash_rss 1
row "SELECT * last byte ms" select_ms select_rss 0
echo "ratio column: how many times better hops is (hops/harperdb for rates, harperdb/hops for times)"
echo "records family peak RSS during SELECT *: ${R[select_records_rss:hops]:-?} MiB"
