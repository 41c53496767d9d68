#!/usr/bin/env bash
# Cluster benchmark (issue 18), not a test: hops nodes on loopback, each
# its own root, routed over mutual TLS (each node trusts the others' CAs).
#   throughput  REPEAT rounds, each: single, then cluster, then (with
#             SPREAD) spread, each into a table of its own (below);
#   userlag   add_user on A until B lists it (it then logs in there): p50/p99;
#   lag       a record inserted on A until search_by_hash finds it on B:
#             p50/p99 at idle, then under LAG_RATE records/s of other
#             inserts on A;
#   roll      restart_service http_workers with replicated: true started on
#             A under a client load on all three nodes (two clients each,
#             insert + search_by_hash): failed requests, each node's
#             restart time; then restart (whole instance) the same way;
#   catchup   C stopped, N_CATCH records inserted on A, C started: time
#             until C holds them all.
# The record phases need records replication; without it they print
# "skipped" and the others still run. With HDB_DIR (an npm install of
# HarperDB 4.7.29) it then tries a 2-node HarperDB cluster on loopback
# (replication.routes) for the lag and the rolling restart beside hops.
# Every figure is printed beside the load average. Processes started here
# are stopped on exit (by pid); the roots are removed.
#
#   scripts/bench/cluster.sh
#   N_TP=100000 N_CATCH=200000 scripts/bench/cluster.sh     # shorter
#   SKIP_HOPS=1 HDB_DIR=/work/hdb scripts/bench/cluster.sh   # HarperDB only
#   SKIP_LAG=1 SKIP_ROLL=1 scripts/bench/cluster.sh   # throughput, catch-up
#   SKIP_SINGLE=1 SKIP_TP=1 SKIP_CATCHUP=1 SKIP_RECLAG=1 scripts/bench/cluster.sh
#       # users (USER_N samples) and the rolling restarts (ROLL_N times) only
#   NODE_LOG_LEVEL=info KEEP_LOGS=/dir: the cluster nodes log at that
#   level, and their log files are copied to /dir at exit (a roll's phases
#   by timestamp).
#   PROFILE_DIR=/dir profiles every process of the single node and of
#   the three cluster nodes during the first round's single and cluster
#   runs (with CPU_PER_NODE, the limited pass).
#   HOPS_BIN=/path/to/hops runs that binary instead of building bin/hops
#   (A/B runs of two builds with the same script).
#
# Throughput, the insert rate of a 3-node cluster against a single node
# (issue 18, goal >= 0.7x). The single node (no clustering) and the
# three nodes run side by side for the whole phase; the same loader
# (N_TP records, BATCH per request, C clients, bodies built before the
# clock starts) loads one side at a time, and the sides alternate:
#   warm-up   with WARMUP > 0, WARMUP records into the single node and
#             into node-a (until both followers hold them), untimed: the
#             stores' first growth and the processes' first heap growth
#             fall outside the rounds, the same on both sides;
#   round r   SETTLE seconds (default 2) after the table is made, the
#             single node's run (CPU per record of its processes from
#             the load's start to its end); then the same into node-a
#             of the cluster: the writer's rate (what the loader got
#             from node-a) and the replicated rate (N_TP over the time
#             from the first insert until both followers hold every
#             record), each node's CPU per record from before the load
#             until both followers hold them; with SPREAD=1, the same
#             N_TP split in three and loaded into the three nodes at
#             the same instant (three loaders, C clients each, ids
#             apart; each node is a writer for its third and a follower
#             for the others'): the cluster-wide rate, N_TP over the
#             time from the first insert until every node holds every
#             record; with CPU_PER_NODE also the quota-bound rate,
#             CPU_PER_NODE over the busiest node's CPU per record (the
#             rate if each node had its whole quota: three loaders and
#             three nodes may fill the two cores first). Each round
#             prints its ratios to that round's single run; the summary
#             prints every round's ratio and their median, and the
#             single node's and node-a's CPU per record round by round.
# Every table of a round is new, so in round r both sides write into a
# store that already holds WARMUP + (r-1) x N_TP records of theirs. CPU
# per record is read from /proc (utime+stime, also split: u user, s
# system, f minor faults per 1000 records) for each process; each run
# prints the whole machine's busy and stolen shares over it (what else
# ran on the two cores). Before the rounds each side's idle CPU is
# printed: what one side spends while the other is measured.
#
#   CPU_PER_NODE=0.6 N_TP=200000 REPEAT=5 WARMUP=50000 SPREAD=1 \
#     SKIP_LAG=1 SKIP_ROLL=1 SKIP_CATCHUP=1 scripts/bench/cluster.sh
#       # one machine per node, modelled: each hops node (its host and
#       # families) and the single node run in a cgroup of their own (cgroup
#       # v1 cpu controller, /sys/fs/cgroup/cpu, root only) whose quota is
#       # CPU_PER_NODE CPUs; the loaders and the pollers stay outside. The
#       # rounds run with the quota (UNLIMITED=1 runs them first without
#       # it, on the same processes), and every node's line carries the
#       # share of its periods the quota throttled (near 0 while the rate
#       # is low: the machine, not the quota, held the node back). The
#       # other phases run unlimited. The groups (hops-bench-<script
#       # pid>-<name>) are removed on every exit (leftovers of a killed run
#       # at the next start).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
N_TP=${N_TP:-200000}
N_CATCH=${N_CATCH:-1000000}
BATCH=${BATCH:-1000}
C=${C:-2}
LAG_N=${LAG_N:-200}
LAG_RATE=${LAG_RATE:-10000}
USER_N=${USER_N:-50}
REPEAT=${REPEAT:-1}
WARMUP=${WARMUP:-0}
SETTLE=${SETTLE:-2}
BASE=${BASE:-$((21000 + RANDOM % 15000))}
OUT=${OUT:-scripts/bench/results}
mkdir -p "$OUT" bin
exec > >(tee "$OUT/cluster.txt") 2>&1
work=$(mktemp -d /tmp/hops-cluster-bench.XXXXXX)
hdb_works=()
cleanup() {
  local w n
  if [ -n "${KEEP_LOGS:-}" ]; then
    mkdir -p "$KEEP_LOGS"
    for n in node-a node-b node-c; do
      [ -d "$work/$n" ] && find "$work/$n" -name '*.log' -exec sh -c 'cp "$1" "$2/$3-$(basename "$1")"' _ {} "$KEEP_LOGS" "$n" \;
    done
  fi
  for w in "${hdb_works[@]}"; do scripts/bench/harperdb.sh stop "$w" || true; done
  bench_cleanup
  cg_cleanup
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# --- CPU_PER_NODE: cgroups with a CPU quota, one per node -------------------
CPU_PER_NODE=${CPU_PER_NODE:-}
cg_base=/sys/fs/cgroup/cpu
# cg_period is the quota's period (the kernel's default, 100 ms).
cg_period=100000
cg_dirs=()
cg_quota=

# cg_remove DIR: empties the group (its processes, ours, are killed if
# still there after 3 s) and removes it; 6 s at most.
cg_remove() {
  local d=$1 p i
  for i in $(seq 1 60); do
    [ -d "$d" ] || return 0
    if [ -z "$(cat "$d/cgroup.procs" 2>/dev/null)" ]; then
      rmdir "$d" 2>/dev/null && return 0
    fi
    if [ "$i" -ge 30 ]; then
      for p in $(cat "$d/cgroup.procs" 2>/dev/null); do
        if [ "$i" -lt 50 ]; then kill -KILL "$p" 2>/dev/null || true
        else echo "$p" >"$cg_base/cgroup.procs" 2>/dev/null || true; fi
      done
    fi
    sleep 0.1
  done
  echo "cgroup $d not removed"
}

# cg_cleanup removes this run's groups.
cg_cleanup() {
  local d
  for d in "${cg_dirs[@]}"; do cg_remove "$d"; done
  cg_dirs=()
}

# cg_sweep removes groups left by runs whose script is gone (killed -9).
cg_sweep() {
  local d p
  for d in "$cg_base"/hops-bench-*; do
    [ -d "$d" ] || continue
    p=${d##*/hops-bench-}; p=${p%%-*}
    kill -0 "$p" 2>/dev/null || cg_remove "$d"
  done
}

if [ -n "$CPU_PER_NODE" ]; then
  [ -w "$cg_base/cgroup.procs" ] || { echo "CPU_PER_NODE needs cgroup v1's cpu controller, writable, at $cg_base (root)"; exit 2; }
  cg_quota=$(awk -v c="$CPU_PER_NODE" -v p=$cg_period 'BEGIN{ q=int(c*p); if (q < 1000) exit 1; print q }') ||
    { echo "CPU_PER_NODE=$CPU_PER_NODE: give a number of CPUs, at least 0.01"; exit 2; }
  cg_sweep
fi

# cg_run NAME CMD...: runs CMD (exec, so $! is its pid) in the group NAME,
# made unlimited, when CPU_PER_NODE is set; else runs it as it is. The
# process's children (a hops host's families) start in its group.
cg_run() {
  local name=$1; shift
  [ -n "$CPU_PER_NODE" ] || exec "$@"
  exec sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$cg_base/hops-bench-$$-$name" "$@"
}

# cg_make NAME makes the group NAME, unlimited (cg_limit sets the quota).
cg_make() {
  [ -n "$CPU_PER_NODE" ] || return 0
  local d=$cg_base/hops-bench-$$-$1
  [ -d "$d" ] && return 0
  mkdir "$d"
  cg_dirs+=("$d")
  echo $cg_period >"$d/cpu.cfs_period_us"
  echo -1 >"$d/cpu.cfs_quota_us"
}

# cg_limit on|off sets every group's quota to CPU_PER_NODE, or none.
cg_limit() {
  local d q=-1
  [ "$1" = on ] && q=$cg_quota
  for d in "${cg_dirs[@]}"; do echo "$q" >"$d/cpu.cfs_quota_us"; done
}

# cg_throttled NAME: "<periods throttled> <periods> <throttled ns>" of the
# group so far (cpu.stat).
cg_throttled() {
  awk '/^nr_periods/{p=$2} /^nr_throttled/{t=$2} /^throttled_time/{n=$2} END{print t+0, p+0, n+0}' \
    "$cg_base/hops-bench-$$-$1/cpu.stat" 2>/dev/null || echo "0 0 0"
}

if [ -n "${HOPS_BIN:-}" ]; then
  [ -x "$HOPS_BIN" ] || { echo "HOPS_BIN=$HOPS_BIN: not an executable"; exit 2; }
  cp "$HOPS_BIN" "$work/hops"
  hops=$work/hops
else
  go build -o bin/hops ./host/cmd/hops
  hops=bin/hops
fi
go build -o bin/bench-loader ./scripts/bench/loader
go build -o bin/bench-cluster ./scripts/bench/clusterbench
bench_machine

names=(node-a node-b node-c)
declare -A http cport pid
for i in 0 1 2; do
  http[${names[$i]}]=$((BASE + i))
  cport[${names[$i]}]=$((BASE + 10 + i))
done
url() { echo "http://127.0.0.1:${http[$1]}/"; }

# node_config NAME: TLS cluster port on loopback, a route to every other.
node_config() {
  local n=$1 o
  echo "replication:"
  echo "  hostname: $n"
  echo "  securePort: ${cport[$n]}"
  echo "  databases: \"*\""
  echo "  routes:"
  for o in "${names[@]}"; do [ "$o" = "$n" ] || echo "    - 127.0.0.1:${cport[$o]}"; done
  echo "families:"
  echo "  clustering:"
  echo "    host: 127.0.0.1"
}

# start_node NAME: hops for NAME under $work/NAME (config written once).
start_node() {
  local n=$1 root=$work/$1
  mkdir -p "$root"
  [ -f "$root/hops-config.yaml" ] || node_config "$n" >"$root/hops-config.yaml"
  cg_make "$n"
  cg_run "$n" env ROOTPATH="$root" HDB_ADMIN_USERNAME=$BENCH_USER HDB_ADMIN_PASSWORD=$BENCH_PASS \
    OPERATIONSAPI_NETWORK_PORT="${http[$n]}" LOGGING_LEVEL="${NODE_LOG_LEVEL:-warn}" LOGGING_STDSTREAMS=false \
    "$hops" run >>"$root/hops.out" 2>&1 &
  pid[$n]=$!
  bench_pids+=("${pid[$n]}")
  wait_up "$(url "$n")"
}

stop_node() {
  local n=$1
  kill "${pid[$n]}"
  wait "${pid[$n]}" 2>/dev/null || true
}

# wait_job URL ID: until the job ends; prints its status.
wait_job() {
  local s
  for _ in $(seq 1 600); do
    s=$(op "$1" "{\"operation\":\"get_job\",\"id\":\"$2\"}" | jq -r '.[0].status // empty')
    [ "$s" = COMPLETE ] || [ "$s" = ERROR ] && { echo "$s"; return; }
    sleep 0.1
  done
  echo TIMEOUT
}

# cpu_ticks PIDS...: utime+stime of the processes and their children.
cpu_ticks() {
  local t=0 p q
  for p in "$@"; do
    for q in $(tree_pids "$p"); do
      t=$((t + $(awk '{print $14+$15}' "/proc/$q/stat" 2>/dev/null || echo 0)))
    done
  done
  echo "$t"
}


# --- counters ---------------------------------------------------------------
CLK=$(getconf CLK_TCK)

# pstat PID: "utime stime minflt" of one process (clock ticks; faults).
pstat() { awk '{print $14, $15, $10}' "/proc/$1/stat" 2>/dev/null || echo "0 0 0"; }

# snap KEY ROOT...: remembers pstat of every process under each ROOT.
declare -A snapv
snap() {
  local k=$1 r q; shift
  for r in "$@"; do for q in $(tree_pids "$r"); do snapv[$k:$q]=$(pstat "$q"); done; done
}

# by_process KEY N ROOT: since snap KEY, sets bp_line to each process
# under ROOT as name=<us per record>(u<user> s<system> f<minor faults per
# 1000 records>) and node_us to the tree's sum (one decimal).
by_process() {
  local k=$1 n=$2 r=$3 q out="" a b us line
  node_us=0
  for q in $(tree_pids "$r"); do
    a=${snapv[$k:$q]:-0 0 0}; b=$(pstat "$q")
    read -r us line < <(awk -v a="$a" -v b="$b" -v n="$n" -v clk="$CLK" 'BEGIN{ split(a, x, " "); split(b, y, " ");
      u = (y[1] - x[1]) * 1e6 / clk / n; s = (y[2] - x[2]) * 1e6 / clk / n; f = (y[3] - x[3]) * 1000 / n;
      printf "%.2f %.1f(u%.1f s%.1f f%.1f)\n", u + s, u + s, u, s, f }')
    # Processes that spent under 0.3 us per record (the idle families) are
    # left out of the line, not of the sum.
    awk -v u="$us" 'BEGIN{ exit !(u >= 0.3) }' && out="$out $(proc_name "$q")=$line"
    node_us=$(awk -v a="$node_us" -v b="$us" 'BEGIN{ printf "%.1f", a + b }')
  done
  bp_line=$out
}

# mstat: "busy total steal" jiffies of the whole machine (/proc/stat).
mstat() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9, $9}' /proc/stat; }

# mshare A B: the machine's busy and stolen shares between two mstat
# readings (of its 2 cores' time).
mshare() {
  awk -v a="$1" -v b="$2" 'BEGIN{ split(a, x, " "); split(b, y, " "); t = y[2] - x[2]; if (t <= 0) t = 1;
    printf "machine busy %.0f%% steal %.1f%%", 100 * (y[1] - x[1]) / t, 100 * (y[3] - x[3]) / t }'
}

