#!/usr/bin/env bash
# Cluster benchmark (issue 18), not a test: hops nodes on loopback, each
# its own root, routed over mutual TLS (each node trusts the others' CAs).
#   single    insert throughput of one node without clustering (loader:
#             N_TP records, BATCH per request, C clients), CPU per record;
#   userlag   add_user on A until B lists it (it then logs in there): p50/p99;
#   lag       a record inserted on A until search_by_hash finds it on B:
#             p50/p99 at idle, then under LAG_RATE records/s of other
#             inserts on A;
#   cluster   the same load as single into A of a 3-node cluster, and how
#             long until B holds every record; ratio to single;
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
#   PROFILE_DIR=/dir profiles every node process during the cluster
#   phase (the load and the followers' apply; with CPU_PER_NODE, the
#   limited pass).
#   CPU_PER_NODE=0.6 SKIP_LAG=1 SKIP_ROLL=1 SKIP_CATCHUP=1 N_TP=200000 \
#     scripts/bench/cluster.sh
#       # one machine per node, modelled: each hops node (its host and
#       # families) and the single node run in a cgroup of their own (cgroup
#       # v1 cpu controller, /sys/fs/cgroup/cpu, root only) whose quota is
#       # CPU_PER_NODE CPUs; the loader and the pollers stay outside. single
#       # and cluster each run twice, unlimited and then limited (the quota
#       # is set on the same processes), and print both ratios: the writer's
#       # rate (what the loader got from node-a) and the replicated rate (N
#       # over the time from the first insert until both followers hold
#       # every record), with each node's CPU per record (also by process:
#       # host and each family) and the share of its periods the quota
#       # throttled (near 0 while the rate is low: the machine, not the
#       # quota, held the node back). The other phases run unlimited.
#       # The groups (hops-bench-<script pid>-<name>) are removed on every
#       # exit (leftovers of a killed run at the next start).
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

go build -o bin/hops ./host/cmd/hops
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
    bin/hops run >>"$root/hops.out" 2>&1 &
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

