package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Records replication between real nodes: the records family's outbox,
// carried by the clustering family's JetStream streams, applied on the
// other nodes (docs/clustering.md, "Replication").

// replicateAll is the replication key that replicates every database.
func replicateAll(int) string { return "  databases: \"*\"\n" }

// must posts body as the admin and fails the test unless it answers 200.
func (in *instance) must(t testing.TB, body map[string]any) response {
	t.Helper()
	r := in.admin(t, body)
	if r.Status != 200 {
		t.Fatalf("%v: %d %s", body["operation"], r.Status, r.Raw)
	}
	return r
}

// tableSum is table_checksum's answer, "" when the table is not there.
func (in *instance) tableSum(t testing.TB, db, table string) string {
	t.Helper()
	r := in.admin(t, map[string]any{"operation": "table_checksum", "database": db, "table": table})
	if r.Status != 200 {
		return ""
	}
	return strings.TrimSpace(string(r.Raw))
}

// ids lists a table's ids on a node ("" id and ok false when the table
// is not there yet).
func (in *instance) ids(t testing.TB, db, table string) ([]string, bool) {
	t.Helper()
	r := in.admin(t, map[string]any{"operation": "search_by_value", "database": db, "table": table,
		"search_attribute": "id", "search_value": "*", "get_attributes": []string{"id"}})
	if r.Status != 200 {
		return nil, false
	}
	var rows []struct {
		ID any `json:"id"`
	}
	r.JSON(t, &rows)
	out := make([]string, len(rows))
	for i, row := range rows {
		out[i] = fmt.Sprint(row.ID)
	}
	sort.Strings(out)
	return out, true
}

