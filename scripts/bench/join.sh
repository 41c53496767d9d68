#!/usr/bin/env bash
# Join benchmark (issue 16): hops against HarperDB 4.7.29 in the same run.
# Two tables of N records each (scripts/bench/loader: bench.a and bench.b,
# ids 0..N-1, so every id and every email is in both), then SQL joins:
#   pk_count    COUNT(*) of an equi-join on the primary key
#   pk_page     the first 100 rows of that join (a limited page)
#   attr_count  COUNT(*) of an equi-join on a non-key attribute (email)
#   pk_all      every row of the primary-key join (two columns), if feasible
# Each query runs RUNS times, alternating hops and HarperDB run by run; each
# run is bounded by CAP seconds (HarperDB may take minutes) and one that
# does not answer in time is reported "> CAP s" and not run again for that
# target (HarperDB is restarted, since it keeps working on the query after
# the client gives up). Reported: the median time to the answer's last
# byte, the CPU seconds the target's processes used for it (from
# /proc/<pid>/stat, summed over hops' host and families or HarperDB's
# tree), peak RSS, and the load average before each run. Without HDB_DIR
# or HDB_URL only hops runs. Loopback only; the script's processes stop on
# exit.
#
# Loading 2M records into HarperDB takes 15-40 minutes, so the script can
# use one already running and loaded (bench.a and bench.b from the loader,
# ids 0..N-1): HDB_URL is its operations API, HDB_PID the root of its
# process tree (whose CPU is measured), HDB_WORK the work directory
# harperdb.sh started it in (HDB_PID defaults to HDB_WORK/pid). The
# script checks both tables hold N records (describe_table) and loads
# nothing into it; after a capped query it restarts it from HDB_DIR in
# HDB_WORK, on the same port, with the same data; it leaves it running.
#
#   HDB_DIR=/work/hdb scripts/bench/join.sh
#   N=100000 RUNS=1 HDB_DIR=/work/hdb scripts/bench/join.sh   # a shorter run
#   HDB_DIR=/work/hdb HDB_WORK=/work/hdbjoin HDB_URL=http://127.0.0.1:31925/ scripts/bench/join.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
# wait_up URL: lib.sh's, with UP_WAIT seconds (default 180) instead of 30:
# on a busy machine hops' families and HarperDB take longer to start.
wait_up() {
  for _ in $(seq 1 $((${UP_WAIT:-180} * 10))); do
    if curl -s -o /dev/null --max-time 2 -u "$BENCH_USER:$BENCH_PASS" -H 'Content-Type: application/json' \
         -d '{"operation":"get_status","id":"primary"}' "$1"; then return 0; fi
    sleep 0.1
  done
  echo "not up: $1"; return 1
}
N=${N:-1000000}
C=${C:-2}
BATCH=${BATCH:-10000}
RUNS=${RUNS:-3}
CAP=${CAP:-300}
QUERIES=${QUERIES:-pk_count pk_page attr_count pk_all}
HOPS_PORT=${HOPS_PORT:-$(free_port)}
HDB_PORT=${HDB_PORT:-$(free_port)}
OUT=${OUT:-scripts/bench/results}
mkdir -p "$OUT" bin
exec > >(tee "$OUT/join.txt") 2>&1

go build -o bin/hops ./host/cmd/hops
go build -o bin/bench-loader ./scripts/bench/loader
go build -o bin/bench-opclient ./scripts/bench/opclient
work=$(mktemp -d)
trap bench_cleanup EXIT
bench_machine
echo "settings: N=$N RUNS=$RUNS CAP=${CAP}s C=$C BATCH=$BATCH${HDB_URL:+ HarperDB preloaded at $HDB_URL}"

declare -A sql=(
  [pk_count]="SELECT COUNT(*) AS n FROM bench.a a INNER JOIN bench.b b ON a.id = b.id"
  [pk_page]="SELECT a.id, a.name, b.email FROM bench.a a INNER JOIN bench.b b ON a.id = b.id LIMIT 100"
  [attr_count]="SELECT COUNT(*) AS n FROM bench.a a INNER JOIN bench.b b ON a.email = b.email"
  [pk_all]="SELECT a.id, b.name FROM bench.a a INNER JOIN bench.b b ON a.id = b.id"
)
# count: a substring each answer row holds once, to count rows.
declare -A count=([pk_count]='"n":' [pk_page]='"email":' [attr_count]='"n":' [pk_all]='"name":')

start_hops "$HOPS_PORT"
declare -A url=([hops]="http://127.0.0.1:$HOPS_PORT/")
targets=(hops)
loads=(hops)
if [ -n "${HDB_URL:-}" ]; then
  # A running, loaded HarperDB: check it, load nothing.
  hdb_pid=${HDB_PID:-$(cat "${HDB_WORK:?HDB_URL needs HDB_PID or HDB_WORK}/pid")}
  kill -0 "$hdb_pid" || { echo "HarperDB pid $hdb_pid is not running"; exit 1; }
  wait_up "$HDB_URL"
  for tb in a b; do
    n=$(op "$HDB_URL" "{\"operation\":\"describe_table\",\"database\":\"bench\",\"table\":\"$tb\"}" | jq -r .record_count)
    echo "harperdb (preloaded, pid $hdb_pid): bench.$tb holds $n records"
    [ "$n" = "$N" ] || { echo "bench.$tb holds $n records, want N=$N"; exit 1; }
  done
  url[harperdb]=$HDB_URL
  targets+=(harperdb)
