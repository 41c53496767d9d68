package clustering

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hops-dev/hops/sdk"
)

func TestJoinAuthForms(t *testing.T) {
	cases := []struct {
		body, header string
		ok           bool
		err          bool
	}{
		{`{}`, "", false, false},
		{`{"authorization":null}`, "", false, false},
		{`{"authorization":"Basic eDp5"}`, "Basic eDp5", true, false},
		{`{"authorization":{"username":"x","password":"y"}}`, "Basic eDp5", true, false},
		{`{"authorization":{"username":"x"}}`, "", false, true},
		{`{"authorization":7}`, "", false, true},
	}
	for _, tc := range cases {
		h, ok, err := joinAuth(sdk.ReadFields([]byte(tc.body)))
		if h != tc.header || ok != tc.ok || (err != nil) != tc.err {
			t.Errorf("%s: %q %v %v", tc.body, h, ok, err)
		}
	}
	for u, want := range map[string]bool{"http://a:9925/": true, "HTTPS://a": true, "nats-route://a:9933": false, "a:9933": false, "wss://a": false} {
		if isOpsURL(u) != want {
			t.Errorf("isOpsURL(%q) = %v", u, !want)
		}
	}
}

// joinHost answers the family's host calls with dispatch; the other
// sdk.Host methods are not called by joining.
type joinHost struct {
	sdk.Host
	answer func(body []byte) (int, string)
}

func (h joinHost) Dispatch(_ context.Context, _ sdk.Caller, body []byte) (*sdk.Reply, error) {
	code, b := h.answer(body)
	return &sdk.Reply{Status: code, ContentType: "application/json", Body: io.NopCloser(strings.NewReader(b))}, nil
}

// joinFamily is a family whose host says it is node "self" with cluster
// port 20555.
func joinFamily() *Family {
	f, _ := New()
	f.host = joinHost{answer: func(body []byte) (int, string) {
		if strings.Contains(string(body), `"get_configuration"`) {
			return 200, `{"replication":{"hostname":"self","port":20555}}`
		}
		return 200, `[]`
	}}
	return f
}

func joinStatus(t *testing.T, err error) (int, string) {
	t.Helper()
	var se *sdk.Error
	if !errors.As(err, &se) {
		t.Fatalf("join: %v, want an operation error", err)
	}
	return se.Status, se.Message
}

func TestJoinRefusesRedirects(t *testing.T) {
	var target atomic.Int64
	dst := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target.Add(1)
		_, _ = w.Write([]byte(`{"replication":{"hostname":"other","port":20556}}`))
	}))
	defer dst.Close()
	src := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, dst.URL, http.StatusTemporaryRedirect)
	}))
	defer src.Close()
	_, err := joinFamily().join(context.Background(), sdk.Caller{}, src.URL+"/", "Basic eDp5", true)
	code, msg := joinStatus(t, err)
	if code != http.StatusBadRequest || !strings.Contains(msg, "redirected (307)") {
		t.Errorf("redirect: %d %s", code, msg)
	}
	if n := target.Load(); n != 0 {
		t.Errorf("the redirect was followed (%d calls with the credentials)", n)
	}
}

func TestJoinRefusesItself(t *testing.T) {
	for name, conf := range map[string]string{
		"same name":           `{"replication":{"hostname":"self","port":30001}}`,
		"own port, loopback":  `{"replication":{"hostname":"twin","port":20555}}`,
		"own port, no a name": `{"replication":{"port":20555}}`,
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(conf))
		}))
		_, err := joinFamily().join(context.Background(), sdk.Caller{}, srv.URL+"/", "Basic eDp5", true)
		srv.Close()
		code, msg := joinStatus(t, err)
		if code != http.StatusBadRequest || !strings.Contains(msg, "reaches this node itself") {
			t.Errorf("%s: %d %s", name, code, msg)
		}
	}
}

// TestJoinLeavesNoConnection: the calls of a join (here it fails at the
// certificate step, after two calls) leave no connection open to the
// other node, so no goroutine or descriptor stays behind.
func TestJoinLeavesNoConnection(t *testing.T) {
	var open atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"replication":{"hostname":"other","port":20556}}`))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			open.Add(1)
		case http.StateClosed, http.StateHijacked:
			open.Add(-1)
		}
	}
	srv.Start()
	defer srv.Close()
	_, err := joinFamily().join(context.Background(), sdk.Caller{}, srv.URL+"/", "Basic eDp5", true)
	if err == nil {
		t.Fatal("join succeeded with no node certificate")
	}
	for i := 0; i < 100 && open.Load() != 0; i++ {
		time.Sleep(20 * time.Millisecond)
	}
	if n := open.Load(); n != 0 {
		t.Errorf("%d connections to the other node left open after the join", n)
	}
}

// TestJoinNoAnswerIs504: a node that accepts and never answers ends the
// join with 504 when the deadline passes.
func TestJoinNoAnswerIs504(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = joinFamily().join(ctx, sdk.Caller{}, "http://"+l.Addr().String()+"/", "Basic eDp5", true)
	code, msg := joinStatus(t, err)
	if code != http.StatusGatewayTimeout || !strings.Contains(msg, "no answer within") {
		t.Errorf("black hole: %d %s", code, msg)
	}
}

// TestJoinChecksFieldsFirst: a field of the wrong type is refused before
// the other node is called (calling it changes it), in add_node and in
// every connection of configure_cluster.
func TestJoinChecksFieldsFirst(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_, _ = w.Write([]byte(`{"replication":{"hostname":"other","port":20556}}`))
	}))
	defer srv.Close()
	conn := `{"url":"` + srv.URL + `/","authorization":"Basic eDp5"}`
	for _, tc := range []struct{ op, body string }{
		{"add_node", `{"operation":"add_node","url":"` + srv.URL + `/","authorization":"Basic eDp5","node_name":7}`},
		{"add_node", `{"operation":"add_node","url":"` + srv.URL + `/","authorization":"Basic eDp5","hostname":["a"]}`},
		{"add_node", `{"operation":"add_node","url":"` + srv.URL + `/","authorization":"Basic eDp5","port":9934}`},
		{"configure_cluster", `{"operation":"configure_cluster","connections":[` + conn + `,{"hostname":"a","port":"x"}]}`},
		{"configure_cluster", `{"operation":"configure_cluster","connections":[` + conn + `,{"url":"` + srv.URL + `/","authorization":"Basic eDp5","node_name":{}}]}`},
	} {
		f := joinFamily()
		req := &sdk.Request{Operation: tc.op, Body: []byte(tc.body)}
		var err error
		if tc.op == "add_node" {
			_, err = f.addNode(context.Background(), req)
		} else {
			_, err = f.configureCluster(context.Background(), req)
		}
		if code, msg := joinStatus(t, err); code != http.StatusBadRequest {
			t.Errorf("%s: %d %s", tc.body, code, msg)
		}
		if n := calls.Swap(0); n != 0 {
			t.Errorf("%s: the other node was called %d times before the body was refused", tc.body, n)
		}
	}
}