// waitFor polls cond every 50 ms until it holds, failing the test after
// clusterWait; it returns how long it took.
func waitFor(t testing.TB, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > clusterWait {
			t.Fatalf("%s: not within %s", what, clusterWait)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(start)
}

// waitForOr is waitFor that calls report before it fails the test.
func waitForOr(t testing.TB, what string, cond func() bool, report func()) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > clusterWait {
			report()
			t.Fatalf("%s: not within %s", what, clusterWait)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(start)
}

// logLines are a node's output lines holding any of subs.
func logLines(in *instance, subs ...string) string {
	var out []string
	for _, line := range strings.Split(in.out.String(), "\n") {
		for _, s := range subs {
			if strings.Contains(line, s) {
				out = append(out, line)
				break
			}
		}
	}
	return strings.Join(out, "\n")
}

// waitSameSum waits until every node answers the same checksum for the
// table and returns it.
func waitSameSum(t testing.TB, nodes []*instance, db, table string) string {
	t.Helper()
	var sums []string
	waitFor(t, "the same checksum of "+db+"."+table+" on every node", func() bool {
		sums = sums[:0]
		for _, n := range nodes {
			sums = append(sums, n.tableSum(t, db, table))
		}
		for _, s := range sums {
			if s == "" || s != sums[0] {
				return false
			}
		}
		return true
	})
	return sums[0]
}

// Records, tables and attributes replicate between three real nodes:
// a table created on one node appears on the others, records written on
// each node reach every node, updates, upserts, deletes, an SQL UPDATE and
// a csv_data_load too, and an attribute
// created on one node appears on the others; the checksums agree.
// delete_records_before on one node leaves the other nodes' rows. Lags
// are logged, not asserted.
func TestClusterReplicatesRecords(t *testing.T) {
	tc := startCluster(t, clusterOpts{Plain: true, Replication: replicateAll})
	a, b, c := tc.Nodes[0], tc.Nodes[1], tc.Nodes[2]
	nodes := tc.Nodes

	a.must(t, map[string]any{"operation": "create_table", "database": "data", "table": "dogs", "primary_key": "id"})
	for _, n := range nodes[1:] {
		d := waitFor(t, "create_table on the other nodes", func() bool {
			return n.admin(t, map[string]any{"operation": "describe_table", "database": "data", "table": "dogs"}).Status == 200
		})
		t.Logf("create_table: on another node after %s", d.Round(time.Millisecond))
	}

	// Each node inserts its own records; every node ends with all.
	var want []string
	for i, n := range nodes {
		var recs []any
		for j := 0; j < 5; j++ {
			id := fmt.Sprintf("%s-%d", tc.Names[i], j)
			recs = append(recs, map[string]any{"id": id, "from": tc.Names[i], "n": j})
			want = append(want, id)
		}
		n.must(t, map[string]any{"operation": "insert", "database": "data", "table": "dogs", "records": recs})
	}
	sort.Strings(want)
	for i, n := range nodes {
		d := waitFor(t, tc.Names[i]+" holds every node's records", func() bool {
			got, ok := n.ids(t, "data", "dogs")
			return ok && strings.Join(got, ",") == strings.Join(want, ",")
		})
		t.Logf("records of three nodes on %s after %s", tc.Names[i], d.Round(time.Millisecond))
	}

	// An update on b, a delete on c, an attribute created on c.
	b.must(t, map[string]any{"operation": "update", "database": "data", "table": "dogs",
		"records": []any{map[string]any{"id": "node-a-0", "n": 100, "color": "red"}}})
	c.must(t, map[string]any{"operation": "delete", "database": "data", "table": "dogs", "ids": []string{"node-b-1"}})
	c.must(t, map[string]any{"operation": "create_attribute", "database": "data", "table": "dogs", "attribute": "weight"})
	for i, n := range nodes {
		waitFor(t, tc.Names[i]+" has the update, the delete and the attribute", func() bool {
			r := n.admin(t, map[string]any{"operation": "sql", "sql": "SELECT n, color FROM data.dogs WHERE id = 'node-a-0'"})
			if r.Status != 200 || !strings.Contains(string(r.Raw), `"color":"red"`) {
				return false
			}
			if got, _ := n.ids(t, "data", "dogs"); len(got) != len(want)-1 {
				return false
			}
			r = n.admin(t, map[string]any{"operation": "describe_table", "database": "data", "table": "dogs"})
			return strings.Contains(string(r.Raw), `"attribute":"weight"`)
		})
	}
	// upsert, SQL and a bulk load replicate too.
	a.must(t, map[string]any{"operation": "upsert", "database": "data", "table": "dogs",
		"records": []any{map[string]any{"id": "node-c-0", "n": 7}, map[string]any{"id": "upserted"}}})
	c.must(t, map[string]any{"operation": "sql", "sql": "UPDATE data.dogs SET color = 'blue' WHERE id = 'node-b-0'"})
	if job := b.runJob(t, map[string]any{"operation": "csv_data_load", "database": "data", "table": "dogs",
		"data": "id,n\nloaded-1,1\nloaded-2,2\n"}); job["status"] != "COMPLETE" {
		t.Fatalf("csv_data_load: %v", job)
	}
	want = append(want, "loaded-1", "loaded-2", "upserted")
	for i, n := range nodes {
		waitFor(t, tc.Names[i]+" has the upsert, the SQL update and the bulk load", func() bool {
			r := n.admin(t, map[string]any{"operation": "sql", "sql": "SELECT color FROM data.dogs WHERE id = 'node-b-0'"})
			got, _ := n.ids(t, "data", "dogs")
			return r.Status == 200 && strings.Contains(string(r.Raw), `"color":"blue"`) && len(got) == len(want)-1
		})
	}
	sum := waitSameSum(t, nodes, "data", "dogs")
	t.Logf("checksum on every node: %s", sum)

	// delete_records_before on a: a's rows go, b's and c's stay. A record
	// written on a afterwards reaching b and c shows the delete would have
	// reached them too, had it been replicated.
	cutoff := time.Now().Add(time.Second).UTC().Format(time.RFC3339Nano)
	time.Sleep(1100 * time.Millisecond) // __createdtime__ is in whole ms: pass the cutoff
	job := a.runJob(t, map[string]any{"operation": "delete_records_before", "database": "data", "table": "dogs", "date": cutoff})
	if job["status"] != "COMPLETE" {
		t.Fatalf("delete_records_before: %v", job)
	}
	a.must(t, map[string]any{"operation": "insert", "database": "data", "table": "dogs", "records": []any{map[string]any{"id": "after-delete"}}})
	for _, n := range []*instance{b, c} {
		waitFor(t, "the record written after the delete", func() bool {
			got, _ := n.ids(t, "data", "dogs")
			return len(got) == len(want)
		})
	}
	if got, _ := a.ids(t, "data", "dogs"); strings.Join(got, ",") != "after-delete" {
		t.Errorf("node-a after delete_records_before: %v", got)
	}
	if b.tableSum(t, "data", "dogs") != c.tableSum(t, "data", "dogs") {
		t.Errorf("node-b and node-c differ after node-a's local delete")
	}

	checkRestartsLoseNothing(t, tc)
	checkSubscriptions(t, tc)
}

// checkRestartsLoseNothing: while node-b takes writes, restart_service
// clustering (a new NATS server) and clustering_config (its routes
// reloaded after cluster_delete_routes) on node-b lose none of them: every
// insert node-b acknowledged reaches node-a and node-c.
func checkRestartsLoseNothing(t *testing.T, tc *testCluster) {
	a, b, c := tc.Nodes[0], tc.Nodes[1], tc.Nodes[2]
	b.must(t, map[string]any{"operation": "create_table", "database": "data", "table": "restarts", "primary_key": "id"})
	var mu sync.Mutex
	var acked []string
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			id := fmt.Sprintf("w-%05d", i)
			r, err := b.try(adminUser, adminPass, map[string]any{"operation": "insert", "database": "data", "table": "restarts",
				"records": []any{map[string]any{"id": id}}})
			if err == nil && r.Status == 200 {
				mu.Lock()
				acked = append(acked, id)
				mu.Unlock()
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	if job := b.runJob(t, map[string]any{"operation": "restart_service", "service": "clustering"}); job["status"] != "COMPLETE" {
		t.Fatalf("restart_service clustering: %v", job)
	}
	routeC := fmt.Sprintf("127.0.0.1:%d", tc.Ports[2])
	b.must(t, map[string]any{"operation": "cluster_delete_routes", "routes": []any{routeC}})
	before := b.clientInfo(t)
	if job := b.runJob(t, map[string]any{"operation": "restart_service", "service": "clustering_config"}); job["status"] != "COMPLETE" {
		t.Fatalf("restart_service clustering_config: %v", job)
	}
	if after := b.clientInfo(t); after.Token != before.Token {
		t.Error("restart_service clustering_config restarted the NATS server to apply a route change (a config reload does)")
	}
	b.must(t, map[string]any{"operation": "cluster_set_routes", "routes": []any{routeC}})
	b.waitConnected(t, "node-a", "node-c")
	close(stop)
	<-done
	mu.Lock()
	want := append([]string(nil), acked...)
	mu.Unlock()
	if len(want) == 0 {
		t.Fatal("node-b acknowledged no insert while its clustering restarted")
	}
	for _, n := range []*instance{a, c} {
		waitFor(t, "every insert node-b acknowledged across its clustering restarts", func() bool {
			got, _ := n.ids(t, "data", "restarts")
			return strings.Join(got, ",") == strings.Join(want, ",")
		})
	}
	t.Logf("%d inserts acknowledged by node-b across restart_service clustering and clustering_config reached node-a and node-c", len(want))
}

// checkSubscriptions: add_node's subscriptions on node-b stop the
// directions they turn off, for the table they name, and only those.
// node-b takes from node-a every table but cats (subscribe: false), and
// gives node-c nothing but cats, which it does not publish (publish:
// false): node-c learns it from node-b. Each absence is checked after a
// later change of the same node arrived (a node's changes arrive in
// order): a record in dogs from node-a, a user from node-b.
func checkSubscriptions(t *testing.T, tc *testCluster) {
	a, b, c := tc.Nodes[0], tc.Nodes[1], tc.Nodes[2]
	a.must(t, map[string]any{"operation": "create_table", "database": "data", "table": "cats", "primary_key": "id"})
	for _, n := range []*instance{b, c} {
		waitFor(t, "cats on every node", func() bool {
			return n.admin(t, map[string]any{"operation": "describe_table", "database": "data", "table": "cats"}).Status == 200
		})
	}
	url := func(i int) string { return fmt.Sprintf("nats-route://127.0.0.1:%d", tc.Ports[i]) }
	r := b.must(t, map[string]any{"operation": "add_node", "hostname": "node-a", "url": url(0), "subscriptions": []any{
		map[string]any{"database": "data", "table": "cats", "subscribe": false, "publish": true},
		map[string]any{"database": "data", "table": "dogs", "subscribe": true, "publish": true}}})
	if got, want := raw(r), `{"message":"Successfully added '`+url(0)+`' to cluster"}`; got != want {
		t.Errorf("add_node: %s, want %s", got, want)
	}
	// node-c named by its address only: its list is kept under the name
	// of the node connected there (node-c), not under "127.0.0.1".
	b.must(t, map[string]any{"operation": "add_node", "url": url(2), "subscriptions": []any{
		map[string]any{"schema": "data", "table": "cats", "subscribe": true, "publish": false}}})
	var st struct {
		Connections []struct {
			Name          string           `json:"name"`
			Replicates    bool             `json:"replicates"`
			Subscriptions []map[string]any `json:"subscriptions"`
		} `json:"connections"`
	}
	b.must(t, map[string]any{"operation": "cluster_status"}).JSON(t, &st)
	for _, conn := range st.Connections {
		if conn.Replicates || len(conn.Subscriptions) == 0 {
			t.Errorf("node-b's connection to %s: replicates %v, subscriptions %v", conn.Name, conn.Replicates, conn.Subscriptions)
		}
	}
	// The nodes read each other's lists within 2 s.
	time.Sleep(2500 * time.Millisecond)

	cat := func(n *instance, id string) {
		n.must(t, map[string]any{"operation": "insert", "database": "data", "table": "cats", "records": []any{map[string]any{"id": id}}})
	}
	has := func(n *instance, table, id string) bool {
		got, _ := n.ids(t, "data", table)
		return slices.Contains(got, id)
	}
	cat(a, "cat-a")
	a.must(t, map[string]any{"operation": "insert", "database": "data", "table": "dogs", "records": []any{map[string]any{"id": "dog-a"}}})
	cat(b, "cat-b")
	b.must(t, map[string]any{"operation": "add_user", "username": "marker-b", "password": "Marker#Pass1", "role": "super_user", "active": true})
	cat(c, "cat-c")
	waitFor(t, "node-a's cats (and dogs) on node-c, node-a's dogs on node-b", func() bool {
		return has(c, "cats", "cat-a") && has(b, "dogs", "dog-a")
	})
	waitFor(t, "node-b's cats on node-a, node-c's cats on node-a and node-b", func() bool {
		return has(a, "cats", "cat-b") && has(a, "cats", "cat-c") && has(b, "cats", "cat-c")
	})
	waitFor(t, "node-b's user on node-c", func() bool {
		return c.post(t, "marker-b", "Marker#Pass1", map[string]any{"operation": "user_info"}).Status == 200
	})
	if has(b, "cats", "cat-a") {
		t.Error("node-b applied node-a's cats though it does not subscribe to them")
	}
	if has(c, "cats", "cat-b") {
		t.Error("node-c applied node-b's cats though node-b does not publish them to it")
	}

	// add_node again without subscriptions: everything replicates again.
	b.must(t, map[string]any{"operation": "add_node", "hostname": "node-a", "url": url(0)})
	time.Sleep(2500 * time.Millisecond)
	cat(a, "cat-a2")
	waitFor(t, "node-a's cats on node-b once it subscribes to everything", func() bool { return has(b, "cats", "cat-a2") })
}

// kill9 kills a node and its family processes with SIGKILL, as a crash
// would, and waits for them to be gone.
func (in *instance) kill9(t testing.TB) {
	t.Helper()
	kids := children(in.cmd.Process.Pid)
	for pid := range kids {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	_ = in.cmd.Process.Kill()
	<-in.exited
	deadline := time.Now().Add(10 * time.Second)
	for pid := range kids {
		for alive(pid) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// A node killed with SIGKILL while the others take writes, restarted,
// converges: every write any node acknowledged (before, during and after
// the kill, the killed node's own included) is on every node, and the
// checksums agree.
func TestClusterRecordsSurviveSIGKILL(t *testing.T) {
	tc := startCluster(t, clusterOpts{Plain: true, Replication: replicateAll})
	a, b, c := tc.Nodes[0], tc.Nodes[1], tc.Nodes[2]
	a.must(t, map[string]any{"operation": "create_table", "database": "data", "table": "load", "primary_key": "id"})
	for _, n := range []*instance{b, c} {
		waitFor(t, "create_table on the other nodes", func() bool {
			return n.admin(t, map[string]any{"operation": "describe_table", "database": "data", "table": "load"}).Status == 200
		})
	}

	// Writers on every node insert small batches and keep the ids each
	// node acknowledged; c's writer stops when c is killed.
	var mu sync.Mutex
	var acked []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	write := func(n *instance, name string, until <-chan struct{}) {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-until:
				return
			default:
			}
			var recs []any
			var ids []string
			for j := 0; j < 10; j++ {
				id := fmt.Sprintf("%s-%05d-%d", name, i, j)
				ids = append(ids, id)
				recs = append(recs, map[string]any{"id": id, "v": i})
			}
			r, err := n.try(adminUser, adminPass, map[string]any{"operation": "insert", "database": "data", "table": "load", "records": recs})
			if err == nil && r.Status == 200 {
				mu.Lock()
				acked = append(acked, ids...)
				mu.Unlock()
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	stopC := make(chan struct{})
	wg.Add(3)
	go write(a, "a", stop)
	go write(b, "b", stop)
	go write(c, "c", stopC)
	time.Sleep(time.Second)
	close(stopC)
	c.kill9(t)
	time.Sleep(time.Second) // a and b write on while c is down
	c.start()
	time.Sleep(500 * time.Millisecond) // and while c catches up
	close(stop)
	wg.Wait()

	mu.Lock()
	want := append([]string(nil), acked...)
	mu.Unlock()
	sort.Strings(want)
	t.Logf("%d records acknowledged", len(want))
	for i, n := range tc.Nodes {
		var got []string
		d := waitForOr(t, tc.Names[i]+" holds every acknowledged record", func() bool {
			got, _ = n.ids(t, "data", "load")
			return len(got) >= len(want) && containsAll(got, want)
		}, func() {
			t.Logf("%s holds %d of %d, misses %v; its replication log:\n%s", tc.Names[i], len(got), len(want),
				missing(got, want, 20), logLines(n, "repl", "WARN", "ERROR"))
		})
		t.Logf("%s converged %s after the writes stopped", tc.Names[i], d.Round(time.Millisecond))
	}
	sum := waitSameSum(t, tc.Nodes, "data", "load")
	t.Logf("checksum on every node: %s", sum)
}

// missing lists up to n ids of sorted want that sorted got lacks.
func missing(got, want []string, n int) []string {
	have := map[string]bool{}
	for _, g := range got {
		have[g] = true
	}
	var out []string
	for _, w := range want {
		if !have[w] && len(out) < n {
			out = append(out, w)
		}
	}
	return out
}

// containsAll reports whether sorted got holds every id of sorted want.
func containsAll(got, want []string) bool {
	i := 0
	for _, w := range want {
		for i < len(got) && got[i] < w {
			i++
		}
		if i == len(got) || got[i] != w {
			return false
		}
	}
	return true
}

// A node that joins a running cluster later first copies the records
// written before it came (the other nodes' streams hold every change
// since their first enable, the rows they had then included), then
// follows new writes.
func TestClusterNewNodeCopiesThenFollows(t *testing.T) {
	tc := startCluster(t, clusterOpts{Plain: true, Nodes: 2, Replication: replicateAll})
	a, b := tc.Nodes[0], tc.Nodes[1]
	a.must(t, map[string]any{"operation": "create_table", "database": "data", "table": "old", "primary_key": "id"})
	a.must(t, map[string]any{"operation": "insert", "database": "data", "table": "old",
		"records": []any{map[string]any{"id": 1}, map[string]any{"id": 2}}})
	b.must(t, map[string]any{"operation": "create_table", "database": "data", "table": "fromb", "primary_key": "k"})
	b.must(t, map[string]any{"operation": "insert", "database": "data", "table": "fromb", "records": []any{map[string]any{"k": "x"}}})
	waitSameSum(t, tc.Nodes, "data", "old")
	waitSameSum(t, tc.Nodes, "data", "fromb")

	// node-c, routed to node-a only, joins.
	port := freePort(t)
	cfg := fmt.Sprintf("replication:\n  hostname: node-c\n  port: %d\n  routes:\n    - 127.0.0.1:%d\n  databases: \"*\"\nfamilies:\n  clustering:\n    host: 127.0.0.1\n", port, tc.Ports[0])
	c := startHops(t, "", cfg)
	c.waitConnected(t, "node-a", "node-b")
	all := []*instance{a, b, c}
	d := waitFor(t, "node-c copies the existing records", func() bool {
		return c.tableSum(t, "data", "old") == a.tableSum(t, "data", "old") &&
			c.tableSum(t, "data", "fromb") == a.tableSum(t, "data", "fromb")
	})
	t.Logf("node-c copied the existing tables in %s", d.Round(time.Millisecond))
	a.must(t, map[string]any{"operation": "insert", "database": "data", "table": "old", "records": []any{map[string]any{"id": 3}}})
	c.must(t, map[string]any{"operation": "insert", "database": "data", "table": "fromb", "records": []any{map[string]any{"k": "from-c"}}})
	waitFor(t, "node-c follows new writes", func() bool {
		got, _ := c.ids(t, "data", "old")
		return len(got) == 3
	})
	waitSameSum(t, all, "data", "old")
	waitSameSum(t, all, "data", "fromb")
}

// A node added with add_node's start_time follows only the changes the
// others stored since then: records written before are not copied, those
// written after are (its table made from a put, which names the primary
// key, since the create_table came before start_time).
func TestClusterNewNodeStartTime(t *testing.T) {
	tc := startCluster(t, clusterOpts{Plain: true, Nodes: 2, Replication: replicateAll})
	a := tc.Nodes[0]
	a.must(t, map[string]any{"operation": "create_table", "database": "data", "table": "st", "primary_key": "id"})
	a.must(t, map[string]any{"operation": "insert", "database": "data", "table": "st",
		"records": []any{map[string]any{"id": "old-1"}, map[string]any{"id": "old-2"}}})
	waitSameSum(t, tc.Nodes, "data", "st")
	time.Sleep(200 * time.Millisecond) // JetStream stamps messages in ns; keep the two sides apart
	start := time.Now().UTC()
	time.Sleep(200 * time.Millisecond)
	a.must(t, map[string]any{"operation": "insert", "database": "data", "table": "st", "records": []any{map[string]any{"id": "new-1"}}})

	// node-c runs its cluster port alone, then is added with start_time.
	port := freePort(t)
	c := startHops(t, "", fmt.Sprintf("replication:\n  hostname: node-c\n  port: %d\n  databases: \"*\"\nfamilies:\n  clustering:\n    host: 127.0.0.1\n", port))
	c.must(t, map[string]any{"operation": "add_node", "hostname": "127.0.0.1", "port": tc.Ports[0],
		"start_time": start.Format(time.RFC3339Nano)})
	c.waitConnected(t, "node-a", "node-b")
	a.must(t, map[string]any{"operation": "insert", "database": "data", "table": "st", "records": []any{map[string]any{"id": "new-2"}}})
	var got []string
	waitForOr(t, "node-c holds the records written since start_time", func() bool {
		got, _ = c.ids(t, "data", "st")
		return len(got) >= 2 && got[len(got)-2] == "new-1" && got[len(got)-1] == "new-2"
	}, func() { t.Logf("node-c holds %v; its replication log:\n%s", got, logLines(c, "repl", "WARN", "ERROR")) })
	if strings.Join(got, ",") != "new-1,new-2" {
		t.Errorf("node-c holds %v, want only the records written since start_time", got)
	}
}

// A node whose config loses clustering while it is stopped stops keeping
// outboxes at its next start (nothing would drain them).
func TestClusterOffAtStartDisablesTheOutboxes(t *testing.T) {
	port := freePort(t)
	in := startHops(t, "", fmt.Sprintf("replication:\n  hostname: solo\n  port: %d\n  databases: \"*\"\nfamilies:\n  clustering:\n    host: 127.0.0.1\n", port))
	if !in.waitOutput("replication outbox on", clusterWait) {
		t.Fatalf("the records outbox was not enabled:\n%s", logLines(in, "repl"))
	}
	in.stop()
	if err := os.WriteFile(filepath.Join(in.root, "hops-config.yaml"), []byte("families:\n  clustering:\n    host: 127.0.0.1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	in.start()
	if !in.waitOutput("replication outbox off", clusterWait) {
		t.Fatalf("the records outbox is still kept with clustering off:\n%s", logLines(in, "repl"))
	}
	// Once: a second start with clustering off does not disable again.
	before := strings.Count(in.out.String(), "replication outbox off")
	in.restart()
	in.must(t, map[string]any{"operation": "describe_all"})
	if n := strings.Count(in.out.String(), "replication outbox off"); n != before {
		t.Errorf("disabled again at the next start (%d times)", n)
	}
}

// replication.databases as a list: only the databases it names replicate
// (with system, which always does); naming another one later and applying
// it with restart_service clustering_config copies that database whole
// and follows it.
func TestClusterDatabasesList(t *testing.T) {
	tc := startCluster(t, clusterOpts{Plain: true, Nodes: 2, Replication: func(int) string { return "  databases:\n    - dev\n" }})
	a, b := tc.Nodes[0], tc.Nodes[1]
	a.must(t, map[string]any{"operation": "create_database", "database": "other"})
	a.must(t, map[string]any{"operation": "create_table", "database": "other", "table": "cats", "primary_key": "id"})
	a.must(t, map[string]any{"operation": "insert", "database": "other", "table": "cats", "records": []any{map[string]any{"id": "c1"}}})
	a.must(t, map[string]any{"operation": "create_database", "database": "dev"})
	a.must(t, map[string]any{"operation": "create_table", "database": "dev", "table": "dogs", "primary_key": "id"})
	a.must(t, map[string]any{"operation": "insert", "database": "dev", "table": "dogs", "records": []any{map[string]any{"id": "d1"}}})
	waitSameSum(t, tc.Nodes, "dev", "dogs")
	// node-a's changes arrive in order: other's, written first, would be
	// there by now.
	if r := b.admin(t, map[string]any{"operation": "describe_table", "database": "other", "table": "cats"}); r.Status == 200 {
		t.Errorf("node-b holds other.cats, which replication.databases does not name: %s", r.Raw)
	}

	for _, n := range tc.Nodes {
		n.must(t, map[string]any{"operation": "set_configuration", "replication_databases": []string{"dev", "other"}})
		if job := n.runJob(t, map[string]any{"operation": "restart_service", "service": "clustering_config"}); job["status"] != "COMPLETE" {
			t.Fatalf("restart_service clustering_config: %v", job)
		}
	}
	a.must(t, map[string]any{"operation": "insert", "database": "other", "table": "cats", "records": []any{map[string]any{"id": "c2"}}})
	waitFor(t, "other.cats copied to node-b, then followed", func() bool {
		got, _ := b.ids(t, "other", "cats")
		return strings.Join(got, ",") == "c1,c2"
	})
	var st struct {
		Connections []struct {
			Sockets []struct {
				Database string `json:"database"`
			} `json:"database_sockets"`
		} `json:"connections"`
	}
	a.must(t, map[string]any{"operation": "cluster_status"}).JSON(t, &st)
	if len(st.Connections) != 1 || len(st.Connections[0].Sockets) != 3 {
		t.Errorf("cluster_status sockets after the change: %+v (want system, dev, other)", st)
	}
}
