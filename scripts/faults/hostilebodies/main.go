// Command hostilebodies sends malformed and hostile request bodies to one
// running hops instance (issue 13) and counts the answers by status. The
// operation list comes from GET /openapi.json (admin Basic auth), else
// from a fixed list; operations that restart the instance, change its
// configuration or reach the network (cluster nodes, S3, npm) are left
// out so the instance under test stays one process tree on loopback
// (scripts/faults/clusterfaults attacks the clustering ones on a
// clustered node it starts).
// Bodies are: every field of a valid body of each operation replaced by
// each hostile value (wrong types, huge numbers, deep nesting, nulls,
// unicode edge cases), the body truncated, keys duplicated and cased
// differently, and raw non-JSON bytes. -workers clients send -n bodies.
// It reads the host and family PIDs and family restarts before and after
// and prints:
//
//	STATUS code=N count=M
//	RESULT sent=.. 5xx=.. transport_errors=.. family_restarts=.. pids_same=true|false
//
// It exits non-zero on any 5xx, transport error, restart or PID change.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var skip = map[string]bool{
	"restart": true, "restart_service": true, "set_configuration": true,
	"configure_cluster": true, "add_node": true, "set_node": true,
	"update_node": true, "remove_node": true, "cluster_set_routes": true,
	"cluster_delete_routes": true, "cluster_reload": true,
	"export_to_s3": true, "export_local": true, "install_node_modules": true,
}

var fixedOps = []string{
	"describe_all", "describe_database", "describe_table", "create_database",
	"create_table", "create_attribute", "drop_attribute", "drop_table",
	"insert", "update", "upsert", "delete", "search_by_hash", "search_by_id",
	"search_by_value", "search_by_conditions", "sql", "add_user",
	"alter_user", "drop_user", "list_users", "user_info", "add_role",
	"alter_role", "drop_role", "list_roles", "get_job",
	"search_jobs_by_start_date", "system_information", "host_information",
	"get_configuration", "get_status", "set_status", "clear_status",
	"create_authentication_tokens", "refresh_operation_token",
	"delete_records_before", "delete_files_before", "table_sizes",
	"list_certificates", "add_certificate", "remove_certificate",
	"export_search", "cluster_status", "cluster_get_routes",
}

// base is a body every operation accepts the shape of; each operation
// reads the fields it knows.
func base(op string) map[string]any {
	return map[string]any{
		"operation": op, "database": "f13", "schema": "f13", "table": "t",
		"primary_key": "id", "hash_attribute": "id", "attribute": "a",
		"records":          []any{map[string]any{"id": 1, "a": "x"}},
		"hash_values":      []any{1},
		"ids":              []any{1},
		"get_attributes":   []any{"*"},
		"search_attribute": "a", "search_value": "x", "search_type": "equals",
		"conditions": []any{map[string]any{"search_attribute": "a", "search_type": "equals", "search_value": "x"}},
		"operator":   "and", "limit": 10, "offset": 0,
		"sql":      "SELECT * FROM f13.t WHERE id = 1",
		"username": "f13u", "password": "pw", "role": "f13r", "active": true,
		"permission": map[string]any{"super_user": false},
		"id":         "x", "date": "2026-01-01T00:00:00Z", "name": "n",
		"from_date": "2026-01-01", "to_date": "2026-12-31",
		"attributes": []any{"harperdb_processes"}, "status": "ok",
		"value": "v", "certificate": "-----BEGIN CERTIFICATE-----\nAA\n-----END CERTIFICATE-----",
		"private_key": "k", "is_authority": false, "format": "json",
		"search_operation": map[string]any{"operation": "search_by_value", "database": "f13", "table": "t", "search_attribute": "a", "search_value": "*"},
		"refresh_token":    "x.y.z", "service": "none",
	}
}

