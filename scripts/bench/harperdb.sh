#!/usr/bin/env bash
# Starts HarperDB 4.7.29 from an npm install (HDB_DIR holds node_modules/
# harperdb) as the benchmark baseline, on loopback ports away from hops',
# with localhost trust off so it checks credentials like hops. Never used
# by `make test`.
#
#   scripts/bench/harperdb.sh start HDB_DIR WORKDIR PORT   (writes WORKDIR/pid)
#   scripts/bench/harperdb.sh stop WORKDIR      (the whole process tree)
set -euo pipefail
cmd=$1
case "$cmd" in
start)
  dir=$2; work=$3; port=$4
  mkdir -p "$work/home"
  ( cd "$dir" && HOME=$work/home TC_AGREEMENT=yes HDB_ADMIN_USERNAME=admin HDB_ADMIN_PASSWORD=password \
    ROOTPATH=$work/hdb DEFAULTS_MODE=prod NODE_HOSTNAME=localhost REPLICATION_HOSTNAME=localhost \
    HARPER_SET_CONFIG="{\"operationsApi\":{\"network\":{\"port\":$port}},\"http\":{\"port\":$((port+1))},\"mqtt\":{\"network\":{\"port\":$((port+11958)),\"securePort\":$((port+18958))}},\"replication\":{\"securePort\":$((port+8))},\"authentication\":{\"authorizeLocal\":false},\"logging\":{\"level\":\"warn\"}}" \
    npx harperdb run >"$work/harperdb.out" 2>&1 </dev/null & echo $! >"$work/pid" )
  ;;
stop)
  # npx runs HarperDB as a grandchild (npm exec -> sh -> node) that outlives
  # the pid written at start: stop the whole tree, by pid, and wait for it
  # (SIGKILL after STOP_GRACE seconds).
  work=$2
  [ -f "$work/pid" ] || exit 0
  tree() { local c; for c in $(pgrep -P "$1"); do tree "$c"; done; echo "$1"; }
  pids=$(tree "$(cat "$work/pid")")
  kill $pids 2>/dev/null || true
  for _ in $(seq 1 $((${STOP_GRACE:-15} * 10))); do
    alive=; for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ -z "$alive" ] && break
    sleep 0.1
  done
  kill -9 $pids 2>/dev/null || true
  rm -f "$work/pid"
  ;;
esac
