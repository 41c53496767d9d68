#!/usr/bin/env bash
# Every operation path of issue 17, hops beside HarperDB 4.7.29 in one run.
#
#   HDB_DIR=/work/hdb scripts/bench/paths.sh                # everything
#   HDB_DIR=/work/hdb PATHS="certs config" scripts/bench/paths.sh
#   PATHS="memory cold" IDLE=3600 scripts/bench/paths.sh   # hops only
#
# Paths (PATHS, space-separated, default all of them, in this order):
#   cold    cold start: time from exec of `hops run` to the first 200 answer
#           of get_status (scripts/bench/opclient cold), on an empty root
#           once, then COLD_RUNS times on that root; median of those, and
#           the CPU the host and families used up to that answer; then the
#           same to the first 200 of GET /ready (every family started:
#           hops answers while its families start). With COLD_BINS, each
#           run starts every binary listed in turn (old and new builds
#           alternating, each on a root of its own) and each gets its
#           medians; the load average is printed beside every start.
#   memory  a fresh hops: PSS of the host and of each family process
#           (/proc/<pid>/smaps_rollup) SETTLE seconds after it answers, and
#           again after IDLE more seconds of idleness; then it stops.
#   certs   list_certificates            } wrk, THREADS thread(s), CONNS
#   status  get_status by id, and the    } connections, RUNS runs of
#           floor (scripts/bench/floor)  } DURATION each, alternating hops,
#   config  get_configuration            } floor and HarperDB run by run;
#   hash    search_by_hash of HASH_IDS   } the median run is reported.
#           ids, every attribute, from the HASH_N-record table: REPEAT calls
#           in a row (opclient repeat, p50 ms), RUNS times alternating.
#           With HASH_BASE (a hops binary, e.g. an older build), that hops
#           runs too, on a root of its own, as target "base": it is loaded
#           and measured beside the others in every path, and the summary
#           adds its search_by_hash figures (an A/B in one run).
#   insert  INSERT_SIZES records (default 200k and 1M) of ~11 mixed
#           attributes (scripts/bench/loader), BATCH per request, C clients,
#           each size into a table of its own, hops then HarperDB. `hash`
#           alone loads its HASH_N-record table the same way.
#
# Beside each run it prints the load average (1/5/15 min), the share of CPU
# time the hypervisor stole during it (/proc/stat), and the CPU the target's
# processes used per request (utime+stime from /proc/<pid>/stat: hops' host
# and families, HarperDB's process tree), which is less sensitive than
# req/s to the other work on a shared machine; for hops it also splits
# that CPU between the host and its families, and it prints the context
# switches per request of the target's threads (csw/req). At the end it prints one
# table: path, hops, HarperDB, ratio (how many times better hops is), and
# CPU per request of each, then the memory and cold-start figures.
#
# Environment (defaults in brackets):
#   HDB_DIR        npm install of HarperDB 4.7.29 [unset: hops only]
#   PATHS          paths to run [cold memory certs status config hash insert]
#   RUNS [3]  DURATION [5s]  CONNS [64]  THREADS [1]  WARMUP [2s]
#   HASH_IDS [1000]  HASH_N [200000]  REPEAT [30]  HASH_BASE [unset]
#   INSERT_SIZES ["200000 1000000"]  BATCH [10000]  C [2]
#   IDLE [10] seconds of idleness before the second PSS reading (the issue
#          asks for 3600)  SETTLE [2]
#   COLD_RUNS [5]  COLD_BINS [bin/hops, built from this tree]
#   MAX_SECONDS [3600 + IDLE] bound on the whole script
#   OUT [scripts/bench/results] where paths.txt (this output) goes
# Everything it starts (hops, the floor, HarperDB) is stopped on exit, by
# pid; loopback only, on free ports.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
PATHS=${PATHS:-"cold memory certs status config hash insert"}
RUNS=${RUNS:-3}
DURATION=${DURATION:-5s}
CONNS=${CONNS:-64}
THREADS=${THREADS:-1}
WARMUP=${WARMUP:-2s}
HASH_IDS=${HASH_IDS:-1000}
HASH_N=${HASH_N:-200000}
REPEAT=${REPEAT:-30}
INSERT_SIZES=${INSERT_SIZES:-"200000 1000000"}
BATCH=${BATCH:-10000}
C=${C:-2}
IDLE=${IDLE:-10}
SETTLE=${SETTLE:-2}
COLD_RUNS=${COLD_RUNS:-5}
MAX_SECONDS=${MAX_SECONDS:-$((3600 + IDLE))}
HDB_WAIT=${HDB_WAIT:-60}
export QUIET_MAX=${QUIET_MAX:-20}
OUT=${OUT:-scripts/bench/results}
mkdir -p "$OUT" bin
for c in wrk jq curl ss awk; do command -v $c >/dev/null || { echo "$c not found"; exit 1; }; done
exec > >(tee "$OUT/paths.txt") 2>&1

