package clustering

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/hops-dev/hops/builtin/internal/replpack"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// fakeSource is a source as the contract describes it, in memory.
type fakeSource struct {
	mu       sync.Mutex
	name     string
	node     string
	enabled  bool
	seq      int64
	outbox   []json.RawMessage
	acked    int64
	applied  map[string][]int64 // origin node -> seqs applied, in order
	ops      map[string][]string
	failNext int  // applies to refuse before taking one
	failAck  bool // refuse every outbox_ack (a crash before the ack)
	// calls counts the applies taken, largest the most entries one held,
	// packs the compressed messages they carried.
	calls, largest, packs int
}

func newFakeSource(name string) *fakeSource {
	return &fakeSource{name: name, applied: map[string][]int64{}, ops: map[string][]string{}}
}

// write commits a change: into the outbox when enabled.
func (s *fakeSource) write(op string) {
	s.writeSized(op, 0)
}

// writeSized writes a change with a pad member of size bytes.
func (s *fakeSource) writeSized(op string, size int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.enabled {
		return
	}
	s.seq++
	m := map[string]any{"seq": s.seq, "ts": float64(time.Now().UnixMicro()) / 1000, "node": s.node, "op": op}
	if size > 0 {
		m["pad"] = strings.Repeat("p", size)
	}
	e, _ := json.Marshal(m)
	s.outbox = append(s.outbox, e)
}

func (s *fakeSource) handle(verb string, body map[string]json.RawMessage) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch verb {
	case "enable":
		_ = json.Unmarshal(body["node"], &s.node)
		s.enabled = true
		return map[string]any{"message": "ok"}, nil
	case "outbox":
		var after, limit int64
		_ = json.Unmarshal(body["after"], &after)
		_ = json.Unmarshal(body["limit"], &limit)
		// Entries are in seq order, seq = s.acked + index + 1.
		from := max(after-s.acked, 0)
		to := min(from+limit, int64(len(s.outbox)))
		out := []json.RawMessage{}
		if from < to {
			out = append(out, s.outbox[from:to]...)
		}
		var packed int
		var encoding string
		_ = json.Unmarshal(body["encoding"], &encoding)
		if s.name == "records" && json.Unmarshal(body["packed"], &packed) == nil && packed > 0 {
			return packAnswer(out, packed, encoding == replpack.Encoding), nil
		}
		return map[string]any{"entries": out}, nil
	case "outbox_ack":
		if s.failAck {
			return nil, errors.New("outbox_ack refused (test)")
		}
		var upto int64
		_ = json.Unmarshal(body["upto"], &upto)
		if drop := min(upto-s.acked, int64(len(s.outbox))); drop > 0 {
			s.outbox = s.outbox[drop:]
			s.acked += drop
		}
		return map[string]any{"message": "ok"}, nil
	case "apply":
		if s.failNext > 0 {
			s.failNext--
			return nil, errors.New("apply refused (test)")
		}
		var origin string
		var entries []struct {
			Seq  int64  `json:"seq"`
			Node string `json:"node"`
			Op   string `json:"op"`
		}
		_ = json.Unmarshal(body["origin"], &origin)
		if raw := body["entries"]; raw != nil {
			if err := json.Unmarshal(raw, &entries); err != nil {
				return nil, err
			}
		}
		var packs []json.RawMessage
		_ = json.Unmarshal(body["packs"], &packs)
		for _, p := range packs {
			list, err := replpack.Decode(p)
			if err != nil {
				return nil, err
			}
			more := entries[:0:0]
			if err := json.Unmarshal(list, &more); err != nil {
				return nil, err
			}
			entries = append(entries, more...)
			s.packs++
		}
		s.calls++
		s.largest = max(s.largest, len(entries))
		for _, e := range entries {
			if e.Node != origin {
				return nil, fmt.Errorf("entry of %s from origin %s", e.Node, origin)
			}
			s.applied[origin] = append(s.applied[origin], e.Seq)
			s.ops[origin] = append(s.ops[origin], e.Op)
		}
		return map[string]any{"applied": len(entries), "skipped": 0}, nil
	}
	return nil, fmt.Errorf("unknown verb %s", verb)
}

