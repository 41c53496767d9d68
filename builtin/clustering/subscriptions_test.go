package clustering

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/nats-io/nats.go"

	"github.com/hops-dev/hops/sdk"
)

func TestNodeSubsValidates(t *testing.T) {
	items := make([]string, MaxSubscriptions+1)
	for i := range items {
		items[i] = fmt.Sprintf(`{"database":"d","table":"t%d","publish":true,"subscribe":true}`, i)
	}
	tooMany := `{"subscriptions":[` + strings.Join(items, ",") + `]}`
	cases := []struct {
		body   string
		adding bool
		want   []Subscription
		set    bool
		err    string
	}{
		{`{}`, true, nil, false, ""},
		{`{"subscriptions":null,"replicates":true}`, true, nil, false, ""},
		{`{"replicates":false}`, true, []Subscription{}, true, ""},
		{`{"subscriptions":[]}`, true, []Subscription{}, true, ""},
		{`{"subscriptions":[{"schema":"dev","table":"dog","subscribe":true,"publish":false}]}`, true,
			[]Subscription{{Database: "dev", Table: "dog", Subscribe: true}}, true, ""},
		{`{"subscriptions":[{"table":"dog","subscribe":false,"publish":true,"start_time":"2026-01-02T03:04:05.5Z"}]}`, true,
			[]Subscription{{Database: "data", Table: "dog", Publish: true, StartTime: 1767323045500}}, true, ""},
		{`{"subscriptions":[{"database":"d","subscribe":false,"publish":false}]}`, false,
			[]Subscription{{Database: "d"}}, true, ""},
		{`{"subscriptions":[{"database":"d","subscribe":false,"publish":false}]}`, true, nil, false,
			"'subscriptions[0]' subscribe and/or publish must be set to true when adding a node"},
		{`{"subscriptions":[{"database":"d","publish":true}]}`, true, nil, false, "'subscriptions[0].subscribe' is required"},
		{`{"subscriptions":[{"database":"d","publish":"yes","subscribe":true}]}`, true, nil, false, "'subscriptions[0].publish' must be a boolean"},
		{`{"subscriptions":[{"database":7,"publish":true,"subscribe":true}]}`, true, nil, false, "'subscriptions[0].database' must be a string"},
		{`{"subscriptions":[{"database":"d","publish":true,"subscribe":true,"start_time":"soon"}]}`, true, nil, false, "'subscriptions[0].start_time' must be in ISO 8601"},
		{`{"subscriptions":[{"database":"system","table":"hdb_user","publish":true,"subscribe":true}]}`, true, nil, false, "always replicates"},
		{`{"subscriptions":["dev.dog"]}`, true, nil, false, "'subscriptions[0]' must be of type object"},
		{`{"subscriptions":{"database":"d"}}`, true, nil, false, "'subscriptions' must be an array"},
		{`{"subscriptions":[],"replicates":false}`, true, nil, false, MsgReplicates},
		{`{"replicates":"no"}`, true, nil, false, "'replicates' must be a boolean"},
		{`{"subscriptions":[{"database":"d","table":"t","publish":true,"subscribe":true},{"schema":"d","table":"t","publish":false,"subscribe":true}]}`, true, nil, false,
			`'subscriptions[1]' names table "d.t" again (as 'subscriptions[0]' did)`},
		{`{"subscriptions":[{"database":"d","publish":true,"subscribe":true},{"database":"d","table":"t","publish":false,"subscribe":true},{"database":"d","publish":false,"subscribe":true}]}`, true, nil, false,
			`'subscriptions[2]' names database "d" again (as 'subscriptions[0]' did)`},
		{tooMany, true, nil, false, "'subscriptions' holds 4097 items: at most 4096"},
	}
	for _, tc := range cases {
		got, set, err := nodeSubs(sdk.ReadFields([]byte(tc.body)), tc.adding)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v, want %q", tc.body, err, tc.err)
			}
			if e, ok := err.(*sdk.Error); err != nil && (!ok || e.Status != 400) {
				t.Errorf("%s: %#v is not a 400", tc.body, err)
			}
			continue
		}
		if err != nil || set != tc.set || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %+v %v %v, want %+v %v", tc.body, got, set, err, tc.want, tc.set)
		}
	}
}

