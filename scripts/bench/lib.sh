# Shared helpers of the load benchmarks (records.sh, sysinfo.sh, export.sh,
# get_status.sh) and scripts/faults;
# sourced, never run. Every benchmark runs hops and, when HDB_DIR points at
# an npm install of HarperDB 4.7.29, HarperDB in the same run, on loopback,
# and cleans its processes up on exit (bench_cleanup is the EXIT trap).
#
# Peak memory: VmHWM of /proc/<pid>/status is a process's peak resident
# set; writing 5 to /proc/<pid>/clear_refs resets it to the current RSS, so
# hwm_reset before a phase and hwm_report after it give each phase's peak.
# hops is the host process plus one child process per family; HarperDB is
# the process tree under the pid harperdb.sh wrote (npm exec -> sh -> node).
#
# VmHWM counts file pages a process maps, and the records family reads
# bbolt through mmap: a scan of a large table maps its pages, which the
# kernel shares with its page cache and takes back under pressure. So
# hwm_reset also starts a sampler of RssAnon (the heap and stacks, which
# only the process can give back) every ANON_EVERY seconds, and
# hwm_report prints its peak beside VmHWM ("anon="), sets anon_total and
# anon_of_<name>. Flat-memory claims are made on anon.
ANON_EVERY=${ANON_EVERY:-0.05}
anon_sampler=
anon_file=

BENCH_USER=admin
BENCH_PASS=password
BENCH_AUTH="Basic YWRtaW46cGFzc3dvcmQ=" # base64 of admin:password
bench_pids=()
bench_hdb_work=

# bench_cleanup stops every process this benchmark started (by pid).
bench_cleanup() {
  anon_stop
  [ -n "$bench_hdb_work" ] && scripts/bench/harperdb.sh stop "$bench_hdb_work" || true
  for p in "${bench_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${bench_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -n "${work:-}" ] && rm -rf "$work"
}

# bench_machine prints what the figures depend on: cores, memory, load.
bench_machine() {
  echo "machine: nproc=$(nproc) mem=$(free -m | awk '/^Mem:/{print $2}')MiB date=$(date -u +%FT%TZ)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# bench_load prints the load average (1, 5, 15 min) before a phase.
bench_load() { echo "[$1] load average: $(cut -d' ' -f1-3 /proc/loadavg)"; }

# wait_quiet LABEL: waits (QUIET_MAX seconds at most, default 90) until
# the machine's CPUs were at most QUIET_BUSY percent busy (default 15)
# over one second, and prints how long it waited. A target that just took
# a bulk load may work on in the background (HarperDB does, for minutes);
# timing the next measurement while it does would charge that work to
# whichever target runs then.
wait_quiet() {
  local max=${QUIET_MAX:-90} limit=${QUIET_BUSY:-15} waited=0 busy=100 a b
  while [ "$waited" -lt "$max" ]; do
    a=$(awk '/^cpu /{print $2+$3+$4+$6+$7+$8, $2+$3+$4+$5+$6+$7+$8}' /proc/stat)
    sleep 1
    b=$(awk '/^cpu /{print $2+$3+$4+$6+$7+$8, $2+$3+$4+$5+$6+$7+$8}' /proc/stat)
    busy=$(echo "$a $b" | awk '{d=$4-$2; print (d>0) ? int(100*($3-$1)/d) : 0}')
    waited=$((waited + 1))
    [ "$busy" -le "$limit" ] && break
  done
  echo "[$1] quiet after ${waited}s (CPU ${busy}% busy over the last second)"
}

# op URL JSON posts one operation and prints the answer.
op() {
  curl -s --max-time 60 -u "$BENCH_USER:$BENCH_PASS" -H 'Content-Type: application/json' -d "$2" "$1"
}

# wait_up URL waits (30 s at most) until the operations API answers.
wait_up() {
  for _ in $(seq 1 300); do
    if curl -s -o /dev/null --max-time 2 -u "$BENCH_USER:$BENCH_PASS" -H 'Content-Type: application/json' \
         -d '{"operation":"get_status","id":"primary"}' "$1"; then return 0; fi
    sleep 0.1
  done
  echo "not up: $1"; return 1
}

# start_hops PORT [VAR=value...]: hops on PORT with its root under $work,
# fsync on (the default); sets hops_pid.
start_hops() {
  local port=$1; shift
  env ROOTPATH="$work/hops" HDB_ADMIN_USERNAME=$BENCH_USER HDB_ADMIN_PASSWORD=$BENCH_PASS \
    OPERATIONSAPI_NETWORK_PORT="$port" LOGGING_LEVEL=warn LOGGING_STDSTREAMS=false "$@" \
    bin/hops run >"$work/hops.out" 2>&1 &
  hops_pid=$!
  bench_pids+=("$hops_pid")
  wait_up "http://127.0.0.1:$port/"
}

# start_harperdb PORT: HarperDB from $HDB_DIR under $work/hdb; sets
# hdb_pid (the root of its process tree).
start_harperdb() {
  bench_hdb_work=$work/hdb
  scripts/bench/harperdb.sh start "$HDB_DIR" "$bench_hdb_work" "$1"
  hdb_pid=$(cat "$bench_hdb_work/pid")
  wait_up "http://127.0.0.1:$1/"
}

# tree_pids PID prints PID and all its descendants.
tree_pids() { local c; echo "$1"; for c in $(pgrep -P "$1"); do tree_pids "$c"; done; }

# proc_name PID: the family name for a hops family process, "host" for the
# hops host, else the command name.
proc_name() {
  local cmd; cmd=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 0
  case "$cmd" in
    *" plugin builtin "*) echo "${cmd##* plugin builtin }" | cut -d' ' -f1 ;;
    *"hops run"*) echo host ;;
    *) cut -c1-16 <"/proc/$1/comm" | tr ' ' _ ;;
  esac
}