has() { [[ " $PATHS " == *" $1 "* ]]; }

go build -o bin/hops ./host/cmd/hops
go build -o bin/bench-floor ./scripts/bench/floor
go build -o bin/bench-loader ./scripts/bench/loader
go build -o bin/bench-opclient ./scripts/bench/opclient
work=$(mktemp -d)
watchdog=
cleanup() {
  [ -n "$watchdog" ] && kill $(pgrep -P "$watchdog") "$watchdog" 2>/dev/null || true
  bench_cleanup
}
trap cleanup EXIT
trap 'echo "stopped (signal or MAX_SECONDS=$MAX_SECONDS reached)"; exit 1' TERM INT
( sleep "$MAX_SECONDS"; kill -TERM $$ ) 2>/dev/null &
watchdog=$!

bench_machine
echo "settings: PATHS=\"$PATHS\" RUNS=$RUNS DURATION=$DURATION CONNS=$CONNS THREADS=$THREADS HASH_IDS=$HASH_IDS HASH_N=$HASH_N INSERT_SIZES=\"$INSERT_SIZES\" BATCH=$BATCH C=$C IDLE=$IDLE COLD_RUNS=$COLD_RUNS"
TICK=$(getconf CLK_TCK)
declare -A R # R[metric:path:target] and R[metric:path:target:run]

# hops_env PORT ROOT: the environment of a benchmark hops (fsync on).
hops_env() {
  echo ROOTPATH="$2" HDB_ADMIN_USERNAME=$BENCH_USER HDB_ADMIN_PASSWORD=$BENCH_PASS \
    OPERATIONSAPI_NETWORK_PORT="$1" LOGGING_LEVEL=warn LOGGING_STDSTREAMS=false
}

# cpu_ticks PID...: utime+stime of the processes, in clock ticks (fields 14
# and 15 of /proc/<pid>/stat, counted after the command name's ")").
cpu_ticks() {
  local p t=0 v
  for p in "$@"; do
    v=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12+$13}') || continue
    t=$((t + ${v:-0}))
  done
  echo "$t"
}