// packAnswer is a packed outbox answer, as the records source writes it:
// entries in messages of up to size bytes (at least one entry each),
// compressed (replpack) when compress.
func packAnswer(entries []json.RawMessage, size int, compress bool) json.RawMessage {
	var head struct {
		Seq int64       `json:"seq"`
		TS  json.Number `json:"ts"`
	}
	var heads, msgs []byte
	for i := 0; i < len(entries); {
		msg := []byte{'['}
		first, n := int64(0), 0
		for ; i < len(entries) && (n == 0 || len(msg)+len(entries[i])+1 <= size); i++ {
			_ = json.Unmarshal(entries[i], &head)
			if n == 0 {
				first = head.Seq
			} else {
				msg = append(msg, ',')
			}
			msg = append(msg, entries[i]...)
			n++
		}
		msg = append(msg, ']')
		if len(heads) > 0 {
			heads, msgs = append(heads, ','), append(msgs, ',')
		}
		if compress {
			raw := len(msg)
			msg = replpack.Append(nil, msg)
			heads = fmt.Appendf(heads, "[%d,%d,%s,%d,%d,%d,%d]", first, head.Seq, head.TS, n, len(msgs), len(msg), raw)
			msgs = append(msgs, msg...)
			continue
		}
		heads = fmt.Appendf(heads, "[%d,%d,%s,%d,%d,%d]", first, head.Seq, head.TS, n, len(msgs), len(msg))
		msgs = append(msgs, msg...)
	}
	return json.RawMessage(`{"packs":[` + string(heads) + `],"messages":[` + string(msgs) + `]}`)
}

func (s *fakeSource) appliedFrom(origin string) []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int64(nil), s.applied[origin]...)
}

func (s *fakeSource) opsFrom(origin string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ops[origin]...)
}

func (s *fakeSource) pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.outbox)
}

// fakeHost routes repl_<source>_<verb> to its sources.
type fakeHost map[string]*fakeSource

func (h fakeHost) dispatch(_ context.Context, body []byte) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	var op string
	_ = json.Unmarshal(m["operation"], &op)
	for name, s := range h {
		for _, verb := range []string{"enable", "outbox_ack", "outbox", "apply"} {
			if op == opName(name, verb) {
				ans, err := s.handle(verb, m)
				if err != nil {
					return nil, err
				}
				return json.Marshal(ans)
			}
		}
	}
	return nil, fmt.Errorf("unknown operation %q", op)
}

// replNode is one embedded server with a replicator and fake sources.
type replNode struct {
	name string
	n    *node
	r    *replicator
	h    fakeHost
}

type replCluster struct {
	t     *testing.T
	ports []int
	dirs  []string
	nodes []*replNode
}

// newReplCluster prepares size nodes; node i>0 is routed to node 0 only.
func newReplCluster(t *testing.T, size int) *replCluster {
	c := &replCluster{t: t}
	for i := 0; i < size; i++ {
		c.ports = append(c.ports, freePort(t))
		c.dirs = append(c.dirs, t.TempDir())
		c.nodes = append(c.nodes, &replNode{name: "node-" + strconv.Itoa(i),
			h: fakeHost{"system": newFakeSource("system"), "records": newFakeSource("records")}})
	}
	t.Cleanup(func() {
		for i := range c.nodes {
			c.stop(i)
		}
	})
	return c
}

func (c *replCluster) start(i int, opts ...func(*replOptions)) {
	c.t.Helper()
	var routes []string
	if i > 0 {
		routes = []string{hp(c.ports[0])}
	}
	rn := c.nodes[i]
	set := settings{NodeName: rn.name, Port: c.ports[i], BindHost: "127.0.0.1", Routes: routes}
	n, err := startNode(set, nil, c.dirs[i], hclog.NewNullLogger())
	if err != nil {
		c.t.Fatal(err)
	}
	o := replOptions{Self: rn.name, URL: n.info.URL, Token: n.info.Token,
		Dispatch: rn.h.dispatch, Log: testLogger(c.t).Named(rn.name)}
	for _, f := range opts {
		f(&o)
	}
	if n.repl, err = startReplicator(o); err != nil {
		n.stop()
		c.t.Fatal(err)
	}
	rn.n, rn.r = n, n.repl
}

func (c *replCluster) stop(i int) {
	if rn := c.nodes[i]; rn.n != nil {
		rn.n.stop()
		rn.n, rn.r = nil, nil
	}
}

