// Command clusterfaults attacks the clustering operations of a real hops
// node (issue 18): it starts one node with a plain cluster port
// (replication.port) on free loopback ports, and runs three phases, each
// bounded in time:
//
//   - hostile: add_node, set_node, update_node, remove_node,
//     configure_cluster, cluster_set_routes, cluster_get_routes,
//     cluster_delete_routes, cluster_status, cluster_reload and
//     restart_service (clustering, clustering_config), every field replaced
//     by each hostile value (wrong types, nulls, huge and unicode strings,
//     negative and huge ports, NaN-like strings, deep nesting), fields
//     missing, keys duplicated, as the super user and as a user without
//     super_user. A failure is a 5xx, a dropped connection, an answer that
//     is not JSON, or an answer slower than -slow.
//   - remote: add_node with authorization and a url that black-holes,
//     answers slowly, answers garbage, a huge body, a redirect, a 200 that
//     is not HarperDB's, the node itself, or a TLS mismatch. Each must end
//     within -join-bound with a JSON 4xx or 502, leave the routes and
//     subscriptions.json as they were, and leave the clustering family
//     with the file descriptors it had.
//   - concurrent: -clients clients × -per requests of cluster_set_routes,
//     cluster_delete_routes, add_node (with subscriptions), remove_node
//     and set_configuration at once, each client on its own routes; the
//     config file must parse, keep its comments, and hold exactly the
//     routes a replay of the acknowledged requests gives; subscriptions.json
//     likewise.
//   - pair: a second node, joined from the first with authorization by
//     -workers clients at once: 200 or JSON 4xx only, one route, the
//     nodes connected, no certificate held twice, remove_node undoes it.
//
// It prints PHASE lines with counts, after each phase a SLOW line (answers
// over 1 s) and its ten slowest answers (SLOWEST: time, operation, status,
// the X-Request-Id the node's log names), and exits non-zero on any
// failure.
// Usage: go run ./scripts/faults/clusterfaults -bin /tmp/hops [-phases hostile,remote,concurrent]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hops-dev/hops/scripts/faults/internal/hopsproc"
)

func main() {
	bin := flag.String("bin", "", "hops binary")
	phases := flag.String("phases", "hostile,remote,concurrent,pair", "phases to run")
	dur := flag.Duration("duration", 90*time.Second, "time the hostile phase runs")
	workers := flag.Int("workers", 8, "hostile phase clients")
	slow := flag.Duration("slow", 3*time.Second, "an answer slower than this is a failure (hostile phase)")
	joinBound := flag.Duration("join-bound", 25*time.Second, "an add_node with authorization must end within this")
	clients := flag.Int("clients", 16, "concurrent phase clients")
	per := flag.Int("per", 200, "concurrent phase requests per client")
	flag.Parse()
	if *bin == "" {
		fmt.Fprintln(os.Stderr, "clusterfaults: -bin is required")
		os.Exit(2)
	}
	h, err := hopsproc.New(*bin, freePort(), "clusterfaults", 60*time.Second)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	clusterPort := freePort()
	h.Env = []string{fmt.Sprintf("REPLICATION_PORT=%d", clusterPort), "REPLICATION_HOSTNAME=faultnode"}
	if err := h.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer h.KillHost()
	n := &node{h: h, clusterPort: clusterPort, cfgPath: filepath.Join(h.Root, "hops-config.yaml"),
		subsPath: filepath.Join(h.Root, "clustering", "subscriptions.json")}
	if err := n.addUser(); err != nil {
		fmt.Fprintln(os.Stderr, "add the non-super user:", err)
		os.Exit(1)
	}
	failed := false
	want := strings.Split(*phases, ",")
	phase := func(name string, run func() bool) {
		if !slices.Contains(want, name) {
			return
		}
		n.slow.begin(name)
		failed = !run() || failed
		n.slow.print()
	}
	phase("hostile", func() bool { return n.hostile(*dur, *workers, *slow) })
	phase("remote", func() bool { return n.remote(*joinBound) })
	phase("concurrent", func() bool { return n.concurrent(*clients, *per) })
	phase("pair", func() bool { return n.pair(*bin, *workers) })
	if !n.alive() {
		fmt.Println("FAIL a process of the node changed or died")
		failed = true
	}
	if failed {
		fmt.Printf("RESULT fail (the node's root and log are kept in %s)\n", h.Dir)
		h.KillHost()
		os.Exit(1)
	}
	h.KillHost()
	h.RemoveDir()
	fmt.Println("RESULT ok")
}
