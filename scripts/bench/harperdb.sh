#!/usr/bin/env bash
# Starts HarperDB 4.7.29 from an npm install (HDB_DIR holds node_modules/
# harperdb) as the benchmark baseline, on loopback ports away from hops',
# with localhost trust off so it checks credentials like hops. Never used
# by `make test`.
#
#   scripts/bench/harperdb.sh start HDB_DIR WORKDIR PORT   (writes WORKDIR/pid)
#   scripts/bench/harperdb.sh stop WORKDIR
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
  work=$2
  [ -f "$work/pid" ] && kill "$(cat "$work/pid")" 2>/dev/null || true
  ;;
esac