// startPair starts a cluster of two nodes, node-1 routed to node-0, and
// returns it with its two nodes.
func startPair(t *testing.T) (c *replCluster, a, b *replNode) {
	t.Helper()
	c = newReplCluster(t, 2)
	c.start(0)
	c.start(1)
	return c, c.nodes[0], c.nodes[1]
}

// waitEnabled waits until the node's fake source has been told that
// replication is on for it.
func (rn *replNode) waitEnabled(t *testing.T, source string) {
	t.Helper()
	fs := rn.h[source]
	waitFor(t, rn.name+" "+source+" enabled", replDeadline, func() bool {
		fs.mu.Lock()
		defer fs.mu.Unlock()
		return fs.enabled
	})
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// inOrder reports whether seqs is 1..n without gaps (duplicates of a
// redelivery allowed only as a repeat of an earlier run).
func inOrder(seqs []int64, n int64) bool {
	var next int64 = 1
	for _, s := range seqs {
		if s == next {
			next++
		} else if s >= next {
			return false // a gap: a change applied before an earlier one
		}
	}
	return next == n+1
}

const replDeadline = 30 * time.Second

// Three nodes, the third routed only to the first: every node's changes
// of both sources reach the two others in order, and each outbox is
// emptied once JetStream has them.
func TestReplicationThreeNodes(t *testing.T) {
	c := newReplCluster(t, 3)
	for i := range c.nodes {
		c.start(i)
	}
	waitFor(t, "sources enabled", replDeadline, func() bool {
		for _, rn := range c.nodes {
			for _, s := range rn.h {
				s.mu.Lock()
				on := s.enabled
				s.mu.Unlock()
				if !on {
					return false
				}
			}
		}
		return true
	})
	const per = 200
	for k := 0; k < per; k++ {
		for _, rn := range c.nodes {
			rn.h["system"].write("user_put")
			if k%2 == 0 {
				rn.h["records"].write("put")
			}
		}
	}
	for _, dst := range c.nodes {
		for _, src := range c.nodes {
			if dst == src {
				continue
			}
			waitFor(t, dst.name+" applies "+src.name+"'s system changes", replDeadline, func() bool {
				return inOrder(dst.h["system"].appliedFrom(src.name), per)
			})
			waitFor(t, dst.name+" applies "+src.name+"'s records changes", replDeadline, func() bool {
				return inOrder(dst.h["records"].appliedFrom(src.name), per/2)
			})
		}
		if got := dst.h["system"].appliedFrom(dst.name); len(got) != 0 {
			t.Fatalf("%s applied its own changes: %v", dst.name, got)
		}
	}
	for _, rn := range c.nodes {
		waitFor(t, rn.name+"'s outbox acknowledged", replDeadline, func() bool { return rn.h["system"].pending() == 0 })
	}
	// cluster_status's times come from JetStream: every one is known for
	// every peer once changes went both ways and were acked.
	for _, rn := range c.nodes {
		var peers []string
		for _, o := range c.nodes {
			if o != rn {
				peers = append(peers, o.name)
			}
		}
		waitFor(t, rn.name+"'s replication times", replDeadline, func() bool {
			for _, pt := range rn.r.times(context.Background(), peers) {
				if pt.CommitConfirmed == nil || pt.ReceivedRemote == nil || pt.ReceivedLocal == nil || pt.Sent == nil {
					return false
				}
			}
			return true
		})
	}
}

// A node clustering alone (no JetStream meta leader) takes writes into its
// outbox; they travel once a second node joins, and a node that joins
// later still reads the whole history.
func TestReplicationAloneThenJoined(t *testing.T) {
	c := newReplCluster(t, 3)
	c.start(0)
	a := c.nodes[0]
	a.waitEnabled(t, "system")
	for k := 0; k < 10; k++ {
		a.h["system"].write("user_put")
	}
	time.Sleep(500 * time.Millisecond)
	if a.h["system"].pending() != 10 {
		t.Fatalf("alone, the outbox holds %d entries, want 10", a.h["system"].pending())
	}
	c.start(1)
	b := c.nodes[1]
	waitFor(t, "b applies a's changes", replDeadline, func() bool { return inOrder(b.h["system"].appliedFrom(a.name), 10) })
	c.start(2)
	waitFor(t, "late c applies a's history", replDeadline, func() bool {
		return inOrder(c.nodes[2].h["system"].appliedFrom(a.name), 10)
	})
}

// A refused apply is retried with the same entries, and nothing after
// them is applied first.
func TestReplicationApplyRetried(t *testing.T) {
	_, a, b := startPair(t)
	b.h["system"].mu.Lock()
	b.h["system"].failNext = 2
	b.h["system"].mu.Unlock()
	a.waitEnabled(t, "system")
	for k := 0; k < 50; k++ {
		a.h["system"].write("role_put")
	}
	waitFor(t, "b applies after refusals", replDeadline, func() bool { return inOrder(b.h["system"].appliedFrom(a.name), 50) })
}

// A node that stops and starts again resumes from its consumer position:
// it applies only what it had not.
func TestReplicationResume(t *testing.T) {
	c, a, b := startPair(t)
	a.waitEnabled(t, "system")
	a.h["system"].write("user_put")
	a.h["system"].write("user_drop")
	waitFor(t, "b applies", replDeadline, func() bool { return len(b.h["system"].opsFrom(a.name)) == 2 })
	waitFor(t, "outbox acknowledged", replDeadline, func() bool { return a.h["system"].pending() == 0 })

	c.stop(1)
	for k := 0; k < 5; k++ {
		a.h["system"].write("role_put")
	}
	c.start(1)
	waitFor(t, "b resumes", replDeadline, func() bool { return len(b.h["system"].opsFrom(a.name)) >= 7 })
	time.Sleep(300 * time.Millisecond)
	if seqs := b.h["system"].appliedFrom(a.name); !inOrder(seqs, 7) || len(seqs) != 7 {
		t.Fatalf("b applied %v after its restart, want 1..7 once", seqs)
	}
}

// A node cut off from every other node keeps storing its changes in its
// own stream (one replica, no leader needed): its outbox drains while it
// is alone, and a peer that comes back applies them.
func TestReplicationCutOffNodeKeepsPublishing(t *testing.T) {
	c := newReplCluster(t, 3)
	for i := range c.nodes {
		c.start(i)
	}
	a, b := c.nodes[0], c.nodes[1]
	a.waitEnabled(t, "system")
	a.h["system"].write("user_put")
	waitFor(t, "b follows a", replDeadline, func() bool { return len(b.h["system"].appliedFrom(a.name)) == 1 })
	c.stop(1)
	c.stop(2)
	for k := 0; k < 20; k++ {
		a.h["system"].write("user_put")
	}
	waitFor(t, "a's outbox drained while alone", replDeadline, func() bool { return a.h["system"].pending() == 0 })
	c.start(1)
	waitFor(t, "b catches up", replDeadline, func() bool { return inOrder(b.h["system"].appliedFrom(a.name), 21) })
}

// With a start time, a node's new consumers deliver only what was stored
// since then.
func TestReplicationStartTime(t *testing.T) {
	c := newReplCluster(t, 3)
	c.start(0)
	c.start(2) // a quorum for a while b is away
	a := c.nodes[0]
	a.waitEnabled(t, "system")
	for k := 0; k < 5; k++ {
		a.h["system"].write("old")
	}
	waitFor(t, "old changes stored", replDeadline, func() bool { return a.h["system"].pending() == 0 })
	time.Sleep(50 * time.Millisecond)
	since := time.Now()
	for k := 0; k < 3; k++ {
		a.h["system"].write("new")
	}
	waitFor(t, "new changes stored", replDeadline, func() bool { return a.h["system"].pending() == 0 })
	c.start(1, func(o *replOptions) { o.StartTime = &since })
	b := c.nodes[1]
	waitFor(t, "b applies since its start time", replDeadline, func() bool { return len(b.h["system"].opsFrom(a.name)) >= 3 })
	time.Sleep(300 * time.Millisecond)
	if ops := b.h["system"].opsFrom(a.name); len(ops) != 3 || ops[0] != "new" {
		t.Fatalf("b applied %v, want the 3 new changes only", ops)
	}
	waitFor(t, "c (no start time) applies all 8", replDeadline, func() bool {
		return inOrder(c.nodes[2].h["system"].appliedFrom(a.name), 8)
	})
}

// Entries published again (the outbox was not acknowledged before a
// restart) are dropped by JetStream as duplicates: the peer applies each
// once.
func TestReplicationResendDeduplicated(t *testing.T) {
	c := newReplCluster(t, 2)
	a, b := c.nodes[0], c.nodes[1]
	a.h["system"].failAck = true
	c.start(0)
	c.start(1)
	a.waitEnabled(t, "system")
	for k := 0; k < 5; k++ {
		a.h["system"].write("user_put")
	}
	waitFor(t, "b applies", replDeadline, func() bool { return len(b.h["system"].appliedFrom(a.name)) == 5 })
	c.stop(0)
	c.start(0) // publishes the 5 unacknowledged entries again
	a.h["system"].write("user_drop")
	waitFor(t, "b applies the next change", replDeadline, func() bool { return len(b.h["system"].appliedFrom(a.name)) >= 6 })
	time.Sleep(300 * time.Millisecond)
	if seqs := b.h["system"].appliedFrom(a.name); len(seqs) != 6 || !inOrder(seqs, 6) {
		t.Fatalf("b applied %v, want 1..6 once", seqs)
	}
}

// A change too large for one message is logged and skipped, and the
// changes after it still travel.
func TestReplicationOversizeEntrySkipped(t *testing.T) {
	_, a, b := startPair(t)
	a.waitEnabled(t, "records")
	a.h["records"].write("put")
	a.h["records"].write(strings.Repeat("x", maxEntry))
	a.h["records"].write("put")
	waitFor(t, "b applies the others", replDeadline, func() bool { return len(b.h["records"].appliedFrom(a.name)) == 2 })
	if seqs := b.h["records"].appliedFrom(a.name); seqs[0] != 1 || seqs[1] != 3 {
		t.Fatalf("b applied %v, want [1 3]", seqs)
	}
}

// A backlog larger than one apply call is applied in several calls of at
// most applyBytes, in order; a call refused is sent again whole, so every
// change is applied once.
func TestReplicationApplyCutInCalls(t *testing.T) {
	c := newReplCluster(t, 3)
	a, b := c.nodes[0], c.nodes[1]
	c.start(0)
	c.start(2) // a quorum while b is away
	a.waitEnabled(t, "records")
	const n, size = 24, 400 << 10 // 9.6 MB: three calls or more
	for k := 0; k < n; k++ {
		a.h["records"].writeSized("put", size)
	}
	waitFor(t, "a's outbox in its stream", replDeadline, func() bool { return a.h["records"].pending() == 0 })
	b.h["records"].mu.Lock()
	b.h["records"].failNext = 2
	b.h["records"].mu.Unlock()
	c.start(1) // b reads the whole backlog at once
	waitFor(t, "b applies all", replDeadline, func() bool { return len(b.h["records"].appliedFrom(a.name)) >= n })
	time.Sleep(300 * time.Millisecond)
	if seqs := b.h["records"].appliedFrom(a.name); len(seqs) != n || !inOrder(seqs, n) {
		t.Fatalf("b applied %v, want 1..%d once", seqs, n)
	}
	b.h["records"].mu.Lock()
	calls, largest := b.h["records"].calls, b.h["records"].largest
	b.h["records"].mu.Unlock()
	if calls < 3 || largest > applyBytes/size {
		t.Errorf("%d apply calls, the largest of %d entries; want 3 or more of at most %d", calls, largest, applyBytes/size)
	}
}

// The outbox answer and an entry's head are read without decoding, and
// as encoding/json reads them when they are written otherwise.
func TestReadOutboxAndHead(t *testing.T) {
	for _, raw := range []string{
		`{"entries":[{"seq":1,"ts":1700000000000.5,"node":"a","op":"put","record":{"x":"],"}},{"seq":2,"ts":17,"op":"delete"}]}`,
		`{ "entries" : [ {"ts": 17, "seq": 1} , {"op":"x","seq":2,"ts":1.5e3} ] }`,
	} {
		page, err := readOutbox([]byte(raw))
		var want outboxAnswer
		if err2 := json.Unmarshal([]byte(raw), &want); err != nil || err2 != nil || len(page.Entries) != len(want.Entries) {
			t.Fatalf("%s: %d entries %v, want %d %v", raw, len(page.Entries), err, len(want.Entries), err2)
		}
		for i, e := range page.Entries {
			h, ok := readHead(e)
			var wh entryHead
			_ = json.Unmarshal(want.Entries[i], &wh)
			if !ok || h.Seq != wh.Seq || h.TS != wh.TS {
				t.Errorf("%s: entry %d head %+v, want %+v", raw, i, h, wh)
			}
		}
	}
	if _, ok := readHead([]byte(`{"seq":`)); ok {
		t.Error("a cut entry read")
	}
}

// Entries waiting in the outbox travel packed, many to a message,
// compressed (replpack, with their size before compression in Hops-Raw),
// and arrive in order, handed to the source's apply still compressed.
func TestReplicationPacksEntries(t *testing.T) {
	_, a, b := startPair(t)
	a.waitEnabled(t, "records")
	a.h["records"].write("put") // makes the stream b follows
	waitFor(t, "a compresses (b reads compressed messages)", replDeadline, a.r.compress.Load)
	const n = 3000
	for k := 1; k < n; k++ {
		a.h["records"].write("put")
	}
	waitFor(t, "b applies all", replDeadline, func() bool { return inOrder(b.h["records"].appliedFrom(a.name), n) })
	st, err := a.r.js.Stream(context.Background(), streamName(a.name))
	if err != nil {
		t.Fatal(err)
	}
	if msgs := st.CachedInfo().State.Msgs; msgs > n/10 {
		t.Errorf("%d entries took %d messages", n, msgs)
	}
	m, err := st.GetLastMsgForSubject(context.Background(), subject(a.name, "records"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := strconv.Atoi(m.Header.Get(hopsRaw))
	list, derr := replpack.Decode(m.Data)
	if !replpack.Is(m.Data) || err != nil || derr != nil || raw != len(list) {
		t.Errorf("last message: compressed %v, %s %q (%d bytes decoded, %v)", replpack.Is(m.Data), hopsRaw, m.Header.Get(hopsRaw), len(list), derr)
	}
	b.h["records"].mu.Lock()
	packs := b.h["records"].packs
	b.h["records"].mu.Unlock()
	if packs == 0 {
		t.Error("b's source was given no compressed message")
	}
}

// A message holding one entry object (as nodes published before entries
// were packed) is applied like a packed one, in stream order.
func TestReplicationAppliesUnpackedMessages(t *testing.T) {
	_, a, b := startPair(t)
	a.waitEnabled(t, "records")
	a.h["records"].write("put") // seq 1, packed; makes the stream
	waitFor(t, "b applies the packed one", replDeadline, func() bool { return len(b.h["records"].appliedFrom(a.name)) == 1 })
	for seq := 2; seq <= 3; seq++ {
		e := fmt.Sprintf(`{"seq":%d,"ts":%d,"node":%q,"op":"old"}`, seq, time.Now().UnixMilli(), a.name)
		if _, err := a.r.js.Publish(context.Background(), subject(a.name, "records"), []byte(e)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "b applies the unpacked ones", replDeadline, func() bool { return inOrder(b.h["records"].appliedFrom(a.name), 3) })
	if ops := b.h["records"].opsFrom(a.name); ops[1] != "old" || ops[2] != "old" {
		t.Errorf("b applied %v", ops)
	}
}

// A change delivered to a pull that ended (its requester gone, as when a
// cut route held the message until the pull expired) is applied once the
// follower finds its consumer holding a delivery it never received, well
// before JetStream would deliver it again (ackWait).
func TestReplicationLostDeliveryFollowedAgain(t *testing.T) {
	_, a, b := startPair(t)
	a.waitEnabled(t, "system")
	a.h["system"].write("user_put")
	waitFor(t, "b follows a", replDeadline, func() bool { return len(b.h["system"].appliedFrom(a.name)) == 1 })

	// A pull of b's consumer that never reads its message, older than
	// b's own next pull (which b makes within fetchWait).
	nc, err := nats.Connect(a.n.info.URL, nats.Token(a.n.info.Token))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := js.Consumer(context.Background(), streamName(a.name), consumerName(b.name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cons.Fetch(1, jetstream.FetchMaxWait(ackWait)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(fetchWait + fetchWait/2)
	a.h["system"].write("user_drop")
	waitFor(t, "the change was delivered to the abandoned pull", replDeadline, func() bool {
		info, err := cons.Info(context.Background())
		return err == nil && info.NumAckPending == 1
	})
	waitFor(t, "b applies the lost change", ackWait*2/3, func() bool { return len(b.h["system"].appliedFrom(a.name)) == 2 })
	if seqs := b.h["system"].appliedFrom(a.name); !inOrder(seqs, 2) {
		t.Fatalf("b applied %v, want 1, 2", seqs)
	}
}

// lastRecordsMsg is the last records message in node rn's stream.
func lastRecordsMsg(t *testing.T, rn *replNode) *jetstream.RawStreamMsg {
	t.Helper()
	st, err := rn.r.js.Stream(context.Background(), streamName(rn.name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := st.GetLastMsgForSubject(context.Background(), subject(rn.name, "records"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// A writer publishes plain arrays while a consumer of its stream lacks
// metaReads (a node of a build that cannot read compressed messages),
// and compressed ones once that follower, upgraded, announces it reads
// them: its consumer is updated in place, keeping its ack floor.
func TestReplicationCompressesOnlyForReaders(t *testing.T) {
	_, a, b := startPair(t)
	a.waitEnabled(t, "records")
	a.h["records"].write("put") // seq 1; makes the stream b follows
	waitFor(t, "b applies seq 1", replDeadline, func() bool { return len(b.h["records"].appliedFrom(a.name)) == 1 })
	waitFor(t, "a compresses (b reads compressed messages)", replDeadline, a.r.compress.Load)

	// An older node's durable consumer, as that build makes it.
	ctx := context.Background()
	const old = "node-old"
	cons, err := b.r.js.CreateConsumer(ctx, streamName(a.name), jetstream.ConsumerConfig{
		Durable: consumerName(old), AckPolicy: jetstream.AckAllPolicy, AckWait: ackWait,
		MaxAckPending: -1, DeliverPolicy: jetstream.DeliverAllPolicy,
		Metadata: map[string]string{metaNode: old},
	})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a stops compressing", replDeadline, func() bool { return !a.r.compress.Load() })
	b.h["records"].mu.Lock()
	packs := b.h["records"].packs
	b.h["records"].mu.Unlock()
	for k := 0; k < 50; k++ {
		a.h["records"].write("put")
	}
	waitFor(t, "b applies 51", replDeadline, func() bool { return inOrder(b.h["records"].appliedFrom(a.name), 51) })
	if m := lastRecordsMsg(t, a); replpack.Is(m.Data) || m.Header.Get(hopsRaw) != "" || len(m.Data) == 0 || m.Data[0] != '[' {
		t.Errorf("with an older follower: message %.40q, %s %q; want a plain array", m.Data, hopsRaw, m.Header.Get(hopsRaw))
	}
	b.h["records"].mu.Lock()
	if b.h["records"].packs != packs {
		t.Errorf("b's source was given %d compressed messages with an older follower", b.h["records"].packs-packs)
	}
	b.h["records"].mu.Unlock()

	// The older node applies (and acks) the first two messages...
	batch, err := cons.Fetch(2, jetstream.FetchMaxWait(fetchWait))
	if err != nil {
		t.Fatal(err)
	}
	var last jetstream.Msg
	for m := range batch.Messages() {
		last = m
	}
	if last == nil {
		t.Fatal("no message for the older node's consumer")
	}
	meta, _ := last.Metadata()
	if err := last.DoubleAck(ctx); err != nil {
		t.Fatal(err)
	}
	// ...then runs this build, which finds its consumer and announces.
	up := &replicator{self: old, js: b.r.js, log: hclog.NewNullLogger()}
	fw := &follower{stream: streamName(a.name), node: a.name}
	c, err := up.consumer(ctx, fw)
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.Metadata[metaReads] != replpack.Encoding || info.AckFloor.Stream != meta.Sequence.Stream || fw.next != meta.Sequence.Stream+1 {
		t.Fatalf("upgraded consumer: metadata %v, ack floor %d, next %d; want %s=%s, ack floor %d kept",
			info.Config.Metadata, info.AckFloor.Stream, fw.next, metaReads, replpack.Encoding, meta.Sequence.Stream)
	}

	waitFor(t, "a compresses again", replDeadline, a.r.compress.Load)
	for k := 0; k < 50; k++ {
		a.h["records"].write("put")
	}
	waitFor(t, "b applies 101", replDeadline, func() bool { return inOrder(b.h["records"].appliedFrom(a.name), 101) })
	if m := lastRecordsMsg(t, a); !replpack.Is(m.Data) || m.Header.Get(hopsRaw) == "" {
		t.Errorf("every follower reads compressed messages: message %.40q, %s %q; want compressed", m.Data, hopsRaw, m.Header.Get(hopsRaw))
	}
}