func TestSubscriptionsAllow(t *testing.T) {
	list := []Subscription{
		{Database: "dev", Table: "dog", Subscribe: true, Publish: false},
		{Database: "dev", Table: "cat", Subscribe: false, Publish: true},
		{Database: "ops", Subscribe: true, Publish: true, StartTime: 1000},
	}
	cases := []struct {
		db, table string
		ts        float64
		publish   bool
		want      bool
	}{
		{"dev", "dog", 5, false, true},
		{"dev", "dog", 5, true, false},
		{"dev", "cat", 5, false, false},
		{"dev", "cat", 5, true, true},
		{"dev", "bird", 5, false, false}, // not listed: not replicated
		{"dev", "", 5, false, true},      // the database itself: an item of it subscribes
		{"data", "dog", 5, false, false},
		{"ops", "any", 999, false, false}, // before start_time
		{"ops", "any", 1000, true, true},
	}
	for _, tc := range cases {
		if got := allows(list, tc.db, tc.table, tc.ts, tc.publish); got != tc.want {
			t.Errorf("allows(%s.%s ts %v publish %v) = %v", tc.db, tc.table, tc.ts, tc.publish, got)
		}
	}
	if allows([]Subscription{}, "dev", "dog", 1, false) {
		t.Error("an empty list lets a change through")
	}
}

func TestParseStartTime(t *testing.T) {
	cases := []struct {
		body string
		want int64 // ms; 0: none
		err  bool
	}{
		{`{}`, 0, false},
		{`{"start_time":null}`, 0, false},
		{`{"start_time":"2026-01-02T03:04:05.5Z"}`, 1767323045500, false},
		{`{"start_time":1767323045500}`, 1767323045500, false},
		{`{"start_time":"yesterday"}`, 0, true},
		{`{"start_time":-5}`, 0, true},
		{`{"start_time":true}`, 0, true},
	}
	for _, tc := range cases {
		got, err := parseStartTime(sdk.ReadFields([]byte(tc.body)))
		if (err != nil) != tc.err || (got == nil) != (tc.want == 0) || got != nil && got.UnixMilli() != tc.want {
			t.Errorf("%s: %v %v", tc.body, got, err)
		}
	}
}

func TestUpdateRoute(t *testing.T) {
	cases := []struct {
		routes []any
		entry  any
		hp     string
		want   []any
	}{
		{[]any{"a:1", "b:2"}, "b:2", "b:2", []any{"a:1", "b:2"}},
		{[]any{"a:1", "b:2"}, "b:3", "b:3", []any{"a:1", "b:3"}},
		{[]any{"h:1", "h:2"}, "h:3", "h:3", []any{"h:1", "h:2", "h:3"}},
		{[]any{"h:1", "h:2"}, "nats-route://h:2", "h:2", []any{"h:1", "nats-route://h:2"}},
		{[]any{}, "c", "c:9933", []any{"c"}},
	}
	for _, tc := range cases {
		if got := updateRoute(tc.routes, tc.entry, tc.hp); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("updateRoute(%v, %v) = %v, want %v", tc.routes, tc.entry, got, tc.want)
		}
	}
}

// TestRemoteSubsKeepsLastAnswer: once a node has answered, a node that
// no longer answers hops.subs (down, cut off, or slower than subsAsk)
// does not hold back applying its changes: its last list is used.
func TestRemoteSubsKeepsLastAnswer(t *testing.T) {
	port := freePort(t)
	n, err := startNode(settings{NodeName: "self", Port: port, BindHost: "127.0.0.1"}, nil, t.TempDir(), hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer n.stop()
	nc, err := nats.Connect(n.info.URL, nats.Token(n.info.Token))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	sub, err := nc.Subscribe(subsSubjectPrefix+"origin", func(m *nats.Msg) {
		_ = m.Respond([]byte(`{"set":true,"list":[{"database":"d","publish":true,"subscribe":true}]}`))
	})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := New()
	ctx := context.Background()
	rs, err := f.remoteSubsOf(ctx, nc, "self", "origin")
	if err != nil || !rs.set || len(rs.list) != 1 {
		t.Fatalf("first ask: %+v %v", rs, err)
	}
	// The origin stops answering: its answer is old.
	_ = sub.Unsubscribe()
	f.subs.mu.Lock()
	r := f.subs.remote["origin"]
	r.at = time.Now().Add(-time.Hour)
	f.subs.remote["origin"] = r
	f.subs.mu.Unlock()
	for i := range 3 {
		if i == 2 { // asked again after subsRefresh
			f.subs.mu.Lock()
			r := f.subs.remote["origin"]
			r.at = time.Now().Add(-time.Hour)
			f.subs.remote["origin"] = r
			f.subs.mu.Unlock()
		}
		rs, err = f.remoteSubsOf(ctx, nc, "self", "origin")
		if err != nil || !rs.set || len(rs.list) != 1 {
			t.Fatalf("origin silent: %+v %v, want its last list", rs, err)
		}
	}
	// A node never heard from is still asked, and its silence is an error.
	if _, err := f.remoteSubsOf(ctx, nc, "self", "never"); err == nil {
		t.Fatal("a node that never answered gave no error")
	}
}