# ctx_switches PID...: the context switches (voluntary and not) of every
# thread of the processes: each is a thread put to sleep or woken, which
# is what a request's hand-offs between goroutines and processes cost.
ctx_switches() {
  local p t=0 v
  for p in "$@"; do
    v=$(cat /proc/$p/task/*/status 2>/dev/null | awk '/ctxt_switches/{s+=$2} END{print s+0}')
    t=$((t + ${v:-0}))
  done
  echo "$t"
}

# stat_cpu: "steal total" jiffies of all CPUs from /proc/stat.
stat_cpu() { awk '/^cpu /{print $9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }

# steal_pct BEFORE AFTER: stolen share of CPU time between two stat_cpu.
steal_pct() { echo "$1 $2" | awk '{d=$4-$2; printf "%.1f", (d>0) ? 100*($3-$1)/d : 0}'; }

# loadavg: the 1/5/15-minute load averages.
loadavg() { cut -d' ' -f1-3 /proc/loadavg | tr ' ' /; }

# pids_of TARGET: the processes of a target (hops: host and families;
# harperdb: its tree; floor: the one process).
pids_of() {
  case "$1" in
    hops) echo "$hops_pid"; pgrep -P "$hops_pid" || true ;;
    base) echo "$base_pid"; pgrep -P "$base_pid" || true ;;
    harperdb) tree_pids "$hdb_pid" ;;
    floor) echo "$floor_pid" ;;
  esac
}

# median V...: the median of numbers (the middle one, or the lower middle).
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}'; }

# median_run PATH TARGET: the run whose req/s is the median (its p99 and
# CPU go with it).
median_run() {
  local i best= m; m=$(median $(for i in $(seq 1 "$RUNS"); do echo "${R[rps:$1:$2:$i]}"; done))
  for i in $(seq 1 "$RUNS"); do [ "${R[rps:$1:$2:$i]}" = "$m" ] && { best=$i; break; }; done
  echo "$best"
}

# measure_wrk PATH TARGET RUN BODYFILE: one wrk run; records req/s, p99 and
# CPU per request (µs) of the target, with load and steal.
measure_wrk() {
  local path=$1 t=$2 run=$3 pids c0 c1 h0 h1 x0 x1 s0 s1 line la rps req cpu split=
  pids=$(pids_of "$t")
  la=$(loadavg); s0=$(stat_cpu); c0=$(cpu_ticks $pids); h0=$(cpu_ticks "${pids%%$'\n'*}"); x0=$(ctx_switches $pids)
  line=$(wrk_post "${url[$t]}" "$4" "$CONNS" "$DURATION" "$THREADS") || echo "  WARNING: wrk failed on $t"
  c1=$(cpu_ticks $pids); h1=$(cpu_ticks "${pids%%$'\n'*}"); x1=$(ctx_switches $pids); s1=$(stat_cpu)
  rps=$(kv "$line" rps); req=$(kv "$line" requests)
  cpu=$(awk -v d=$((c1 - c0)) -v n="$req" -v hz="$TICK" 'BEGIN{printf "%.1f", (n>0) ? d*1e6/hz/n : 0}')
  R[rps:$path:$t:$run]=$rps; R[p99:$path:$t:$run]=$(kv "$line" p99_ms); R[cpu:$path:$t:$run]=$cpu
  if [ "$t" = hops ]; then
    split=$(awk -v h=$((h1 - h0)) -v c=$((c1 - c0)) -v n="$req" -v hz="$TICK" \
      'BEGIN{if (n>0) printf " (host %.1f, families %.1f)", h*1e6/hz/n, (c-h)*1e6/hz/n}')
  fi
  printf "run %-7s %-8s #%s  req/s=%-9s p50=%-7s p99=%-8s ms  cpu/req=%6s µs%s  csw/req=%s  non2xx=%s err=%s  load=%s steal=%s%%\n" \
    "$path" "$t" "$run" "$rps" "$(kv "$line" p50_ms)" "${R[p99:$path:$t:$run]}" "$cpu" "$split" \
    "$(awk -v d=$((x1 - x0)) -v n="$req" 'BEGIN{printf "%.2f", (n>0) ? d/n : 0}')" \
    "$(kv "$line" non2xx)" "$(kv "$line" errors)" "$la" "$(steal_pct "$s0" "$s1")"
  [ "$(kv "$line" non2xx)" = 0 ] && [ "$(kv "$line" errors)" = 0 ] || echo "  WARNING: $t answered non-2xx or failed on $path"
}

# wrk_path PATH BODY TARGET...: warm-up, then RUNS runs alternating the
# targets; keeps the median run of each.
wrk_path() {
  local path=$1 body=$work/$1.json t i m
  printf '%s' "$2" >"$body"
  shift 2
  for t in "$@"; do
    echo "$path $t answer: $(op "${url[$t]}" "$(cat "$body")" | head -c 160)"
    wrk_post "${url[$t]}" "$body" "$CONNS" "$WARMUP" "$THREADS" >/dev/null || true
  done
  for i in $(seq 1 "$RUNS"); do
    for t in "$@"; do measure_wrk "$path" "$t" "$i" "$body"; done
  done
  for t in "$@"; do
    m=$(median_run "$path" "$t")
    R[rps:$path:$t]=${R[rps:$path:$t:$m]}; R[p99:$path:$t]=${R[p99:$path:$t:$m]}; R[cpu:$path:$t]=${R[cpu:$path:$t:$m]}
  done
}

# pss_report PHASE: the PSS (KiB -> MiB) of hops' host and each family.
pss_report() {
  local p kb name total=0
  for p in $(pids_of hops); do
    kb=$(awk '/^Pss:/{print $2}' "/proc/$p/smaps_rollup" 2>/dev/null) || continue
    [ -n "$kb" ] || continue
    name=$(proc_name "$p")
    printf "pss %-10s %-12s pid=%-7s %7.1f MiB\n" "$1" "$name" "$p" "$(awk -v k="$kb" 'BEGIN{print k/1024}')"
    total=$((total + kb))
  done
  R[pss:$1]=$(awk -v k="$total" 'BEGIN{printf "%.1f", k/1024}')
  printf "pss %-10s %-12s %-11s %7s MiB (load %s)\n" "$1" total "" "${R[pss:$1]}" "$(loadavg)"
}

# ---- cold start ----------------------------------------------------------
if has cold; then
  port=$(free_port)
  read -r -a cold_bins <<<"${COLD_BINS:-bin/hops}"
  cold() { # BIN ROOT: one start; prints "ms cpu_ms ready_ms ready_cpu_ms" (to the first answer, then to /ready; CPU of all its processes)
    env $(hops_env "$port" "$2") timeout 120 bin/bench-opclient cold -timeout 60s \
      -url "http://127.0.0.1:$port/" -body '{"operation":"get_status","id":"primary"}' -- "$1" run 2>/dev/null |
      sed -n 's/^RESULT first_answer_ms=\([^ ]*\) cpu_ms=\([^ ]*\) ready_ms=\([^ ]*\) ready_cpu_ms=\(.*\)/\1 \2 \3 \4/p'
  }
  for b in "${!cold_bins[@]}"; do
    echo "cold start ${cold_bins[$b]} (load $(loadavg)): empty root $(cold "${cold_bins[$b]}" "$work/cold$b" |
      awk '{print $1 " ms, " $2 " ms of CPU; ready " $3 " ms, " $4 " ms of CPU"}')"
  done
  declare -A cs cc rs rc
  for i in $(seq 1 "$COLD_RUNS"); do
    for b in "${!cold_bins[@]}"; do
      la=$(loadavg)
      read -r m c r rcpu < <(cold "${cold_bins[$b]}" "$work/cold$b")
      cs[$b]+=" $m"; cc[$b]+=" $c"; rs[$b]+=" $r"; rc[$b]+=" $rcpu"
      printf "cold %-28s #%s  first answer %7s ms (CPU %4s ms)  ready %7s ms (CPU %4s ms)  load=%s\n" \
        "${cold_bins[$b]}" "$i" "$m" "$c" "$r" "$rcpu" "$la"
    done
  done
  for b in "${!cold_bins[@]}"; do
    R[cold:$b]=$(median ${cs[$b]}); R[coldcpu:$b]=$(median ${cc[$b]})
    R[ready:$b]=$(median ${rs[$b]}); R[readycpu:$b]=$(median ${rc[$b]})
    echo "cold start ${cold_bins[$b]} on an existing root, $COLD_RUNS starts: first answer${cs[$b]} ms (CPU of host + families:${cc[$b]} ms); median ${R[cold:$b]} ms, CPU ${R[coldcpu:$b]} ms; ready median ${R[ready:$b]} ms, CPU ${R[readycpu:$b]} ms (load $(loadavg))"
    rm -rf "$work/cold$b"
  done
fi

# ---- idle memory ---------------------------------------------------------
if has memory; then
  port=$(free_port)
  env $(hops_env "$port" "$work/mem") bin/hops run >"$work/mem.out" 2>&1 &
  hops_pid=$!; bench_pids+=("$hops_pid")
  wait_up "http://127.0.0.1:$port/"
  sleep "$SETTLE"
  pss_report start
  echo "idle for ${IDLE}s"
  sleep "$IDLE"
  pss_report idle
  kill "$hops_pid"; wait "$hops_pid" 2>/dev/null || true
  rm -rf "$work/mem"
fi

# ---- the servers ---------------------------------------------------------
need_servers=
for p in certs status config hash insert; do has $p && need_servers=1; done
if [ -n "$need_servers" ]; then
  HOPS_PORT=$(free_port)
  start_hops "$HOPS_PORT"
  declare -A url=([hops]="http://127.0.0.1:$HOPS_PORT/")
  targets=(hops)
  if [ -n "${HASH_BASE:-}" ]; then
    BASE_PORT=$(free_port)
    env $(hops_env "$BASE_PORT" "$work/hops-base") "$HASH_BASE" run >"$work/hops-base.out" 2>&1 &
    base_pid=$!; bench_pids+=("$base_pid")
    wait_up "http://127.0.0.1:$BASE_PORT/"
    url[base]="http://127.0.0.1:$BASE_PORT/"
    targets+=(base)
    echo "base: $HASH_BASE"
  fi
  if [ -n "${HDB_DIR:-}" ]; then
    HDB_PORT=$(free_port)
    bench_hdb_work=$work/hdb
    scripts/bench/harperdb.sh start "$HDB_DIR" "$bench_hdb_work" "$HDB_PORT"
    hdb_pid=$(cat "$bench_hdb_work/pid")
    t0=$(date +%s)
    until wait_up "http://127.0.0.1:$HDB_PORT/" >/dev/null; do
      if [ $(($(date +%s) - t0)) -ge "$HDB_WAIT" ]; then
        echo "HarperDB did not answer within ${HDB_WAIT}s:"; tail -20 "$bench_hdb_work/harperdb.out"; exit 1
      fi
    done
    echo "HarperDB up after $(($(date +%s) - t0)) s"
    url[harperdb]="http://127.0.0.1:$HDB_PORT/"
    targets+=(harperdb)
  else
    echo "HDB_DIR not set: HarperDB skipped, no ratios"
  fi
  for t in "${targets[@]}"; do
    op "${url[$t]}" '{"operation":"set_status","id":"primary","status":"up"}' >/dev/null
    op "${url[$t]}" '{"operation":"create_database","database":"bench"}' >/dev/null
  done
fi

if has certs; then wrk_path certs '{"operation":"list_certificates"}' "${targets[@]}"; fi
if has config; then wrk_path config '{"operation":"get_configuration"}' "${targets[@]}"; fi
if has status; then
  FLOOR_PORT=$(free_port)
  bin/bench-floor -addr "127.0.0.1:$FLOOR_PORT" >"$work/floor.out" 2>&1 &
  floor_pid=$!; bench_pids+=("$floor_pid")
  url[floor]="http://127.0.0.1:$FLOOR_PORT/"
  wait_up "${url[floor]}"
  wrk_path status '{"operation":"get_status","id":"primary"}' hops floor "${targets[@]:1}"
fi

# insert_size N RUN: loads N records into bench.t<N>_<RUN> of each target.
insert_size() {
  local n=$1 run=$2 t line pids c0 c1 s0 s1 la table=t${1}_$2
  for t in "${targets[@]}"; do
    op "${url[$t]}" "{\"operation\":\"create_table\",\"database\":\"bench\",\"table\":\"$table\",\"primary_key\":\"id\"}" >/dev/null
    wait_quiet "insert $n $t" >/dev/null
    pids=$(pids_of "$t"); la=$(loadavg); s0=$(stat_cpu); c0=$(cpu_ticks $pids)
    line=$(timeout 1800 bin/bench-loader -url "${url[$t]}" -table "$table" -n "$n" -batch "$BATCH" -c "$C" | grep '^RESULT') ||
      echo "  WARNING: the load of $n records into $t failed or took over 1800 s"
    c1=$(cpu_ticks $pids); s1=$(stat_cpu)
    R[rps:insert$n:$t:$run]=$(kv "$line" rps)
    R[cpu:insert$n:$t:$run]=$(awk -v d=$((c1 - c0)) -v n="$n" -v hz="$TICK" 'BEGIN{printf "%.1f", d*1e6/hz/n}')
    printf "run %-13s %-8s #%s  records/s=%-8s seconds=%-8s cpu/record=%6s µs  load=%s steal=%s%%\n" \
      "insert$n" "$t" "$run" "${R[rps:insert$n:$t:$run]}" "$(kv "$line" seconds)" "${R[cpu:insert$n:$t:$run]}" "$la" "$(steal_pct "$s0" "$s1")"
  done
}

insert_sizes=
has insert && insert_sizes=$INSERT_SIZES
has hash && [[ " $insert_sizes " != *" $HASH_N "* ]] && insert_sizes="$HASH_N $insert_sizes"
INSERT_RUNS=${INSERT_RUNS:-1}
for n in $insert_sizes; do
  for i in $(seq 1 "$INSERT_RUNS"); do insert_size "$n" "$i"; done
  for t in "${targets[@]}"; do
    m=$(median $(for i in $(seq 1 "$INSERT_RUNS"); do echo "${R[rps:insert$n:$t:$i]}"; done))
    R[rps:insert$n:$t]=$m
    for i in $(seq 1 "$INSERT_RUNS"); do [ "${R[rps:insert$n:$t:$i]}" = "$m" ] && { R[cpu:insert$n:$t]=${R[cpu:insert$n:$t:$i]}; break; }; done
  done
done

if has hash; then
  # HASH_IDS distinct ids of the HASH_N-record table, fixed seed.
  shuf -i "0-$((HASH_N - 1))" -n "$HASH_IDS" --random-source=<(yes) | paste -sd, |
    sed "s/.*/{\"operation\":\"search_by_hash\",\"database\":\"bench\",\"table\":\"t${HASH_N}_1\",\"hash_values\":[&],\"get_attributes\":[\"*\"]}/" >"$work/hash.json"
  for t in "${targets[@]}"; do
    bin/bench-opclient repeat -url "${url[$t]}" -n 3 -body "@$work/hash.json" >/dev/null # warm-up
  done
  for i in $(seq 1 "$RUNS"); do
    for t in "${targets[@]}"; do
      pids=$(pids_of "$t"); la=$(loadavg); s0=$(stat_cpu); c0=$(cpu_ticks $pids)
      line=$(bin/bench-opclient repeat -url "${url[$t]}" -n "$REPEAT" -timeout 5m -body "@$work/hash.json" | grep '^RESULT') ||
        echo "  WARNING: search_by_hash on $t failed"
      c1=$(cpu_ticks $pids); s1=$(stat_cpu)
      R[ms:hash:$t:$i]=$(kv "$line" p50_ms)
      R[cpu:hash:$t:$i]=$(awk -v d=$((c1 - c0)) -v n="$REPEAT" -v hz="$TICK" 'BEGIN{printf "%.0f", d*1e6/hz/n}')
      printf "run %-7s %-8s #%s  p50=%-7s ms  p99=%-7s ms  bytes=%-8s cpu/call=%6s µs  load=%s steal=%s%%\n" \
        hash "$t" "$i" "${R[ms:hash:$t:$i]}" "$(kv "$line" p99_ms)" "$(kv "$line" bytes)" "${R[cpu:hash:$t:$i]}" "$la" "$(steal_pct "$s0" "$s1")"
    done
  done
  for t in "${targets[@]}"; do
    R[ms:hash:$t]=$(median $(for i in $(seq 1 "$RUNS"); do echo "${R[ms:hash:$t:$i]}"; done))
    for i in $(seq 1 "$RUNS"); do [ "${R[ms:hash:$t:$i]}" = "${R[ms:hash:$t]}" ] && { R[cpu:hash:$t]=${R[cpu:hash:$t:$i]}; break; }; done
  done
fi

# ---- summary -------------------------------------------------------------
echo
echo "summary (load at the end $(loadavg)); ratio = how many times better hops is; cpu in µs per request (per record for inserts)"
printf "%-26s %12s %12s %8s %10s %10s %10s %10s\n" path hops harperdb ratio hops_p99 hdb_p99 hops_cpu hdb_cpu
row() { # LABEL METRIC PATH HIGHER_IS_BETTER
  local h=${R[$2:$3:hops]:-} d=${R[$2:$3:harperdb]:-} r
  [ -n "$h" ] || return 0
  if [ -z "$d" ]; then r=n/a; elif [ "$4" = 1 ]; then r=$(ratio "$h" "$d"); else r=$(ratio "$d" "$h"); fi
  printf "%-26s %12s %12s %8s %10s %10s %10s %10s\n" "$1" "$h" "${d:--}" "$r" "${R[p99:$3:hops]:--}" "${R[p99:$3:harperdb]:--}" \
    "${R[cpu:$3:hops]:--}" "${R[cpu:$3:harperdb]:--}"
}
row "list_certificates req/s" rps certs 1
row "get_status req/s" rps status 1
row "get_configuration req/s" rps config 1
row "search_by_hash p50 ms" ms hash 0
if [ -n "${R[ms:hash:base]:-}" ]; then
  echo "search_by_hash base ($HASH_BASE): p50 ${R[ms:hash:base]} ms, cpu ${R[cpu:hash:base]} µs/call; hops is $(ratio "${R[ms:hash:base]}" "${R[ms:hash:hops]}")x base"
fi
for n in $insert_sizes; do row "insert $n records/s" rps "insert$n" 1; done
if has status; then
  echo "get_status floor: ${R[rps:status:floor]} req/s (p99 ${R[p99:status:floor]} ms, cpu ${R[cpu:status:floor]} µs/req); hops/floor $(ratio "${R[rps:status:hops]}" "${R[rps:status:floor]}")"
fi
has memory && echo "hops PSS, host + families: ${R[pss:start]} MiB after start, ${R[pss:idle]} MiB after ${IDLE}s idle (goal < 100)"
if has cold; then
  for b in "${!cold_bins[@]}"; do
    echo "cold start (${cold_bins[$b]}) to the first answered get_status: median ${R[cold:$b]} ms (goal < 300), ${R[coldcpu:$b]} ms of CPU; every family started (/ready): ${R[ready:$b]} ms, ${R[readycpu:$b]} ms of CPU"
  done
fi
exit 0