# hwm_reset PID...: restart the peak-RSS count of each process and start
# sampling their RssAnon.
hwm_reset() {
  local p
  for p in "$@"; do echo 5 >"/proc/$p/clear_refs" 2>/dev/null || true; done
  anon_stop
  anon_file=$(mktemp)
  (
    declare -A peak
    trap 'for q in "${!peak[@]}"; do echo "$q ${peak[$q]}"; done >"$anon_file"; exit 0' TERM
    while :; do
      for q in "$@"; do
        kb=$(awk '/^RssAnon:/{print $2}' "/proc/$q/status" 2>/dev/null)
        [ -n "$kb" ] && [ "$kb" -gt "${peak[$q]:-0}" ] && peak[$q]=$kb
      done
      sleep "$ANON_EVERY"
    done
  ) &
  anon_sampler=$!
}

# anon_stop ends the RssAnon sampler, leaving its peaks in anon_file.
anon_stop() {
  [ -n "$anon_sampler" ] || return 0
  kill -TERM "$anon_sampler" 2>/dev/null || true
  wait "$anon_sampler" 2>/dev/null || true
  anon_sampler=
}

# anon_peak PID: the sampled RssAnon peak of PID in KiB (empty if none).
anon_peak() { [ -n "$anon_file" ] && awk -v p="$1" '$1==p{print $2}' "$anon_file"; }

# hwm_report PHASE TARGET PID...: one line per process with its peak RSS in
# MiB since hwm_reset, then the sum; sets hwm_total (MiB) and hwm_of_<name>.
hwm_report() {
  local phase=$1 target=$2 p kb akb name; shift 2
  anon_stop
  hwm_total=0
  anon_total=0
  for p in "$@"; do
    kb=$(awk '/^VmHWM:/{print $2}' "/proc/$p/status" 2>/dev/null) || continue
    [ -n "$kb" ] || continue
    akb=$(anon_peak "$p"); akb=${akb:-0}
    name=$(proc_name "$p")
    printf "rss %-16s %-9s %-16s pid=%-7s peak=%6.1f MiB anon=%6.1f MiB\n" "$phase" "$target" "$name" "$p" \
      "$(awk -v k="$kb" 'BEGIN{print k/1024}')" "$(awk -v k="$akb" 'BEGIN{print k/1024}')"
    hwm_total=$((hwm_total + kb))
    anon_total=$((anon_total + akb))
    printf -v "hwm_of_${name//[^a-zA-Z0-9]/_}" '%s' "$((kb / 1024))"
    printf -v "anon_of_${name//[^a-zA-Z0-9]/_}" '%s' "$((akb / 1024))"
  done
  hwm_total=$((hwm_total / 1024))
  anon_total=$((anon_total / 1024))
  printf "rss %-16s %-9s %-16s %-11s peak=%6d MiB anon=%6d MiB (sums of the processes' peaks)\n" "$phase" "$target" total "" "$hwm_total" "$anon_total"
  rm -f "$anon_file"; anon_file=
}

# target_pids TARGET: the processes of hops (host and family children) or
# of HarperDB (its tree).
target_pids() {
  case "$1" in
    hops) echo "$hops_pid"; pgrep -P "$hops_pid" ;;
    harperdb) tree_pids "$hdb_pid" ;;
  esac
}

# wrk_script LUA BODYFILE: writes the wrk script LUA, which POSTs the body
# with the benchmark's Basic auth and, when wrk ends, prints one RESULT
# line: rps, p50/p99 in ms, non-2xx answers, socket errors, requests.
wrk_script() {
  {
    echo 'wrk.method = "POST"'
    printf 'wrk.body = [==[%s]==]\n' "$(cat "$2")"
    echo 'wrk.headers["Content-Type"] = "application/json"'
    echo "wrk.headers[\"Authorization\"] = \"$BENCH_AUTH\""
    cat <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.1f p50_ms=%.3f p99_ms=%.3f non2xx=%d errors=%d requests=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.requests))
end
LUA
  } >"$1"
}

# wrk_post URL BODYFILE CONNS DURATION [THREADS]: wrk POSTing the body
# (wrk_script) with THREADS threads (2 by default, never more than
# CONNS); prints the RESULT line.
wrk_post() {
  local lua=$work/wrk-$RANDOM.lua th=${5:-2}
  [ "$th" -gt "$3" ] && th=$3
  wrk_script "$lua" "$2"
  wrk -t"$th" -c"$3" -d"$4" --timeout 30s -s "$lua" "$1" | grep '^RESULT'
}

# free_port prints a loopback port nothing listens on (HarperDB also takes
# the ports after it; see harperdb.sh).
free_port() {
  local p
  for _ in $(seq 1 100); do
    p=$((20000 + RANDOM % 20000))
    [ -z "$(ss -Htln "sport = :$p")" ] && { echo "$p"; return 0; }
  done
  echo "no free port found" >&2; return 1
}

# kv LINE KEY: the value of key=value in a RESULT line.
kv() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# ratio A B: A/B with two decimals ("n/a" when B is empty or zero).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b+0 == 0) print "n/a"; else printf "%.2f", a/b }'; }