func hostile() []any {
	deepA := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	deepO := strings.Repeat(`{"a":`, 20000) + "1" + strings.Repeat("}", 20000)
	var nestA any = 1
	for range 200 {
		nestA = []any{nestA}
	}
	var nestO any = "x"
	for range 200 {
		nestO = map[string]any{"a": nestO}
	}
	return []any{
		nil, true, false, 0, -1, 1.5, json.RawMessage("-0.0"), 1e308, -1e308,
		json.RawMessage("1e999"), json.RawMessage("-1e999"),
		json.RawMessage("123456789012345678901234567890123456789"),
		json.RawMessage("9223372036854775808"), json.RawMessage("-9223372036854775809"),
		json.RawMessage("0.0000000000000000000000000000001e-400"),
		"", " ", "\x00", "\u0000a", "\ufeff", "\u202e", "💩", "a\u0301", "\uffff",
		json.RawMessage(`"\ud800"`), json.RawMessage(`"\udfff\ud800"`),
		strings.Repeat("x", 100000), strings.Repeat("é", 20000),
		"../../../../etc/passwd", "*", "%", "'; DROP TABLE t; --",
		"SELECT * FROM system.hdb_user", "1; SELECT 1", "${x}", "\\",
		[]any{}, map[string]any{}, []any{nil}, []any{1, "a", nil, true, []any{}},
		map[string]any{"": nil}, map[string]any{"__proto__": map[string]any{"x": 1}},
		nestA, nestO, json.RawMessage(deepA), json.RawMessage(deepO),
		make([]any, 5000),
	}
}

