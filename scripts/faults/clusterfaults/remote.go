package main

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"time"
)

// fake is one hostile "other node": its name and the url add_node is
// given.
type fake struct {
	name string
	url  string
	stop func()
}

// listenLoop serves each connection of a loopback listener with fn until
// stop.
func listenLoop(fn func(net.Conn)) (string, func()) {
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", freePort()))
	if err != nil {
		panic(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go fn(c)
		}
	}()
	return l.Addr().String(), func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	}
}

func httpFake(name string, h http.HandlerFunc) fake {
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", freePort()))
	if err != nil {
		panic(err)
	}
	s := httptest.NewUnstartedServer(h)
	s.Listener.Close()
	s.Listener = l
	s.Start()
	return fake{name, s.URL + "/", func() { s.CloseClientConnections(); s.Close() }}
}

// operation reads the operation of a fake's request.
func operation(r *http.Request) string {
	var b struct {
		Operation string `json:"operation"`
	}
	_ = json.NewDecoder(r.Body).Decode(&b)
	return b.Operation
}

func (n *node) fakes() []fake {
	var out []fake
	addr, stop := listenLoop(func(c net.Conn) { time.Sleep(time.Hour) })
	out = append(out, fake{"black hole (accepts, never answers)", "http://" + addr + "/", stop})
	addr, stop = listenLoop(func(c net.Conn) { c.Close() })
	out = append(out, fake{"closes at once", "http://" + addr + "/", stop})
	addr, stop = listenLoop(func(c net.Conn) {
		buf := make([]byte, 4096)
		_, _ = c.Read(buf)
		_, _ = c.Write([]byte("\x00\xffgarbage not http\r\n\r\n"))
		c.Close()
	})
	out = append(out, fake{"garbage bytes", "http://" + addr + "/", stop})
	addr, stop = listenLoop(func(c net.Conn) {
		buf := make([]byte, 4096)
		_, _ = c.Read(buf)
		_, _ = c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"))
		for i := 0; i < 600; i++ {
			if _, err := c.Write([]byte(" ")); err != nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	out = append(out, fake{"drips a body a byte every 100 ms", "http://" + addr + "/", stop})
	out = append(out, httpFake("answers after 60 s", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(60 * time.Second):
		case <-r.Context().Done():
		}
		w.Write([]byte(`{}`))
	}))
	out = append(out, httpFake("huge body (256 MiB)", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"replication":{"port":1,"x":"`))
		chunk := []byte(strings.Repeat("x", 1<<20))
		for range 256 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		_, _ = w.Write([]byte(`"}}`))
	}))
	out = append(out, httpFake("redirect to this node", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, n.h.URL, http.StatusTemporaryRedirect)
	}))
	out = append(out, httpFake("200 HTML, not HarperDB", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html><body>hello</body></html>"))
	}))
	out = append(out, httpFake("200 {} (no cluster port)", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{}`))
	}))
	out = append(out, httpFake("200 [] (wrong shape)", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`[]`))
	}))
	out = append(out, httpFake("cluster port, then a bad certificate list", func(w http.ResponseWriter, r *http.Request) {
		switch operation(r) {
		case "get_configuration":
			_, _ = w.Write([]byte(`{"replication":{"port":20002,"hostname":"liar"}}`))
		default:
			_, _ = w.Write([]byte(`{"not":"a list"}`))
		}
	}))
	out = append(out, httpFake("cluster port, garbage authorities", func(w http.ResponseWriter, r *http.Request) {
		switch operation(r) {
		case "get_configuration":
			_, _ = w.Write([]byte(`{"replication":{"port":20002,"hostname":"liar2"}}`))
		case "list_certificates":
			_, _ = w.Write([]byte(`[{"name":"x","is_authority":true,"certificate":"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"}]`))
		default:
			w.WriteHeader(500)
			_, _ = w.Write([]byte(`{"error":"boom"}`))
		}
	}))
	out = append(out, httpFake("500 with a JSON error", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		_, _ = w.Write([]byte(`{"error":"internal"}`))
	}))
	out = append(out, httpFake("401", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(401)
		_, _ = w.Write([]byte(`{"error":"Login failed"}`))
	}))
	out = append(out, fake{"this node itself", n.h.URL, func() {}})
	out = append(out, fake{"https:// to this node's plain port", strings.Replace(n.h.URL, "http://", "https://", 1), func() {}})
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{}`)) }))
	if l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", freePort())); err == nil {
		ts.Listener.Close()
		ts.Listener = l
	}
	ts.TLS = &tls.Config{}
	ts.StartTLS()
	out = append(out, fake{"http:// to a TLS port", "http://" + ts.Listener.Addr().String() + "/", func() {}})
	out = append(out, fake{"https:// with an unverifiable certificate", ts.URL + "/", ts.Close})
	out = append(out, fake{"closed port", fmt.Sprintf("http://127.0.0.1:%d/", deadPort), func() {}})
	return out
}

// remote runs add_node with authorization against each fake.
func (n *node) remote(bound time.Duration) bool {
	if err := n.setRoutes([]any{}); err != nil {
		fmt.Println("FAIL", err)
		return false
	}
	fails := 0
	client := &http.Client{Timeout: 2 * bound}
	fdBefore := n.fds()
	for _, f := range n.fakes() {
		routesBefore, _ := n.routes()
		subsBefore := n.subsFile()
		for _, op := range []string{"add_node", "update_node", "configure_cluster"} {
			body := map[string]any{"operation": op, "url": f.url, "authorization": map[string]any{"username": superUser, "password": superPass},
				"subscriptions": []any{map[string]any{"database": "data", "table": "t", "publish": true, "subscribe": true}}}
			if op == "configure_cluster" {
				delete(body, "operation")
				body = map[string]any{"operation": op, "connections": []any{body}}
			}
			raw, _ := json.Marshal(body)
			a := n.post(client, superUser, superPass, raw)
			ok := a.err == nil && isJSON(a.body) && a.elapsed <= bound &&
				((a.code >= 400 && a.code < 500) || a.code == http.StatusBadGateway || a.code == http.StatusGatewayTimeout)
			routesAfter, _ := n.routes()
			same := reflect.DeepEqual(routesBefore, routesAfter) && subsBefore == n.subsFile()
			verdict := "ok"
			if !ok || !same {
				verdict = "FAIL"
				fails++
				if !same {
					verdict += " (routes or subscriptions changed)"
				}
			}
			fmt.Printf("REMOTE %-44s %-17s %d %6.2fs %s %.200s %v\n", f.name, op, a.code, a.elapsed.Seconds(), verdict, a.body, a.err)
			if !same {
				_ = n.setRoutes(routesBefore)
			}
		}
		f.stop()
	}
	// Connections to the fakes closed: the family's descriptors come back.
	var fdAfter int
	for i := 0; i < 50; i++ {
		if fdAfter = n.fds(); fdAfter <= fdBefore+1 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if fdAfter > fdBefore+1 {
		fmt.Printf("FAIL clustering family file descriptors %d before, %d after\n", fdBefore, fdAfter)
		fails++
	}
	fmt.Printf("PHASE remote failures=%d fds_before=%d fds_after=%d bound=%v\n", fails, fdBefore, fdAfter, bound)
	return fails == 0
}
