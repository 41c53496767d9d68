// Command compatdiff sends the same operations to hops and to HarperDB
// 4.7.29 and prints where their answers differ (status code and JSON
// body). It is a development tool, never run by `make test`: it needs a
// running HarperDB (scripts/bench/harperdb.sh).
//
//	go run ./scripts/compatdiff -a http://127.0.0.1:HOPS -b http://127.0.0.1:HDB steps.json...
//
// A steps file is a JSON array of steps:
//
//	{"name": "...", "op": {...}, "unordered": true, "show": true}
//
// `${run}` in an op is replaced by a token unique to the run, so database
// names do not collide with an earlier run. Before comparing, the values
// of __createdtime__ and __updatedtime__ are replaced by a placeholder;
// with "unordered" the members of an array answer are compared as a set.
// "show" prints both answers even when they agree.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// step is one operation sent to both servers.
type step struct {
	Name      string          `json:"name"`
	Op        json.RawMessage `json:"op"`
	Unordered bool            `json:"unordered"`
	Show      bool            `json:"show"`
	SleepMS   int             `json:"sleep_ms"`
}

// answer is what one server said.
type answer struct {
	status int
	body   any
	raw    string
}

func main() {
	a := flag.String("a", "", "hops operations API URL")
	b := flag.String("b", "", "HarperDB operations API URL")
	user := flag.String("user", "admin", "Basic auth user")
	pass := flag.String("pass", "password", "Basic auth password")
	run := flag.String("run", strconv.FormatInt(time.Now().Unix()%100000, 10), "token replacing ${run}")
	flag.Parse()
	client := &http.Client{Timeout: 60 * time.Second}
	diffs, total := 0, 0
	for _, file := range flag.Args() {
		data, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		var steps []step
		if err := json.Unmarshal(data, &steps); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", file, err)
			os.Exit(2)
		}
		for _, s := range steps {
			total++
			var compact bytes.Buffer
			if err := json.Compact(&compact, s.Op); err != nil {
				fmt.Fprintf(os.Stderr, "%s: %s: %v\n", file, s.Name, err)
				os.Exit(2)
			}
			op := strings.ReplaceAll(compact.String(), "${run}", *run)
			ha := call(client, *a, *user, *pass, op)
			hb := call(client, *b, *user, *pass, op)
			if s.SleepMS > 0 {
				time.Sleep(time.Duration(s.SleepMS) * time.Millisecond)
			}
			same := ha.status == hb.status && equal(normal(ha.body, s.Unordered), normal(hb.body, s.Unordered))
			if !same {
				diffs++
			}
			if !same || s.Show {
				mark := "DIFF"
				if same {
					mark = "same"
				}
				fmt.Printf("=== %s %s\n  op:   %s\n  hops: %d %s\n  hdb:  %d %s\n", mark, s.Name, op, ha.status, clip(ha.raw), hb.status, clip(hb.raw))
			}
		}
	}
	fmt.Printf("%d of %d steps differ\n", diffs, total)
}

// call posts op to url and reads the whole answer.
func call(c *http.Client, url, user, pass, op string) answer {
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(op))
	if err != nil {
		return answer{raw: err.Error()}
	}
	req.SetBasicAuth(user, pass)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return answer{raw: err.Error()}
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, raw: string(bytes.TrimSpace(data))}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if dec.Decode(&a.body) != nil {
		a.body = a.raw
	}
	return a
}

// normal replaces timestamps and, for an unordered answer, sorts arrays.
func normal(v any, unordered bool) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			if k == "__createdtime__" || k == "__updatedtime__" {
				out[k] = "T"
				continue
			}
			out[k] = normal(x, unordered)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = normal(x, unordered)
		}
		if unordered {
			sort.Slice(out, func(i, j int) bool { return key(out[i]) < key(out[j]) })
		}
		return out
	case json.Number:
		f, err := t.Float64()
		if err != nil {
			return t.String()
		}
		return f
	}
	return v
}

func key(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func equal(a, b any) bool { return reflect.DeepEqual(a, b) }

func clip(s string) string {
	const max = 600
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
