#!/usr/bin/env bash
# Runs TestClusterPartition (host/cmd/hops/partition_test.go) alone: three
# hops nodes, each in a network namespace of its own, one cut off from the
# others' cluster links then healed. Needs root and iproute2. The test
# removes its namespaces and links itself; this trap removes them (and
# stops the nodes left in them) if the test is killed. Bounded: 10 min.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
	echo "partition-test: needs root (network namespaces)" >&2
	exit 1
fi
id=$$
cleanup() {
	for n in 0 1 2; do
		ns="hpt$id-$n"
		if ip netns list 2>/dev/null | grep -qx "$ns\( (id: [0-9]*)\)\?"; then
			for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
			ip netns del "$ns" 2>/dev/null || true
		fi
		ip link del "hpc$id$n" 2>/dev/null || true
		ip link del "hpr$id$n" 2>/dev/null || true
	done
	ip link del "hpcb$id" 2>/dev/null || true
	ip link del "hprb$id" 2>/dev/null || true
}
trap cleanup EXIT
HOPS_PARTITION=1 HOPS_PARTITION_ID=$id timeout 600 \
	"${GO:-go}" test -count=1 -v -timeout 9m -run '^TestClusterPartition$' ./host/cmd/hops/