# proc_ticks PID: utime+stime of that one process.
proc_ticks() { awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# load_into URL TABLE N: the loader's RESULT line, with CPU per record of
# the given pids (clock ticks -> us).
load_into() {
  local u=$1 t=$2 n=$3; shift 3
  op "$u" '{"operation":"create_database","database":"bench"}' >/dev/null
  op "$u" "{\"operation\":\"create_table\",\"database\":\"bench\",\"table\":\"$t\",\"primary_key\":\"id\"}" >/dev/null
  sleep 1
  local c0 c1 line
  c0=$(cpu_ticks "$@")
  line=$(bin/bench-loader -url "$u" -user $BENCH_USER -pass $BENCH_PASS -db bench -table "$t" -n "$n" -batch "$BATCH" -c "$C" | grep RESULT)
  c1=$(cpu_ticks "$@")
  echo "$line cpu_us_per_record=$(( (c1 - c0) * 1000000 / $(getconf CLK_TCK) / n ))"
}

rps_of() { sed -n 's/.* rps=\([0-9.]*\).*/\1/p' <<<"$1"; }

# profile_toggle: with PROFILE_DIR (exported to the nodes as
# HOPS_PROFILE_DIR), SIGUSR1 to every process of every cluster node: the
# first call starts their CPU profiles, the next writes them
# (docs/benchmarks.md, "Profiling").
profile_toggle() {
  [ -n "${PROFILE_DIR:-}" ] || return 0
  local n
  for n in "${names[@]}"; do
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

# tp_cluster TABLE LABEL [profile]: the single node's load into node-a's
# TABLE; how long until node-b and node-c hold every record; the writer's
# rate, the replicated rate (N_TP from the first insert until both
# followers hold them), their ratios to the single node's same-label run,
# each node's CPU per record (from before the load until both followers
# hold them) and, with CPU_PER_NODE, the share of its quota periods
# throttled.
tp_cluster() {
  local t=$1 label=$2 n cl base end_ms start_ms b c p
  declare -A cpu0 th0 fam0
  bench_load "cluster ($label)"
  for n in "${names[@]}"; do
    cpu0[$n]=$(cpu_ticks "${pid[$n]}"); th0[$n]=$(cg_throttled "$n")
    for p in $(tree_pids "${pid[$n]}"); do fam0[$p]=$(proc_ticks "$p"); done
  done
  [ "${3:-}" = profile ] && profile_toggle
  cl=$(load_into "$A" "$t" "$N_TP" "${pid[node-a]}" "${pid[node-b]}" "${pid[node-c]}")
  echo "[cluster] ($label) into node-a: $cl (CPU of all three nodes during the load)"
  base=${single:-}
  [ "$label" = unlimited ] || base=${single_q:-}
  [ -n "$base" ] && echo "[cluster] ($label) writer's rate to single: $(ratio "$(rps_of "$cl")" "$(rps_of "$base")")"
  if [ -n "$records" ]; then
    b=$(bin/bench-cluster count -url "$B" -db bench -table "$t" -want "$N_TP" -max 300s -every 100ms)
    c=$(bin/bench-cluster count -url "$Cn" -db bench -table "$t" -want "$N_TP" -max 300s -every 100ms)
    end_ms=$(date +%s%3N)
    echo "[cluster] ($label) node-b holds them: $b"
    echo "[cluster] ($label) node-c holds them: $c"
    start_ms=$(kv "$cl" start_ms)
    local rep
    rep=$(awk -v n="$N_TP" -v a="$start_ms" -v b="$end_ms" 'BEGIN{ printf "%.0f", (b > a) ? n * 1000 / (b - a) : 0 }')
    echo "[cluster] ($label) replicated rate: $rep records/s, $(( (end_ms - $(kv "$cl" end_ms)) )) ms after the load"
    [ -n "$base" ] && echo "[cluster] ($label) replicated rate to single: $(ratio "$rep" "$(rps_of "$base")")"
    local per=""
    for n in "${names[@]}"; do
      per="$per $n=$(( ($(cpu_ticks "${pid[$n]}") - ${cpu0[$n]}) * 1000000 / $(getconf CLK_TCK) / N_TP ))"
      [ -n "$CPU_PER_NODE" ] && [ "$label" != unlimited ] && per="$per(throttled $(throttled_share "${th0[$n]}" "$(cg_throttled "$n")"))"
    done
    echo "[cluster] ($label) CPU us per record until both followers hold them:$per"
    for n in "${names[@]}"; do
      per=""
      for p in $(tree_pids "${pid[$n]}"); do
        per="$per $(proc_name "$p")=$(( ($(proc_ticks "$p") - ${fam0[$p]:-0}) * 1000000 / $(getconf CLK_TCK) / N_TP ))"
      done
      echo "[cluster] ($label) $n CPU us per record by process:$per"
    done
  fi
  [ "${3:-}" = profile ] && profile_toggle
  return 0
}

if [ -z "${SKIP_HOPS:-}" ]; then
# --- single node ---------------------------------------------------------
if [ -z "${SKIP_SINGLE:-}" ]; then
bench_load single
mkdir -p "$work/single"
cg_make single
cg_run single env ROOTPATH="$work/single" HDB_ADMIN_USERNAME=$BENCH_USER HDB_ADMIN_PASSWORD=$BENCH_PASS \
  OPERATIONSAPI_NETWORK_PORT=$((BASE + 20)) LOGGING_LEVEL=warn LOGGING_STDSTREAMS=false \
  bin/hops run >"$work/single.out" 2>&1 &
single_pid=$!
bench_pids+=("$single_pid")
wait_up "http://127.0.0.1:$((BASE + 20))/"
single=$(load_into "http://127.0.0.1:$((BASE + 20))/" t "$N_TP" "$single_pid")
echo "[single] $single"
if [ -n "$CPU_PER_NODE" ]; then
  bench_load "single, $CPU_PER_NODE CPU"
  cg_limit on
  th0=$(cg_throttled single)
  single_q=$(load_into "http://127.0.0.1:$((BASE + 20))/" tq "$N_TP" "$single_pid")
  cg_limit off
  echo "[single] $CPU_PER_NODE CPU: $single_q throttled=$(throttled_share "$th0" "$(cg_throttled single)")"
fi
kill "$single_pid"; wait "$single_pid" 2>/dev/null || true
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
if [ -n "$CPU_PER_NODE" ]; then
  tp_cluster t unlimited
  cg_limit on
  tp_cluster tq "$CPU_PER_NODE CPU per node" profile
  cg_limit off
else
  tp_cluster t unlimited profile
fi
fi

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