# mktable URL TABLE creates bench.TABLE (and the database) on that node.
mktable() {
  op "$1" '{"operation":"create_database","database":"bench"}' >/dev/null
  op "$1" "{\"operation\":\"create_table\",\"database\":\"bench\",\"table\":\"$2\",\"primary_key\":\"id\"}" >/dev/null
}

# load URL TABLE N START AT: the loader's RESULT line (N records from id
# START; AT: Unix ms to start at, 0 at once).
load() {
  bin/bench-loader -url "$1" -user $BENCH_USER -pass $BENCH_PASS -db bench -table "$2" -n "$3" -start "$4" \
    -at "$5" -batch "$BATCH" -c "$C" | grep RESULT
}

rps_of() { sed -n 's/.* rps=\([0-9.]*\).*/\1/p' <<<"$1"; }

# median X...: the median of the numbers (two decimals; "n/a" if none).
median() {
  [ $# -gt 0 ] || { echo n/a; return; }
  printf '%s\n' "$@" | grep -v 'n/a' | sort -g | awk '{ a[NR] = $1 } END{ if (NR == 0) print "n/a";
    else if (NR % 2) printf "%.2f\n", a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# profile_toggle NAME...: with PROFILE_DIR (exported to the nodes as
# HOPS_PROFILE_DIR), SIGUSR1 to every process of the named nodes (node-a..c,
# single): the first call starts their CPU profiles, the next writes them
# (docs/benchmarks.md, "Profiling").
profile_toggle() {
  [ -n "${PROFILE_DIR:-}" ] || return 0
  local n
  for n in "$@"; do
    echo "[profile] $n: $(for p in $(tree_pids "${pid[$n]}"); do printf '%s=%s ' "$(proc_name "$p")" "$p"; done)"
    kill -USR1 $(tree_pids "${pid[$n]}") 2>/dev/null || true
  done
}
if [ -n "${PROFILE_DIR:-}" ]; then mkdir -p "$PROFILE_DIR"; export HOPS_PROFILE_DIR=$PROFILE_DIR; fi

# throttled_share "T0 P0 N0" "T1 P1 N1" (two cg_throttled readings): the
# share of the quota's periods in which the group was throttled.
throttled_share() {
  awk -v a="$1" -v b="$2" 'BEGIN{ split(a, x, " "); split(b, y, " "); p = y[2] - x[2];
    printf "%.2f", (p > 0) ? (y[1] - x[1]) / p : 0 }'
}

# limited is set while the groups have their quota (throttled shares are
# printed then).
limited=

# run_single LABEL TABLE [profile]: N_TP records into the single node's
# TABLE; sets single_rps and single_us (CPU per record of its processes
# from the load's start to its end).
run_single() {
  local label=$1 t=$2 th m0 line
  bench_load "single ($label)"
  mktable "$S" "$t"
  sleep "$SETTLE"
  snap s "$single_pid"; th=$(cg_throttled single); m0=$(mstat)
  [ "${3:-}" = profile ] && profile_toggle single
  line=$(load "$S" "$t" "$N_TP" 0 0)
  [ "${3:-}" = profile ] && profile_toggle single
  single_rps=$(rps_of "$line")
  echo "[single] ($label) $line $(mshare "$m0" "$(mstat)")"
  by_process s "$N_TP" "$single_pid"
  single_us=$node_us
  echo "[single] ($label) CPU us per record: $single_us${limited:+ (throttled $(throttled_share "$th" "$(cg_throttled single)"))}; by process:$bp_line"
}

# run_cluster LABEL TABLE [profile]: the same load into node-a's TABLE; how
# long until node-b and node-c hold every record; sets w_rps (the
# writer's rate, what the loader got from node-a), rep_rps (the
# replicated rate: N_TP from the first insert until both followers hold
# them) and a_us; prints each node's CPU per record from before the load
# until both followers hold them, by process, and its throttled share.
run_cluster() {
  local label=$1 t=$2 n cl end_ms b c th m0 line
  declare -A thc
  bench_load "cluster ($label)"
  mktable "$A" "$t"
  sleep "$SETTLE"
  for n in "${names[@]}"; do snap "c$n" "${pid[$n]}"; thc[$n]=$(cg_throttled "$n"); done
  m0=$(mstat)
  [ "${3:-}" = profile ] && profile_toggle "${names[@]}"
  cl=$(load "$A" "$t" "$N_TP" 0 0)
  w_rps=$(rps_of "$cl"); rep_rps=
  echo "[cluster] ($label) into node-a: $cl"
  if [ -n "$records" ]; then
    b=$(bin/bench-cluster count -url "$B" -db bench -table "$t" -want "$N_TP" -max 300s -every 100ms)
    c=$(bin/bench-cluster count -url "$Cn" -db bench -table "$t" -want "$N_TP" -max 300s -every 100ms)
    end_ms=$(date +%s%3N)
    echo "[cluster] ($label) node-b: $b; node-c: $c"
    rep_rps=$(awk -v n="$N_TP" -v a="$(kv "$cl" start_ms)" -v b="$end_ms" 'BEGIN{ printf "%.0f", (b > a) ? n * 1000 / (b - a) : 0 }')
    echo "[cluster] ($label) replicated rate: $rep_rps records/s, $((end_ms - $(kv "$cl" end_ms))) ms after the load; $(mshare "$m0" "$(mstat)")"
  fi
  [ "${3:-}" = profile ] && profile_toggle "${names[@]}"
  for n in "${names[@]}"; do
    by_process "c$n" "$N_TP" "${pid[$n]}"
    [ "$n" = node-a ] && a_us=$node_us
    echo "[cluster] ($label) $n CPU us per record: $node_us${limited:+ (throttled $(throttled_share "${thc[$n]}" "$(cg_throttled "$n")"))}; by process:$bp_line"
  done
}

# run_spread LABEL TABLE: the same N_TP records split in three, each third
# loaded into a different node at the same instant (its own loader, C
# clients, ids apart); sets spread_rps: N_TP from the first insert until
# every node holds every record.
run_spread() {
  local label=$1 t=$2 n i at per lines=() end_ms first th m0 line
  declare -A thc
  bench_load "spread ($label)"
  mktable "$A" "$t"
  for n in "$B" "$Cn"; do bin/bench-cluster count -url "$n" -db bench -table "$t" -want 0 -max 60s -every 100ms >/dev/null; done
  sleep "$SETTLE"
  for n in "${names[@]}"; do snap "p$n" "${pid[$n]}"; thc[$n]=$(cg_throttled "$n"); done
  m0=$(mstat)
  per=$((N_TP / 3))
  at=$(($(date +%s%3N) + 3000))
  local lp=()
  for i in 0 1 2; do
    n=${names[$i]}
    load "$(url "$n")" "$t" "$([ "$i" = 2 ] && echo $((N_TP - 2 * per)) || echo "$per")" $((i * per)) "$at" >"$work/spread-$n" &
    lp+=($!)
    bench_pids+=($!)
  done
  for i in "${lp[@]}"; do wait "$i" || true; done
  for n in "${names[@]}"; do
    bin/bench-cluster count -url "$(url "$n")" -db bench -table "$t" -want "$N_TP" -max 300s -every 100ms >"$work/count-$n"
  done
  end_ms=$(date +%s%3N)
  first=
  for n in "${names[@]}"; do
    line=$(cat "$work/spread-$n")
    echo "[spread] ($label) into $n: $line; holds all: $(cat "$work/count-$n")"
    i=$(kv "$line" start_ms)
    [ -n "$i" ] && { [ -z "$first" ] || [ "$i" -lt "$first" ]; } && first=$i
  done
  spread_rps=$(awk -v n="$N_TP" -v a="${first:-0}" -v b="$end_ms" 'BEGIN{ printf "%.0f", (a > 0 && b > a) ? n * 1000 / (b - a) : 0 }')
  echo "[spread] ($label) cluster-wide rate: $spread_rps records/s (from the first insert until every node holds all); $(mshare "$m0" "$(mstat)")"
  local most=0
  for n in "${names[@]}"; do
    by_process "p$n" "$N_TP" "${pid[$n]}"
    echo "[spread] ($label) $n CPU us per record (of all N_TP): $node_us${limited:+ (throttled $(throttled_share "${thc[$n]}" "$(cg_throttled "$n")"))}; by process:$bp_line"
    most=$(awk -v a="$most" -v b="$node_us" 'BEGIN{ print (b > a) ? b : a }')
  done
  # With a quota, the rate the nodes' CPU per record allows when each has
  # its whole quota (a node throttled well under 1 above was held back by
  # the two shared cores, loaders included): a model, printed beside the
  # measured rate, never instead of it.
  spread_bound=
  if [ -n "$limited" ]; then
    spread_bound=$(awk -v c="$CPU_PER_NODE" -v u="$most" 'BEGIN{ printf "%.0f", (u > 0) ? c * 1e6 / u : 0 }')
    echo "[spread] ($label) quota-bound rate: $spread_bound records/s ($CPU_PER_NODE CPU over the busiest node's $most us per record)"
  fi
}

# rounds LABEL TAG [profile]: WARMUP records into each side untimed, then
# REPEAT rounds of single, cluster (and, with SPREAD, spread), each into
# tables of its own; each round's ratios, then their medians.
rounds() {
  local label=$1 tag=$2 r wr=() rr=() sr=() su=() au=() s1 s2 s3
  if [ "${WARMUP:-0}" -gt 0 ]; then
    bench_load "warm-up ($label)"
    if [ -n "${single_pid:-}" ]; then
      mktable "$S" "w$tag"
      echo "[warm-up] ($label) single: $(load "$S" "w$tag" "$WARMUP" 0 0)"
    fi
    mktable "$A" "w$tag"
    echo "[warm-up] ($label) node-a: $(load "$A" "w$tag" "$WARMUP" 0 0)"
    if [ -n "$records" ]; then
      for n in "$B" "$Cn"; do bin/bench-cluster count -url "$n" -db bench -table "w$tag" -want "$WARMUP" -max 300s -every 100ms >/dev/null; done
    fi
  fi
  for r in $(seq 1 "$REPEAT"); do
    local prof=
    [ "$r" = 1 ] && [ "${3:-}" = profile ] && prof=profile
    single_rps=; single_us=; spread_rps=; spread_bound=
    [ -n "${single_pid:-}" ] && run_single "$label, round $r" "s$tag$r" $prof
    run_cluster "$label, round $r" "c$tag$r" $prof
    [ -n "${SPREAD:-}" ] && [ -n "$records" ] && run_spread "$label, round $r" "p$tag$r"
    s1=$(ratio "$w_rps" "$single_rps"); s2=$(ratio "${rep_rps:-0}" "$single_rps"); s3=$(ratio "${spread_rps:-0}" "$single_rps")
    wr+=("$s1"); rr+=("$s2"); [ -n "${SPREAD:-}" ] && sr+=("$s3")
    su+=("${single_us:-n/a}"); au+=("$a_us")
    echo "[round $r] ($label) single ${single_rps:-n/a} records/s (${single_us:-n/a} us); writer ${w_rps} (${s1}x); replicated ${rep_rps:-n/a} (${s2}x)${SPREAD:+; spread ${spread_rps:-n/a} (${s3}x)${spread_bound:+, quota-bound $(ratio "$spread_bound" "$single_rps")x}}; node-a ${a_us} us per record"
  done
  echo "[summary] ($label) $REPEAT rounds: writer's ratio ${wr[*]} -> median $(median "${wr[@]}")x; replicated ${rr[*]} -> median $(median "${rr[@]}")x${SPREAD:+; spread ${sr[*]} -> median $(median "${sr[@]}")x}"
  echo "[summary] ($label) CPU us per record: single ${su[*]} (median $(median "${su[@]}")); node-a ${au[*]} (median $(median "${au[@]}"))"
}

if [ -z "${SKIP_HOPS:-}" ]; then
# --- single node (kept up beside the cluster; the rounds alternate) --------
S=
single_pid=
if [ -z "${SKIP_SINGLE:-}" ] && [ -z "${SKIP_TP:-}" ]; then
  mkdir -p "$work/single"
  cg_make single
  cg_run single env ROOTPATH="$work/single" HDB_ADMIN_USERNAME=$BENCH_USER HDB_ADMIN_PASSWORD=$BENCH_PASS \
    OPERATIONSAPI_NETWORK_PORT=$((BASE + 20)) LOGGING_LEVEL=warn LOGGING_STDSTREAMS=false \
    "$hops" run >"$work/single.out" 2>&1 &
  single_pid=$!
  pid[single]=$single_pid
  bench_pids+=("$single_pid")
  S="http://127.0.0.1:$((BASE + 20))/"
  wait_up "$S"
fi

# --- the cluster -----------------------------------------------------------
for n in "${names[@]}"; do start_node "$n"; done
for n in "${names[@]}"; do
  for o in "${names[@]}"; do
    [ "$o" = "$n" ] && continue
    ca=$(op "$(url "$o")" '{"operation":"list_certificates"}' | jq -c '[.[] | select(.is_authority)][0].certificate')
    op "$(url "$n")" "{\"operation\":\"add_certificate\",\"name\":\"ca-$o\",\"is_authority\":true,\"certificate\":$ca}" >/dev/null
  done
  id=$(op "$(url "$n")" '{"operation":"restart_service","service":"clustering_config"}' | jq -r .job_id)
  wait_job "$(url "$n")" "$id" >/dev/null
done
t0=$(date +%s.%N)
for _ in $(seq 1 600); do
  ok=0
  for n in "${names[@]}"; do
    c=$(op "$(url "$n")" '{"operation":"cluster_status"}' | jq '[.connections[] | select(.database_sockets[0].connected)] | length')
    [ "$c" = 2 ] && ok=$((ok + 1))
  done
  [ "$ok" = 3 ] && break
  sleep 0.1
done
echo "[cluster] 3 nodes connected $(echo "$(date +%s.%N) - $t0" | bc)s after the last trust (connected: $ok of 3)"

A=$(url node-a); B=$(url node-b); Cn=$(url node-c)
[ -n "${SKIP_LAG:-}" ] && LAG_N=1
if [ -z "${SKIP_LAG:-}" ]; then
  bench_load userlag
  bin/bench-cluster userlag -a "$A" -b "$B" -n "$USER_N" | grep -E 'RESULT|sample|cannot|not reached'
  bench_load droplag
  bin/bench-cluster droplag -a "$A" -b "$B" -n "$USER_N" | grep -E 'RESULT|sample|accepted|cannot|not reached'
fi
[ -n "${SKIP_RECLAG:-}" ] && LAG_N=1
bench_load "lag idle"
lag=$(bin/bench-cluster lag -a "$A" -b "$B" -n "$LAG_N" -rate 0 | grep RESULT)
echo "$lag"
records=1
grep -q skipped <<<"$lag" && records=
if [ -n "$records" ] && [ -z "${SKIP_LAG:-}" ] && [ -z "${SKIP_RECLAG:-}" ]; then
  bench_load "lag under load"
  bin/bench-cluster lag -a "$A" -b "$B" -n "$LAG_N" -rate "$LAG_RATE" | grep RESULT
fi

if [ -z "${SKIP_TP:-}" ]; then
  # What each side spends idle while the other one is measured.
  idle_s=5
  snap idle ${single_pid:+"$single_pid"} "${pid[node-a]}" "${pid[node-b]}" "${pid[node-c]}"
  sleep "$idle_s"
  idle_line=""
  for n in ${single_pid:+single} "${names[@]}"; do
    by_process idle $((idle_s * 10000)) "${pid[$n]}"
    idle_line="$idle_line $n=$node_us%"
  done
  echo "[idle] CPU of each node over ${idle_s}s idle (share of one CPU):$idle_line"
  if [ -z "$CPU_PER_NODE" ]; then
    rounds unlimited u profile
  else
    [ -n "${UNLIMITED:-}" ] && rounds unlimited u
    cg_limit on; limited=1
    rounds "$CPU_PER_NODE CPU per node" q profile
    cg_limit off; limited=
  fi
fi
if [ -n "$single_pid" ]; then kill "$single_pid"; wait "$single_pid" 2>/dev/null || true; fi

if [ -z "${SKIP_ROLL:-}" ]; then
  for _ in $(seq 1 "${ROLL_N:-1}"); do
    bench_load "roll http_workers"
    bin/bench-cluster roll -coord "$A" -nodes "$A,$B,$Cn" -service http_workers | grep -E 'RESULT|failure|message'
    bench_load "roll instance"
    bin/bench-cluster roll -coord "$A" -nodes "$A,$B,$Cn" -service instance | grep -E 'RESULT|failure|message'
  done
fi

if [ -n "${SKIP_CATCHUP:-}" ]; then
  echo "[catchup] skipped: SKIP_CATCHUP"
elif [ -z "$records" ]; then
  echo "[catchup] skipped: records do not replicate on this build"
else
bench_load catchup
op "$A" '{"operation":"create_table","database":"bench","table":"catch","primary_key":"id"}' >/dev/null
sleep 2
stop_node node-c
bin/bench-loader -url "$A" -user $BENCH_USER -pass $BENCH_PASS -db bench -table catch -n "$N_CATCH" -batch 10000 -c "$C" | grep RESULT | sed 's/^/[catchup] into node-a while node-c is down: /'
bin/bench-cluster count -url "$B" -db bench -table catch -want "$N_CATCH" -max 900s | sed 's/^/[catchup] node-b (up all along) after the load: /'
bench_load "catchup node-c"
t0=$(date +%s.%N)
start_node node-c
c0=$(cpu_ticks "${pid[node-c]}")
bin/bench-cluster count -url "$Cn" -db bench -table catch -want "$N_CATCH" -max 900s -every 1s | sed 's/^/[catchup] node-c after it answers: /'
echo "[catchup] node-c: $(echo "$(date +%s.%N) - $t0" | bc)s from its start; $(( ($(cpu_ticks "${pid[node-c]}") - c0) * 1000000 / $(getconf CLK_TCK) / N_CATCH )) us CPU per record applied (after it answered)"
fi
for n in "${names[@]}"; do stop_node "$n"; done
fi

# --- HarperDB 4.7.29: two nodes on one machine -------------------------------
# Node names are their replication hostnames, so the two nodes are
# 127.0.0.1 and 127.0.0.2 (both loopback); replication over wss on
# securePort with HarperDB's generated certificates, joined by add_node
# (verify_tls false: the certificates are self-signed; authorization: the
# other node signs this one's certificate).
[ -n "${HDB_DIR:-}" ] || { echo "[harperdb] skipped: HDB_DIR not set"; exit 0; }
wait_quiet harperdb
hdb_url() { echo "http://127.0.0.1:$((BASE + 100 * $1))/"; }
for i in 1 2; do
  p=$((BASE + 100 * i)); w=$work/hdb$i
  mkdir -p "$w/home"
  ( cd "$HDB_DIR" && HOME=$w/home TC_AGREEMENT=yes HDB_ADMIN_USERNAME=admin HDB_ADMIN_PASSWORD=password \
    ROOTPATH=$w/hdb DEFAULTS_MODE=prod NODE_HOSTNAME=127.0.0.$i REPLICATION_HOSTNAME=127.0.0.$i \
    HARPER_SET_CONFIG="{\"operationsApi\":{\"network\":{\"port\":$p}},\"http\":{\"port\":$((p+1))},\"mqtt\":{\"network\":{\"port\":$((p+11958)),\"securePort\":$((p+18958))}},\"replication\":{\"hostname\":\"127.0.0.$i\",\"securePort\":$((p+5))},\"authentication\":{\"authorizeLocal\":false},\"logging\":{\"level\":\"warn\"}}" \
    npx harperdb run >"$w/harperdb.out" 2>&1 </dev/null & echo $! >"$w/pid" )
  hdb_works+=("$w")
done
# A first start installs HarperDB first: give it three minutes.
for i in 1 2; do
  for _ in $(seq 1 6); do wait_up "$(hdb_url $i)" >/dev/null 2>&1 && break; done
  wait_up "$(hdb_url $i)"
done
H1=$(hdb_url 1); H2=$(hdb_url 2)
op "$H1" "{\"operation\":\"add_node\",\"url\":\"wss://127.0.0.2:$((BASE + 205))\",\"verify_tls\":false,\"authorization\":\"$BENCH_AUTH\"}"; echo
sleep 10
bench_load "harperdb lag idle"
bin/bench-cluster lag -a "$H1" -b "$H2" -n "$LAG_N" -rate 0 | grep RESULT | sed 's/^/[harperdb] /'
bench_load "harperdb lag under load"
bin/bench-cluster lag -a "$H1" -b "$H2" -n "$LAG_N" -rate "$LAG_RATE" | grep RESULT | sed 's/^/[harperdb] /'
bench_load "harperdb roll"
bin/bench-cluster roll -coord "$H1" -nodes "$H1,$H2" -service http_workers -max "${HDB_ROLL_MAX:-180s}" | grep -E 'RESULT|failure|message|within' | sed 's/^/[harperdb] /'
op "$H2" '{"operation":"search_jobs_by_start_date","from_date":"2026-01-01T00:00:00Z","to_date":"2099-01-01T00:00:00Z"}' | jq -c '.[] | {type, status, start_datetime, end_datetime}' | sed 's/^/[harperdb] node 2 job: /'
bench_load end
