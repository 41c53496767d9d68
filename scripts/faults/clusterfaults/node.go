package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/hops-dev/hops/scripts/faults/internal/hopsproc"
)

// node is the hops node under attack.
type node struct {
	h           *hopsproc.Host
	clusterPort int
	cfgPath     string
	subsPath    string
	// slow keeps the running phase's slowest answers.
	slow slowest
}

// Users the phases call as.
const (
	superUser = "admin"
	superPass = "password"
	plainUser = "f18plain"
	plainPass = "f18plain-pw"
)

// answer is one request's outcome.
type answer struct {
	code    int
	body    []byte
	err     error
	elapsed time.Duration
	// reqID is the answer's X-Request-Id (the node's log names it).
	reqID string
}

func (n *node) post(client *http.Client, user, pass string, body []byte) answer {
	req, _ := http.NewRequest(http.MethodPost, n.h.URL, bytes.NewReader(body))
	req.SetBasicAuth(user, pass)
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		a := answer{err: err, elapsed: time.Since(start)}
		n.slow.add(start, body, a)
		return a
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	a := answer{code: resp.StatusCode, body: b, err: err, elapsed: time.Since(start), reqID: resp.Header.Get("X-Request-Id")}
	n.slow.add(start, body, a)
	return a
}

func (n *node) admin(body string) answer {
	return n.post(n.h.Client, superUser, superPass, []byte(body))
}

// addUser makes a user whose role is not super_user.
func (n *node) addUser() error {
	a := n.admin(`{"operation":"add_role","role":"f18role","permission":{"super_user":false}}`)
	if a.err != nil {
		return a.err
	}
	a = n.admin(fmt.Sprintf(`{"operation":"add_user","username":%q,"password":%q,"role":"f18role","active":true}`, plainUser, plainPass))
	if a.err != nil || a.code != 200 {
		return fmt.Errorf("add_user: %d %s %v", a.code, a.body, a.err)
	}
	return nil
}

// routes returns cluster_get_routes' answer.
func (n *node) routes() ([]any, error) {
	a := n.admin(`{"operation":"cluster_get_routes"}`)
	if a.err != nil || a.code != 200 {
		return nil, fmt.Errorf("cluster_get_routes: %d %s %v", a.code, a.body, a.err)
	}
	var r []any
	if err := json.Unmarshal(a.body, &r); err != nil {
		return nil, err
	}
	return r, nil
}

// setRoutes replaces the routes (configure_cluster with no connections
// keeps nothing, so the route list is written directly).
func (n *node) setRoutes(routes []any) error {
	b, _ := json.Marshal(map[string]any{"operation": "set_configuration", "replication_routes": routes})
	a := n.admin(string(b))
	if a.err != nil || a.code != 200 {
		return fmt.Errorf("set_configuration: %d %s %v", a.code, a.body, a.err)
	}
	return nil
}

// subsFile returns subscriptions.json ("" when absent).
func (n *node) subsFile() string {
	b, err := os.ReadFile(n.subsPath)
	if err != nil {
		return ""
	}
	return string(b)
}

// familyPid returns the clustering family's pid as host_information has it.
func (n *node) familyPids() map[string]int {
	a := n.admin(`{"operation":"host_information"}`)
	var hi struct {
		Plugins []struct {
			Name string `json:"name"`
			Pid  int    `json:"pid"`
		} `json:"plugins"`
	}
	out := map[string]int{}
	if a.err == nil && json.Unmarshal(a.body, &hi) == nil {
		for _, p := range hi.Plugins {
			out[p.Name] = p.Pid
		}
	}
	return out
}

// alive reports whether the host and every family run as the same
// processes as at start.
func (n *node) alive() bool {
	now := n.familyPids()
	ok := hopsproc.Alive(n.h.Cmd.Process.Pid)
	for name, pid := range n.h.Families {
		if now[name] != pid {
			fmt.Printf("family %s: pid %d at start, %d now\n", name, pid, now[name])
			ok = false
		}
	}
	return ok
}

// fds counts the clustering family's open file descriptors.
func (n *node) fds() int {
	pid := n.h.Families["clustering"]
	ents, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

// isJSON reports whether b is one JSON value.
func isJSON(b []byte) bool {
	var v any
	return json.Unmarshal(b, &v) == nil
}

// freePort returns a loopback port free now, in 20000-40000.
func freePort() int {
	for i := 0; i < 200; i++ {
		p := 20000 + int(time.Now().UnixNano()/7%20000)
		if p >= 19925 && p <= 19933 {
			continue
		}
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err == nil {
			l.Close()
			return p
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