func bodies(ops []string, n int) [][]byte {
	hv := hostile()
	out := make([][]byte, 0, n)
	add := func(b []byte) bool {
		out = append(out, b)
		return len(out) >= n
	}
	for round := 0; ; round++ {
		for _, op := range ops {
			b := base(op)
			valid, _ := json.Marshal(b)
			keys := make([]string, 0, len(b))
			for k := range b {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			// every field, every hostile value
			for _, k := range keys {
				for i, v := range hv {
					if (i+round)%3 != 0 && round > 0 {
						continue
					}
					m := base(op)
					m[k] = v
					raw, err := json.Marshal(m)
					if err != nil {
						continue
					}
					if add(raw) {
						return out
					}
				}
			}
			// truncations
			for i := 1; i < len(valid); i += 1 + len(valid)/40 {
				if add(valid[:len(valid)-i]) {
					return out
				}
			}
			// duplicate and differently cased keys
			extra := []string{
				`{"operation":"%s","operation":"describe_all"}`,
				`{"operation":"describe_all","operation":"%s"}`,
				`{"Operation":"%s"}`, `{"OPERATION":"%s","operation":"%s"}`,
				`{"operation":"%s","database":"f13","Database":"system","DATABASE":null}`,
				`{"operation":"%s","table":"t","table":{"x":1},"table":[1]}`,
				`{"operation":"%s","username":"f13u","UserName":"f13v","records":[{"id":1,"ID":2,"id":3}]}`,
				`{"operation":"%s" ,, }`, `{"operation":"%s",}`, `{'operation':'%s'}`,
				`{"operation":"%s"}{"operation":"%s"}`, `[{"operation":"%s"}]`,
				`{"operation":"%s","x":` + "\"\xff\xfe\"}", "\xef\xbb\xbf{\"operation\":\"%s\"}",
				`{"operation":"%s\u0000"}`, `{"operation":" %s"}`, `{"operation":"%s","database":"f13","table":"t","records":"[{\"id\":1}]"}`,
			}
			for _, e := range extra {
				c := strings.Count(e, "%s")
				args := make([]any, c)
				for i := range args {
					args[i] = op
				}
				if add(fmt.Appendf(nil, e, args...)) {
					return out
				}
			}
		}
		for _, raw := range []string{"", " ", "null", "true", "1", `"x"`, "[]", "{}", "{", "}", "\x00\x01\x02", "\xff\xfe\xfd",
			`{"operation":null}`, `{"operation":1}`, `{"operation":[]}`, `{"operation":{}}`, `{"operation":""}`,
			`{"operation":"no_such_op"}`, strings.Repeat(`{"operation":"describe_all",`, 5000)} {
			if add([]byte(raw)) {
				return out
			}
		}
	}
}

type snapshot struct {
	pids     map[string]int
	restarts int
}

func main() {
	target := flag.String("url", "", "operations API URL (loopback)")
	user := flag.String("user", "admin", "admin user")
	pass := flag.String("pass", "password", "admin password")
	n := flag.Int("n", 48000, "bodies to send")
	workers := flag.Int("workers", 8, "concurrent clients")
	flag.Parse()
	u, err := url.Parse(*target)
	if err != nil || !net.ParseIP(u.Hostname()).IsLoopback() {
		fmt.Fprintln(os.Stderr, "hostilebodies: -url must be a loopback URL")
		os.Exit(2)
	}
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *workers}}
	post := func(body []byte) (int, []byte, error) {
		req, _ := http.NewRequest("POST", *target, bytes.NewReader(body))
		req.SetBasicAuth(*user, *pass)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return resp.StatusCode, b, nil
	}
	snap := func() (snapshot, error) {
		s := snapshot{pids: map[string]int{}}
		_, b, err := post([]byte(`{"operation":"system_information","attributes":["harperdb_processes"]}`))
		if err != nil {
			return s, err
		}
		var si struct {
			P struct {
				Core    []struct{ Pid int } `json:"core"`
				Plugins []struct {
					Pid      int    `json:"pid"`
					Name     string `json:"name"`
					Restarts int    `json:"restarts"`
				} `json:"plugins"`
			} `json:"harperdb_processes"`
		}
		if err := json.Unmarshal(b, &si); err != nil || len(si.P.Core) == 0 {
			return s, fmt.Errorf("system_information: %s", b)
		}
		s.pids["host"] = si.P.Core[0].Pid
		for _, p := range si.P.Plugins {
			s.pids[p.Name] = p.Pid
			s.restarts += p.Restarts
		}
		return s, nil
	}

	ops := fixedOps
	if req, err := http.NewRequest("GET", strings.TrimSuffix(*target, "/")+"/openapi.json", nil); err == nil {
		req.SetBasicAuth(*user, *pass)
		if resp, err := client.Do(req); err == nil {
			var doc struct {
				Components struct {
					Schemas map[string]json.RawMessage `json:"schemas"`
				} `json:"components"`
			}
			if resp.StatusCode == 200 && json.NewDecoder(resp.Body).Decode(&doc) == nil && len(doc.Components.Schemas) > 0 {
				ops = ops[:0:0]
				for k := range doc.Components.Schemas {
					if k != "Error" && !skip[k] {
						ops = append(ops, k)
					}
				}
				sort.Strings(ops)
			}
			resp.Body.Close()
		}
	}
	fmt.Printf("operations (%d): %s\n", len(ops), strings.Join(ops, " "))
	setup := [][]byte{
		[]byte(`{"operation":"create_database","database":"f13"}`),
		[]byte(`{"operation":"create_table","database":"f13","table":"t","primary_key":"id"}`),
		[]byte(`{"operation":"insert","database":"f13","table":"t","records":[{"id":1,"a":"x"},{"id":2,"a":"y"}]}`),
	}
	for _, b := range setup {
		_, _, _ = post(b)
	}
	before, err := snap()
	if err != nil {
		fmt.Fprintln(os.Stderr, "before:", err)
		os.Exit(1)
	}
	all := bodies(ops, *n)
	var next, transport atomic.Int64
	var mu sync.Mutex
	counts := map[int]int{}
	var fives []string
	start := time.Now()
	var wg sync.WaitGroup
	for range *workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(all) {
					return
				}
				if i%1000 == 999 { // put back what drop_* took away
					for _, b := range setup {
						_, _, _ = post(b)
					}
				}
				code, resp, err := post(all[i])
				if err != nil {
					transport.Add(1)
					mu.Lock()
					if len(fives) < 20 {
						fives = append(fives, fmt.Sprintf("transport error %v for %.200q", err, all[i]))
					}
					mu.Unlock()
					continue
				}
				mu.Lock()
				counts[code]++
				if code >= 500 && len(fives) < 20 {
					fives = append(fives, fmt.Sprintf("%d %.200s for %.200q", code, resp, all[i]))
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	after, err := snap()
	if err != nil {
		fmt.Fprintln(os.Stderr, "after:", err)
		os.Exit(1)
	}
	codes := make([]int, 0, len(counts))
	five := 0
	for c, k := range counts {
		codes = append(codes, c)
		if c >= 500 {
			five += k
		}
	}
	sort.Ints(codes)
	for _, c := range codes {
		fmt.Printf("STATUS code=%d count=%d\n", c, counts[c])
	}
	for _, f := range fives {
		fmt.Println("FAIL", f)
	}
	same := len(before.pids) == len(after.pids)
	for k, v := range before.pids {
		if after.pids[k] != v {
			same = false
			fmt.Printf("PID %s: %d before, %d after\n", k, v, after.pids[k])
		}
	}
	restarts := after.restarts - before.restarts
	fmt.Printf("RESULT sent=%d seconds=%.1f workers=%d 5xx=%d transport_errors=%d family_restarts=%d pids_same=%v processes=%d\n",
		len(all), elapsed.Seconds(), *workers, five, transport.Load(), restarts, same, len(after.pids))
	if five > 0 || transport.Load() > 0 || restarts != 0 || !same {
		os.Exit(1)
	}
}
