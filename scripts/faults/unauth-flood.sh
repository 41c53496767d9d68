#!/usr/bin/env bash
# Fault test of issue 13: unauthenticated connections declaring the
# largest body and trickling bytes must not take the host's memory. hops
# runs on a free loopback port; scripts/faults/unauthflood opens CONNS
# connections (half declaring 64 MiB, half 60 KiB, none with valid
# credentials), trickles bytes on each for a few seconds, and prints the
# host's VmRSS before, at its peak and after (goal: under 64 MiB more).
# Bounded in time; stops what it starts.
#
#   scripts/faults/unauth-flood.sh
#   CONNS=512 scripts/faults/unauth-flood.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
CONNS=${CONNS:-256}
make build >/dev/null
go build -o bin/faults-unauthflood ./scripts/faults/unauthflood
work=$(mktemp -d)
trap bench_cleanup EXIT
port=$(free_port)
url="http://127.0.0.1:$port/"
bench_machine
echo "settings: CONNS=$CONNS port=$port"
start_hops "$port" LOGGING_LEVEL=warn
bench_load unauth-flood
bin/faults-unauthflood -url "$url" -pid "$hops_pid" -conns "$CONNS"
echo "the API afterwards: $(op "$url" '{"operation":"user_info"}' | head -c 80)"
