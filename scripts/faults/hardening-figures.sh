#!/usr/bin/env bash
# Fault tests of issue 13's robustness figures, each printing a RESULT line:
#   hostilebodies  N hostile bodies from 8 clients at one instance started
#                  here: answers by status, 5xx, family restarts, PIDs;
#   killload       kill -9 of the host and the records family under an
#                  insert load: acknowledged records and lost ones;
#   configkill     set_configuration looped while the host is killed 20
#                  times: the config file parses after each kill and hops
#                  starts again.
# (restart-under-load.sh is the fourth.) Loopback only, on free ports;
# bounded in time; every process started is stopped on exit.
#
#   scripts/faults/hardening-figures.sh
#   BODIES=48000 KILL_SECONDS=60 scripts/faults/hardening-figures.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
BODIES=${BODIES:-48000}
KILL_SECONDS=${KILL_SECONDS:-60}
make build >/dev/null
for p in hostilebodies killload configkill; do go build -o "bin/faults-$p" "./scripts/faults/$p"; done
work=$(mktemp -d)
trap bench_cleanup EXIT
bench_machine
failed=0

port=$(free_port)
start_hops "$port" LOGGING_LEVEL=warn
bench_load hostilebodies
timeout 900 bin/faults-hostilebodies -url "http://127.0.0.1:$port/" -n "$BODIES" | grep -v '^operations' || failed=1

bench_load killload
timeout 600 bin/faults-killload -bin bin/hops -port "$(free_port)" -duration "${KILL_SECONDS}s" || failed=1

bench_load configkill
timeout 600 bin/faults-configkill -bin bin/hops -port "$(free_port)" -kills 20 >"$work/configkill.out" || failed=1
grep -E '^RESULT|TORN|did not start' "$work/configkill.out"
exit "$failed"
