package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// nodeTimes matches the members of an answer that hold the time a node
// wrote something, or the size of its files: two nodes running the same
// requests differ there, and only there.
var nodeTimes = regexp.MustCompile(`"(__createdtime__|__updatedtime__|last_updated_record|table_size|db_size)":-?[0-9.]+`)

// answerReads is every read operation on data.dogs, in forms that take
// different paths through the records store, none ordered by a time.
func answerReads() []map[string]any {
	tbl := func(op string, kv ...any) map[string]any {
		m := map[string]any{"operation": op, "database": "data", "table": "dogs"}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	sql := func(q string) map[string]any { return map[string]any{"operation": "sql", "sql": q} }
	keys := []any{1, 2, 3, 4, 9, 10, 11, "s", "absent"}
	cond := []any{map[string]any{"search_attribute": "age", "search_type": "greater_than_equal", "search_value": 0}}
	return []map[string]any{
		tbl("search_by_hash", "hash_values", keys, "get_attributes", []string{"*"}),
		tbl("search_by_hash", "hash_values", keys, "get_attributes", []string{"name", "age"}),
		tbl("search_by_id", "ids", keys, "get_attributes", []string{"id"}),
		tbl("search_by_value", "search_attribute", "id", "search_value", "*", "get_attributes", []string{"*"}),
		tbl("search_by_value", "search_attribute", "name", "search_value", "*e*", "get_attributes", []string{"id", "name"}),
		tbl("search_by_value", "search_attribute", "id", "search_value", "*", "get_attributes", []string{"*"}, "limit", 2, "offset", 1, "reverse", true),
		tbl("search_by_conditions", "conditions", cond, "get_attributes", []string{"*"},
			"sort", map[string]any{"attribute": "name"}),
		sql("SELECT * FROM data.dogs ORDER BY id"),
		sql("SELECT id, name, age FROM data.dogs WHERE age > 2 ORDER BY name"),
		sql("SELECT count(*) AS n, max(age) AS a FROM data.dogs"),
		sql("SELECT a.id, b.name FROM data.dogs a INNER JOIN data.dogs b ON a.id = b.id ORDER BY a.id"),
		tbl("describe_table"),
		{"operation": "describe_database", "database": "data"},
	}
}

// sameAnswers fails t where a read answers differently on got than on
// want once nodeTimes are masked.
func sameAnswers(t *testing.T, stage string, want, got *instance) {
	t.Helper()
	for _, body := range answerReads() {
		w, g := want.admin(t, body), got.admin(t, body)
		wm := nodeTimes.ReplaceAll(w.Raw, []byte(`"$1":0`))
		gm := nodeTimes.ReplaceAll(g.Raw, []byte(`"$1":0`))
		if w.Status != 200 || g.Status != w.Status || !bytes.Equal(wm, gm) {
			t.Errorf("%s: %v answers differently on the replicating node:\n%d %s\nwithout replication:\n%d %s",
				stage, body, g.Status, g.Raw, w.Status, w.Raw)
		}
	}
}

// TestClusterAnswersSameWithKeyVersions: a node that replicates (its
// records carry their key versions, format 2) and one that does not
// (format 1) take the same writes of every kind and answer every read
// alike, and so does a second node of the cluster that applied the
// first's writes, the write times and file sizes masked (they are the
// nodes' own):
// after inserts, updates, partial updates, upserts, SQL writes, an
// attribute added and one dropped, deletes, a CSV load and
// delete_records_before; and again after the replicating node restarts
// with replication off and rewrites its format 2 records.
func TestClusterAnswersSameWithKeyVersions(t *testing.T) {
	tc := startCluster(t, clusterOpts{Plain: true, Nodes: 2, Replication: replicateAll})
	repl, follower := tc.Nodes[0], tc.Nodes[1]
	plain := startHops(t, "", "")
	both := func(body map[string]any) {
		t.Helper()
		var first response
		for i, n := range []*instance{plain, repl} {
			r := n.must(t, body)
			if i == 0 {
				first = r
			} else if !bytes.Equal(nodeTimes.ReplaceAll(r.Raw, nil), nodeTimes.ReplaceAll(first.Raw, nil)) {
				t.Errorf("%v: %s, without replication %s", body["operation"], r.Raw, first.Raw)
			}
		}
	}
	job := func(body map[string]any) {
		t.Helper()
		var first string
		for i, n := range []*instance{plain, repl} {
			j := n.runJob(t, body)
			got := fmt.Sprint(j["status"], " ", j["message"], " ", j["result"])
			if j["status"] != "COMPLETE" {
				t.Fatalf("%v: %s", body["operation"], got)
			}
			if i == 0 {
				first = got
			} else if got != first {
				t.Errorf("%v: %s, without replication %s", body["operation"], got, first)
			}
		}
	}
	tbl := func(op string, kv ...any) map[string]any {
		m := map[string]any{"operation": op, "database": "data", "table": "dogs"}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	rec := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	sql := func(q string) map[string]any { return map[string]any{"operation": "sql", "sql": q} }

	both(tbl("create_table", "primary_key", "id"))
	both(tbl("insert", "records", []any{rec("id", 1, "name", "Penny", "age", 5, "tags", []any{"a"}, "owner", rec("z", 1, "a", 2)),
		rec("id", 2, "name", "Harper", "age", 3), rec("id", 3, "name", "Alby", "weight", 12.5), rec("id", "s", "name", "Str", "age", 7)}))
	both(tbl("update", "records", []any{rec("id", 1, "age", 6), rec("id", "s", "name", "Str2")}))
	both(tbl("upsert", "records", []any{rec("id", 9, "name", "Nine"), rec("id", 3, "age", 4)}))
	both(tbl("create_attribute", "attribute", "color"))
	both(sql("UPDATE data.dogs SET color = 'red' WHERE id = 3"))
	both(sql("INSERT INTO data.dogs (id, name, age) VALUES (10, 'Ten', 10)"))
	job(tbl("csv_data_load", "action", "upsert", "data", "id,name,age,tmp\n11,Eleven,11,x\n1,Penny2,5,y\n"))
	both(tbl("drop_attribute", "attribute", "tmp"))
	both(tbl("delete", "hash_values", []any{2}))
	sameAnswers(t, "replicated writes", plain, repl)
	// The other node applied them (format 2 records the applier wrote).
	waitSameSum(t, tc.Nodes, "data", "dogs")
	sameAnswers(t, "applied writes", plain, follower)

	// delete_records_before: every record so far was created before the
	// cutoff (created times are whole ms; the wait passes the cutoff's).
	cutoff := time.Now().UTC()
	time.Sleep(5 * time.Millisecond)
	both(tbl("insert", "records", []any{rec("id", 4, "name", "Four", "age", 4)}))
	job(tbl("delete_records_before", "date", cutoff.Format(time.RFC3339Nano)))
	both(tbl("upsert", "records", []any{rec("id", 1, "name", "Back", "age", 1), rec("id", 3, "name", "Alby")}))
	sameAnswers(t, "delete_records_before", plain, repl)

	// Replication off at the next start: the format 2 records are
	// rewritten as format 1 ones.
	repl.stop()
	if err := os.WriteFile(filepath.Join(repl.root, "hops-config.yaml"), []byte("families:\n  clustering:\n    host: 127.0.0.1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	repl.start()
	if !repl.waitOutput("replication outbox off", clusterWait) {
		t.Fatalf("the records outbox is still kept:\n%s", logLines(repl, "repl"))
	}
	both(tbl("update", "records", []any{rec("id", 4, "age", 40), rec("id", 1, "color", "blue")}))
	both(sql("UPDATE data.dogs SET age = 2 WHERE id = 3"))
	both(tbl("drop_attribute", "attribute", "color"))
	both(tbl("delete", "hash_values", []any{1}))
	sameAnswers(t, "replication off", plain, repl)
}