elif [ -n "${HDB_DIR:-}" ]; then
  start_harperdb "$HDB_PORT"
  url[harperdb]="http://127.0.0.1:$HDB_PORT/"
  targets+=(harperdb)
  loads+=(harperdb)
else
  echo "HDB_DIR and HDB_URL not set: HarperDB skipped, no ratios"
fi

# restart_harperdb stops HarperDB (still working on a query the client
# gave up on) and starts it again from the same work directory, with the
# same data: a preloaded one from HDB_WORK on its port, else the script's
# own.
restart_harperdb() {
  if [ -n "${HDB_URL:-}" ]; then
    if [ -z "${HDB_WORK:-}" ] || [ -z "${HDB_DIR:-}" ]; then
      echo "HDB_WORK or HDB_DIR not set: HarperDB not restarted"; return 0
    fi
    local port=${HDB_URL##*:}; port=${port%%/*}
    scripts/bench/harperdb.sh stop "$HDB_WORK"
    scripts/bench/harperdb.sh start "$HDB_DIR" "$HDB_WORK" "$port"
    hdb_pid=$(cat "$HDB_WORK/pid")
    wait_up "$HDB_URL"
  else
    scripts/bench/harperdb.sh stop "$bench_hdb_work"
    start_harperdb "$HDB_PORT"
  fi
  sleep 5
}

for t in "${loads[@]}"; do
  op "${url[$t]}" '{"operation":"create_database","database":"bench"}' >/dev/null
  for tb in a b; do
    echo "$t: $(op "${url[$t]}" "{\"operation\":\"create_table\",\"database\":\"bench\",\"table\":\"$tb\",\"primary_key\":\"id\"}")"
  done
  sleep 1
  for tb in a b; do
    bench_load "load $t $tb"
    bin/bench-loader -url "${url[$t]}" -n "$N" -start 0 -table "$tb" -batch "$BATCH" -c "$C" | grep '^RESULT' | sed "s/^/load $t $tb: /"
  done
done

# cpu_ticks PID...: utime+stime of the processes, in clock ticks.
cpu_ticks() {
  local p sum=0 v
  for p in "$@"; do
    v=$(awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null) || continue
    sum=$((sum + ${v:-0}))
  done
  echo "$sum"
}
hz=$(getconf CLK_TCK)

# HarperDB keeps indexing after a bulk load: let it finish first.
[ "${#targets[@]}" -gt 1 ] && wait_quiet "after the loads"

declare -A R capped # R[query:target] = "ms ..." over runs; CPU in R[cpu:query:target]
for q in $QUERIES; do
  body=$(jq -cn --arg s "${sql[$q]}" '{operation:"sql",sql:$s}')
  echo
  echo "== $q: ${sql[$q]}"
  for run in $(seq 1 "$RUNS"); do
    for t in "${targets[@]}"; do
      [ -n "${capped[$q:$t]:-}" ] && continue
      bench_load "$q $t run $run"
      pids=$(target_pids "$t"); hwm_reset $pids
      c0=$(cpu_ticks $pids)
      if line=$(bin/bench-opclient stream -url "${url[$t]}" -timeout "${CAP}s" -count "${count[$q]}" -body "$body" 2>&1 | tail -1) &&
         [[ $line == RESULT* ]]; then
        c1=$(cpu_ticks $pids)
        cpu=$(awk -v a="$c0" -v b="$c1" -v hz="$hz" 'BEGIN{printf "%.2f", (b-a)/hz}')
        echo "$q $t run $run: $line cpu_s=$cpu"
        R[$q:$t]+="$(kv "$line" total_ms) "
        R[cpu:$q:$t]+="$cpu "
        hwm_report "$q" "$t" $pids >/dev/null
        R[rss:$q:$t]=$hwm_total
      else
        echo "$q $t run $run: no answer within ${CAP}s ($line)"
        anon_stop
        capped[$q:$t]=1
        if [ "$t" = harperdb ]; then restart_harperdb; fi
      fi
    done
  done
done

median() { tr ' ' '\n' | { grep -v '^$' || true; } | sort -n | awk '{a[NR]=$1} END{ if (NR==0) print ""; else if (NR%2) print a[(NR+1)/2]; else printf "%.1f", (a[NR/2]+a[NR/2+1])/2 }'; }
echo
echo "summary (N=$N per table; median ms to the last byte over $RUNS runs; CPU = median seconds of the target's processes; RSS = peak MiB)"
printf "%-12s %12s %12s %10s %8s %8s %9s %9s\n" query hops_ms hdb_ms ratio hops_cpu hdb_cpu hops_MiB hdb_MiB
for q in $QUERIES; do
  h=$(echo "${R[$q:hops]:-}" | median); d=$(echo "${R[$q:harperdb]:-}" | median)
  hc=$(echo "${R[cpu:$q:hops]:-}" | median); dc=$(echo "${R[cpu:$q:harperdb]:-}" | median)
  [ -n "${capped[$q:hops]:-}" ] && [ -z "$h" ] && h="> ${CAP}000"
  if [ -n "${capped[$q:harperdb]:-}" ] && [ -z "$d" ]; then d="> ${CAP}000"; r=$(awk -v c="$CAP" -v h="$h" 'BEGIN{ if (h+0 > 0) printf "> %.1f", c*1000/h; else print "n/a" }')
  else r=$(ratio "$d" "$h"); fi
  printf "%-12s %12s %12s %10s %8s %8s %9s %9s\n" "$q" "$h" "${d:--}" "$r" "$hc" "${dc:--}" "${R[rss:$q:hops]:-}" "${R[rss:$q:harperdb]:--}"
done
echo "ratio: HarperDB's time / hops' time (how many times faster hops is)"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
