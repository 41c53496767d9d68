package clustering

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/hops-dev/hops/builtin/internal/fastjson"
	"github.com/hops-dev/hops/builtin/internal/replpack"
)

// Replication transport: see /docs/clustering.md ("Replication") and the
// contract in doc.go. Each source (the host's "system", the records
// family's "records") keeps an outbox of its committed changes and applies
// remote ones through internal operations named repl_<source>_<verb>;
// this file moves entries between those operations and JetStream.

// Sources replicated, in the order they are enabled.
var replSources = []string{"system", "records"}

// Names and subjects.
const (
	// streamPrefix starts every node's stream name and consumer name.
	streamPrefix = "HOPS_"
	// subjectPrefix starts every replication subject:
	// hops.repl.<node token>.<source>.
	subjectPrefix = "hops.repl."
	// metaNode is the stream metadata key naming the origin node.
	metaNode = "hops_node"
	// tagPrefix starts the server tag that places a node's stream on it.
	tagPrefix = "hops-node:"
)

// Timing and sizes of the transport.
const (
	// outboxPage is how many entries one repl_<source>_outbox asks for
	// (the source cuts a page of large entries shorter).
	outboxPage = 4096
	// msgBytes caps a message of packed entries.
	msgBytes = 1 << 20
	// ackEvery and ackInterval batch outbox acknowledgements while
	// entries keep coming: after that many entries or that long (and
	// whenever the outbox is found empty).
	ackEvery    = 16384
	ackInterval = time.Second
	// hopsLast is the header naming a message's last entry: <seq>:<ts>.
	hopsLast = "Hops-Last"
	// hopsRaw is the header of a compressed message (replpack) giving
	// the size of its entries before compression.
	hopsRaw = "Hops-Raw"
	// maxEntry is the largest entry published: the message size limit
	// less room for the headers.
	maxEntry = maxPayload - 4096
	// fetchBatch is how many messages one pull asks for, at most
	// fetchBytes of them: more than the largest message, which a pull
	// capped lower would never deliver.
	fetchBatch = 8192
	fetchBytes = 2 * maxPayload
	// applyBytes caps the entries of one repl_<source>_apply call (at
	// least one message goes in each): the source applies a call in one
	// transaction, and the call's body is held whole on both sides.
	applyBytes = 4 << 20
	// outboxWait is how long one repl_<source>_outbox call may wait for
	// an entry (wait_ms): a source that supports it answers as soon as a
	// change commits. Short, because the call is a request in flight in
	// the source's process: a records process rolled away by
	// restart_service http_workers stops only once it has answered, and
	// no change commits there any more (they go to the new process), so
	// the call waits its whole wait_ms inside the node's roll. An idle
	// node pays one empty call per outboxWait.
	outboxWait = 250 * time.Millisecond
	// idlePoll spaces outbox reads while the outbox is empty, for a
	// source that answers at once instead of waiting.
	idlePoll = 100 * time.Millisecond
	// retryWait spaces attempts after a failure (NATS down, no meta
	// leader, a source not ready).
	retryWait = time.Second
	// discoverEvery spaces the listings of the cluster's streams; a
	// stream created meanwhile is listed at once (its advisory wakes the
	// listing).
	discoverEvery = 2 * time.Second
	// streamCreated is JetStream's advisory subject for a stream created.
	streamCreated = "$JS.EVENT.ADVISORY.STREAM.CREATED.>"
	// firstRetry is the first wait before creating this node's stream
	// again (a cluster just formed elects its meta leader within
	// seconds); it doubles up to retryWait.
	firstRetry = 100 * time.Millisecond
	// jsTimeout bounds one JetStream API call or one batch of PubAcks.
	jsTimeout = 5 * time.Second
	// leaderWait bounds a call that needs the JetStream meta leader
	// (stream and consumer creation, stream listing): while none is
	// elected such requests go unanswered, and the next attempt is the
	// one that counts.
	leaderWait = 2 * time.Second
	// fetchWait is how long a pull waits for messages.
	fetchWait = 2 * time.Second
	// ackWait is how long JetStream waits for an ack before it delivers a
	// batch again (a node that died mid-apply).
	ackWait = 30 * time.Second
)

// dispatcher runs an internal host operation and returns its answer body.
type dispatcher func(ctx context.Context, body []byte) ([]byte, error)

// streamName is a node's stream: HOPS_<NAME>, upper-cased, characters other
// than [A-Za-z0-9_-] replaced by '_'.
func streamName(node string) string { return streamPrefix + strings.ToUpper(token(node)) }

// consumerName is the durable consumer a node reads others' streams with.
func consumerName(self string) string { return streamName(self) }

// token is a node name as one subject token.
func token(node string) string {
	b := []byte(node)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	return string(b)
}

// subject is where a node's entries of source go.
func subject(node, source string) string { return subjectPrefix + token(node) + "." + source }

// nodeTag is the server tag every node carries; a node's stream is placed
// by it, so the stream lives on its origin and takes writes while the node
// is cut off.
func nodeTag(node string) string { return tagPrefix + strings.ToLower(token(node)) }

// opName is a source's internal operation.
func opName(source, verb string) string { return "repl_" + source + "_" + verb }

// replicator moves one node's outboxes into its stream and the other
// nodes' streams into its sources. It runs while the NATS server runs.
type replicator struct {
	self     string
	log      hclog.Logger
	dispatch dispatcher
	filter   func(ctx context.Context, nc *nats.Conn, self, origin string) (entryFilter, error)
	nc       *nats.Conn
	js       jetstream.JetStream

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// streamMu makes one publisher at a time create the stream.
	streamMu sync.Mutex
	// streamAdded wakes the discovery loop (a stream was created).
	streamAdded chan struct{}
	// compress: every node following this node's stream reads
	// compressed messages (watchReaders, repl_readers.go).
	compress atomic.Bool

	mu        sync.Mutex
	databases any                  // replication.databases, sent with every enable
	startTime *time.Time           // DeliverByStartTime for consumers made from now on
	stream    bool                 // this node's stream exists
	following map[string]*follower // by stream name
	enabled   map[string]bool      // sources that answered repl_<source>_enable
	warned    map[string]bool      // one-time WARN lines
}

// follower reads one other node's stream.
type follower struct {
	stream string
	node   string
	// next is the stream sequence the next message must have (0: any,
	// until the first one is seen); restart, when set, makes consumer
	// recreate the durable consumer to start there.
	next    uint64
	restart bool
}

// errGap is applyBatch's error when a message is not the next in the
// stream: one was lost in delivery (a pull that expired with it in
// flight). Acknowledging a later message would acknowledge the lost one
// too (AckAll), so the consumer starts again after the last applied.
var errGap = errors.New("replication: a message was skipped in delivery")

// replOptions configure startReplicator.
type replOptions struct {
	Self      string
	URL       string
	Token     string
	StartTime *time.Time
	// Databases is replication.databases for the sources' enable: "*"
	// or a list of names.
	Databases any
	Sources   []string
	Dispatch  dispatcher
	Log       hclog.Logger
	// Filter, when set, gives the filter of an origin's records entries
	// (subscriptions.go): nil lets every entry through.
	Filter func(ctx context.Context, nc *nats.Conn, self, origin string) (entryFilter, error)
}

// startReplicator connects to the node's own NATS server and starts the
// publishers, the discovery loop and the followers. It returns at once;
// everything retries until stop.
func startReplicator(o replOptions) (*replicator, error) {
	nc, err := nats.Connect(o.URL, nats.Token(o.Token), nats.Name("hops-repl-"+o.Self),
		nats.MaxReconnects(-1), nats.ReconnectWait(retryWait))
	if err != nil {
		return nil, fmt.Errorf("replication: connect to NATS: %w", err)
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4*outboxPage))
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("replication: JetStream: %w", err)
	}
	if o.Sources == nil {
		o.Sources = replSources
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &replicator{self: o.Self, log: o.Log, dispatch: o.Dispatch, filter: o.Filter, nc: nc, js: js,
		startTime: o.StartTime, databases: o.Databases, ctx: ctx, cancel: cancel, following: map[string]*follower{},
		enabled: map[string]bool{}, warned: map[string]bool{}, streamAdded: make(chan struct{}, 1)}
	// Without the advisory the periodic listing still finds new streams.
	if _, err := nc.Subscribe(streamCreated, func(*nats.Msg) {
		select {
		case r.streamAdded <- struct{}{}:
		default:
		}
	}); err != nil {
		o.Log.Warn("replication: cannot watch for new streams; listing them every few seconds", "error", err)
	}
	for _, src := range o.Sources {
		r.wg.Add(1)
		go func() { defer r.wg.Done(); r.publish(ctx, src) }()
	}
	r.wg.Add(1)
	go func() { defer r.wg.Done(); r.discover(ctx) }()
	r.wg.Add(1)
	go func() { defer r.wg.Done(); r.watchReaders(ctx) }()
	return r, nil
}

// stop ends every loop and closes the connection. Entries not yet
// acknowledged stay in the outboxes; messages not yet acked are delivered
// again.
func (r *replicator) stop() {
	r.cancel()
	// Closing the connection ends a pull in flight at once.
	r.nc.Close()
	r.wg.Wait()
}

func (r *replicator) warnOnce(key, msg string, args ...any) {
	r.mu.Lock()
	seen := r.warned[key]
	r.warned[key] = true
	r.mu.Unlock()
	if !seen {
		r.log.Warn(msg, args...)
	}
}

// sleep waits d or until ctx ends; false when ctx ended.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// call runs a source operation with a JSON body.
func (r *replicator) call(ctx context.Context, source, verb string, body map[string]any) ([]byte, error) {
	body["operation"] = opName(source, verb)
	body["source"] = source
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, hostCallTimeout)
	defer cancel()
	return r.dispatch(cctx, b)
}

// ensureStream creates this node's stream (or updates it to this
// config); it needs a JetStream meta leader.
func (r *replicator) ensureStream(ctx context.Context) error {
	r.streamMu.Lock()
	defer r.streamMu.Unlock()
	r.mu.Lock()
	ok := r.stream
	r.mu.Unlock()
	if ok {
		return nil
	}
	// A short wait: without a meta leader the request goes unanswered.
	cctx, cancel := context.WithTimeout(ctx, leaderWait)
	defer cancel()
	name := streamName(r.self)
	if s, err := r.js.Stream(cctx, name); err == nil {
		if n := s.CachedInfo().Config.Metadata[metaNode]; n != r.self {
			return fmt.Errorf("stream %s belongs to node %q: node names must differ after upper-casing", name, n)
		}
	}
	_, err := r.js.CreateOrUpdateStream(cctx, jetstream.StreamConfig{
		Name:      name,
		Subjects:  []string{subjectPrefix + token(r.self) + ".>"},
		Storage:   jetstream.FileStorage,
		Retention: jetstream.LimitsPolicy,
		Replicas:  1,
		Placement: &jetstream.Placement{Tags: []string{nodeTag(r.self)}},
		Metadata:  map[string]string{metaNode: r.self},
	})
	if err != nil {
		return fmt.Errorf("create stream %s: %w", name, err)
	}
	r.mu.Lock()
	r.stream = true
	r.mu.Unlock()
	r.log.Info("replication stream ready", "stream", name)
	return nil
}

// outboxAnswer is repl_<source>_outbox's answer: entries, or, from a
// source that packs them itself, packs.
type outboxAnswer struct {
	Entries []json.RawMessage `json:"entries"`
	Packs   []outboxPack      `json:"-"`
}

// empty reports whether the page holds nothing.
func (a outboxAnswer) empty() bool { return len(a.Entries) == 0 && len(a.Packs) == 0 }

// first is the page's first entry (nil for none).
func (a outboxAnswer) first() []byte {
	if len(a.Packs) > 0 {
		return bytes.TrimPrefix(a.Packs[0].data, []byte{'['})
	}
	if len(a.Entries) > 0 {
		return a.Entries[0]
	}
	return nil
}

// outboxPack is a message a source packed: a JSON array of entries (or,
// compressed, a replpack string holding it), the smallest and largest seq
// in it, the ts of the entry with the largest seq, the number of entries
// and, compressed, the array's size (0 when not compressed).
type outboxPack struct {
	first, last int64
	ts          string
	n           int
	raw         int
	data        []byte
}

// entryHead is what the transport reads of an entry.
type entryHead struct {
	Seq int64       `json:"seq"`
	TS  json.Number `json:"ts"`
	Op  string      `json:"op"`
}

// publish is one source's publisher: enable the source, then move its
// outbox into the stream, acknowledging the outbox only after JetStream
// acknowledged every message.
func (r *replicator) publish(ctx context.Context, source string) {
	if !r.enable(ctx, source) {
		return
	}
	// after: the last seq in the stream; acked: the last acknowledged
	// to the source; resync: find after from the stream first (at start,
	// and after a failed send, which may have stored part of a page).
	var after, acked int64
	resync := true
	lastAck := time.Now()
	ack := func() {
		if acked >= after {
			return
		}
		if _, err := r.call(ctx, source, "outbox_ack", map[string]any{"upto": after}); err != nil {
			if ctx.Err() == nil {
				r.log.Warn("replication: acknowledge the outbox", "source", source, "error", err)
			}
			return
		}
		acked, lastAck = after, time.Now()
	}
	wait := firstRetry
	for ctx.Err() == nil {
		if err := r.ensureStream(ctx); err != nil {
			r.warnOnce("stream", "replication stream not ready; changes wait in the outboxes", "error", err)
			if !sleep(ctx, wait) {
				return
			}
			wait = min(2*wait, retryWait)
			continue
		}
		if resync {
			a, err := r.published(ctx, source, after)
			if err != nil {
				if ctx.Err() == nil {
					r.warnOnce("published:"+source, "replication: cannot read the stream's last message yet; retrying", "source", source, "error", err)
				}
				if !sleep(ctx, retryWait) {
					return
				}
				continue
			}
			after, resync = a, false
		}
		asked := time.Now()
		page, err := r.outbox(ctx, source, after, outboxPage, outboxWait, r.compress.Load())
		if err != nil {
			if ctx.Err() == nil {
				r.log.Warn("replication: read the outbox", "source", source, "error", err)
			}
			if !sleep(ctx, retryWait) {
				return
			}
			continue
		}
		if page.empty() {
			ack() // idle: drop what the stream holds
			// A source that waited already spaced the calls.
			if d := idlePoll - time.Since(asked); d > 0 && !sleep(ctx, d) {
				return
			}
			continue
		}
		var upto int64
		if len(page.Packs) > 0 {
			upto, err = r.sendPacks(ctx, source, page.Packs)
		} else {
			upto, err = r.send(ctx, source, page.Entries)
		}
		if err != nil {
			resync = true
			if ctx.Err() == nil {
				r.warnOnce("publish", "replication: publish to the stream failed; changes wait in the outbox", "source", source, "error", err)
			}
			if !sleep(ctx, retryWait) {
				return
			}
			continue
		}
		after = upto
		// Acknowledging deletes from the outbox (a write transaction of
		// the source): batched while entries keep coming.
		if after-acked >= ackEvery || time.Since(lastAck) >= ackInterval {
			ack()
		}
	}
}

// outbox reads a page of a source's outbox after seq after; a source
// that supports it waits up to wait for an entry when it has none, and
// packs the entries in messages of up to msgBytes (packed), compressed
// when compress (replpack; a source that does not compress ignores it).
func (r *replicator) outbox(ctx context.Context, source string, after int64, limit int, wait time.Duration, compress bool) (outboxAnswer, error) {
	body := map[string]any{"after": after, "limit": limit, "wait_ms": wait.Milliseconds(), "packed": msgBytes}
	if compress {
		body["encoding"] = replpack.Encoding
	}
	raw, err := r.call(ctx, source, "outbox", body)
	if err != nil {
		return outboxAnswer{}, err
	}
	if packs, ok, err := readPacks(raw); ok || err != nil {
		return outboxAnswer{Packs: packs}, err
	}
	return readOutbox(raw)
}

// Markers of a packed outbox answer (see readPacks).
var (
	packsStart    = []byte(`{"packs":`)
	messagesStart = []byte(`],"messages":[`)
)

// readPacks reads a packed outbox answer,
//
//	{"packs":[[first,last,ts,n,off,len],...],"messages":[[e,...],...]}
//
// where each message is len bytes from off, counted from the byte after
// `"messages":[`; a compressed message is a replpack string and its head
// has a seventh number, the array's size before compression. The messages
// are slices of raw, not copies. ok is false when raw is not such an
// answer.
func readPacks(raw []byte) ([]outboxPack, bool, error) {
	if !bytes.HasPrefix(raw, packsStart) {
		return nil, false, nil
	}
	end := bytes.Index(raw, messagesStart)
	if end < 0 {
		return nil, true, errors.New("packed outbox answer without messages")
	}
	var heads [][]json.Number
	if err := json.Unmarshal(raw[len(packsStart):end+1], &heads); err != nil {
		return nil, true, fmt.Errorf("packed outbox answer: %w", err)
	}
	base := end + len(messagesStart)
	packs := make([]outboxPack, len(heads))
	for i, h := range heads {
		if len(h) != 6 && len(h) != 7 {
			return nil, true, fmt.Errorf("packed outbox answer: pack %d has %d fields", i, len(h))
		}
		var v [7]int64
		for j, n := range h {
			if j == 2 {
				continue
			}
			x, err := n.Int64()
			if err != nil || x < 0 {
				return nil, true, fmt.Errorf("packed outbox answer: pack %d: %q", i, n)
			}
			v[j] = x
		}
		from, to := base+int(v[4]), base+int(v[4])+int(v[5])
		open, end := byte('['), byte(']')
		if len(h) == 7 {
			open, end = '"', '"'
		}
		if to > len(raw) || to-from < 2 || raw[from] != open || raw[to-1] != end {
			return nil, true, fmt.Errorf("packed outbox answer: pack %d out of place", i)
		}
		packs[i] = outboxPack{first: v[0], last: v[1], ts: h[2].String(), n: int(v[3]), raw: int(v[6]), data: raw[from:to]}
	}
	return packs, true, nil
}

// sendPacks publishes messages a source packed, each with message id
// <node>:<source>:<first seq>-<last seq>:<last ts> and header Hops-Last
// <last seq>:<last ts>, and waits for every PubAck; it returns the
// largest seq; a compressed message also carries Hops-Raw. A message
// too large to publish (compressed: whose entries are larger than a
// message may be) is cut into its entries and sent as send does.
func (r *replicator) sendPacks(ctx context.Context, source string, packs []outboxPack) (int64, error) {
	subj := subject(r.self, source)
	futures := make([]jetstream.PubAckFuture, 0, len(packs))
	var upto int64
	for _, p := range packs {
		if p.first <= 0 || p.last < p.first {
			return 0, fmt.Errorf("outbox pack without seqs: %d-%d", p.first, p.last)
		}
		if len(p.data) > maxEntry || p.raw > maxEntry {
			// Too large to publish, or, compressed, to apply in one
			// piece: the entries go one by one, as send sends them.
			list := p.data
			if p.raw > 0 {
				var err error
				if list, err = replpack.Decode(p.data); err != nil {
					return 0, err
				}
			}
			elems, ok := fastjson.Elements(list)
			if !ok {
				return 0, fmt.Errorf("outbox pack %d-%d is not a list of entries", p.first, p.last)
			}
			entries := make([]json.RawMessage, len(elems))
			for i, e := range elems {
				entries[i] = json.RawMessage(e)
			}
			if _, err := r.send(ctx, source, entries); err != nil {
				return 0, err
			}
			upto = max(upto, p.last)
			continue
		}
		last := strconv.FormatInt(p.last, 10) + ":" + p.ts
		m := &nats.Msg{Subject: subj, Data: p.data, Header: nats.Header{
			jetstream.MsgIDHeader: []string{r.self + ":" + source + ":" + strconv.FormatInt(p.first, 10) + "-" + last},
			hopsLast:              []string{last},
		}}
		if p.raw > 0 {
			m.Header[hopsRaw] = []string{strconv.Itoa(p.raw)}
		}
		f, err := r.js.PublishMsgAsync(m)
		if err != nil {
			return 0, err
		}
		futures = append(futures, f)
		upto = max(upto, p.last)
	}
	if err := awaitPubAcks(ctx, futures); err != nil {
		return 0, err
	}
	return upto, nil
}

// awaitPubAcks waits for every future's PubAck, jsTimeout at most.
func awaitPubAcks(ctx context.Context, futures []jetstream.PubAckFuture) error {
	deadline := time.NewTimer(jsTimeout)
	defer deadline.Stop()
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return err
		case <-deadline.C:
			return errors.New("no PubAck within " + jsTimeout.String())
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// published returns the seq after which source's outbox is not in the
// stream yet: the last entry of the stream's last message of source when
// the outbox still holds that entry with the same ts (it was published
// and not acknowledged, and entries before it were published too), else
// after (the outbox holds nothing the stream has, as far as can be told:
// publishing again is harmless, applying is idempotent).
func (r *replicator) published(ctx context.Context, source string, after int64) (int64, error) {
	cctx, cancel := context.WithTimeout(ctx, jsTimeout)
	defer cancel()
	st, err := r.js.Stream(cctx, streamName(r.self))
	if err != nil {
		return after, err
	}
	m, err := st.GetLastMsgForSubject(cctx, subject(r.self, source))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return after, nil
	}
	if err != nil {
		return after, err
	}
	last, ts, ok := lastOf(m.Header, m.Data)
	if !ok || last <= after {
		return after, nil
	}
	page, err := r.outbox(ctx, source, last-1, 1, 0, false)
	if err != nil {
		return after, err
	}
	if e := page.first(); e != nil {
		if h, ok := readHead(e); ok && h.Seq == last && h.TS.String() == ts {
			return last, nil
		}
	}
	return after, nil
}

// lastOf reads the last entry's seq and ts of a message: its hopsLast
// header, or the entry itself for a message of one entry.
func lastOf(h nats.Header, data []byte) (int64, string, bool) {
	if v := h.Get(hopsLast); v != "" {
		seq, ts, ok := strings.Cut(v, ":")
		n, err := strconv.ParseInt(seq, 10, 64)
		return n, ts, ok && err == nil
	}
	if hd, ok := readHead(data); ok {
		return hd.Seq, hd.TS.String(), true
	}
	return 0, "", false
}

// enable asks a source to keep an outbox, until it answers. The body
// carries replication.databases (the records source replicates those).
func (r *replicator) enable(ctx context.Context, source string) bool {
	for {
		r.mu.Lock()
		dbs := r.databases
		r.mu.Unlock()
		_, err := r.call(ctx, source, "enable", map[string]any{"node": r.self, "databases": dbs})
		if err == nil {
			r.mu.Lock()
			r.enabled[source] = true
			r.mu.Unlock()
			r.log.Info("replication enabled", "source", source)
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		r.warnOnce("enable:"+source, "replication source not ready; retrying", "source", source, "error", err)
		if !sleep(ctx, retryWait) {
			return false
		}
	}
}

// send publishes entries, packed in order into messages of up to
// msgBytes (a JSON array of entries; an entry larger than that goes
// alone), each with message id <node>:<source>:<first seq>-<last
// seq>:<last ts> and header Hops-Last <last seq>:<last ts>, and waits for
// every PubAck; it returns the last seq.
func (r *replicator) send(ctx context.Context, source string, entries []json.RawMessage) (int64, error) {
	subj := subject(r.self, source)
	var futures []jetstream.PubAckFuture
	var upto, first, last int64
	var lastTs string
	var batch []byte
	flush := func() error {
		if batch == nil {
			return nil
		}
		batch = append(batch, ']')
		m := &nats.Msg{Subject: subj, Data: batch, Header: nats.Header{}}
		// The id names the entries: the same page sent again after a
		// failure is dropped by JetStream; a source whose sequence started
		// again (a store made anew) has new times.
		m.Header.Set(jetstream.MsgIDHeader, r.self+":"+source+":"+strconv.FormatInt(first, 10)+"-"+strconv.FormatInt(last, 10)+":"+lastTs)
		m.Header.Set(hopsLast, strconv.FormatInt(last, 10)+":"+lastTs)
		batch = nil
		f, err := r.js.PublishMsgAsync(m)
		if err != nil {
			return err
		}
		futures = append(futures, f)
		return nil
	}
	for _, e := range entries {
		h, ok := readHead(e)
		if !ok || h.Seq <= 0 {
			return 0, fmt.Errorf("outbox entry without a seq: %.200s", e)
		}
		upto = h.Seq
		if len(e) > maxEntry {
			_ = json.Unmarshal(e, &h) // its op, for the log
			// It can never be published: skipping it is the only way the
			// changes after it travel. The origin keeps the change.
			r.log.Error("replication: a change is larger than a message can be and is NOT replicated",
				"source", source, "seq", h.Seq, "op", h.Op, "bytes", len(e), "limit", maxEntry)
			continue
		}
		if batch != nil && len(batch)+len(e)+2 > msgBytes {
			if err := flush(); err != nil {
				return 0, err
			}
		}
		if batch == nil {
			batch = make([]byte, 0, min(msgBytes, len(e)+2))
			batch = append(batch, '[')
			first = h.Seq
		} else {
			batch = append(batch, ',')
		}
		batch = append(batch, e...)
		last, lastTs = h.Seq, h.TS.String()
	}
	if err := flush(); err != nil {
		return 0, err
	}
	if err := awaitPubAcks(ctx, futures); err != nil {
		return 0, err
	}
	return upto, nil
}

// discover lists the cluster's replication streams and follows every
// other node's.
func (r *replicator) discover(ctx context.Context) {
	t := time.NewTimer(discoverEvery)
	defer t.Stop()
	for {
		r.discoverOnce(ctx)
		t.Reset(discoverEvery)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-r.streamAdded:
		}
	}
}

func (r *replicator) discoverOnce(ctx context.Context) {
	cctx, cancel := context.WithTimeout(ctx, leaderWait)
	defer cancel()
	l := r.js.ListStreams(cctx, jetstream.WithStreamListSubject(subjectPrefix+">"))
	for si := range l.Info() {
		node := si.Config.Metadata[metaNode]
		if node == "" || node == r.self || !strings.HasPrefix(si.Config.Name, streamPrefix) {
			continue
		}
		r.mu.Lock()
		_, ok := r.following[si.Config.Name]
		if !ok {
			fw := &follower{stream: si.Config.Name, node: node}
			r.following[si.Config.Name] = fw
			r.wg.Add(1)
			go func() { defer r.wg.Done(); r.follow(ctx, fw) }()
		}
		r.mu.Unlock()
	}
}

// consumer finds or creates this node's durable consumer on fw's stream.
func (r *replicator) consumer(ctx context.Context, fw *follower) (jetstream.Consumer, error) {
	cctx, cancel := context.WithTimeout(ctx, leaderWait)
	defer cancel()
	c, err := r.js.Consumer(cctx, fw.stream, consumerName(r.self))
	if err == nil {
		info := c.CachedInfo()
		if !fw.restart && info.NumAckPending == 0 {
			if info.Config.Metadata[metaReads] != replpack.Encoding {
				// Made by an older build: announce that this node reads
				// compressed messages. An update of the metadata keeps
				// the consumer's delivery state (its ack floor).
				cfg := info.Config
				cfg.Metadata = maps.Clone(cfg.Metadata)
				if cfg.Metadata == nil {
					cfg.Metadata = map[string]string{}
				}
				cfg.Metadata[metaReads] = replpack.Encoding
				if c, err = r.js.UpdateConsumer(cctx, fw.stream, cfg); err != nil {
					return nil, fmt.Errorf("announce compressed messages read: %w", err)
				}
				info = c.CachedInfo()
			}
			fw.next = info.AckFloor.Stream + 1
			return c, nil
		}
		// Messages were delivered and not acknowledged (by an earlier run
		// of this node that died, or lost in delivery): with AckAll the
		// next ack would acknowledge them unapplied. Start again right
		// after the last acknowledged (or applied) message.
		from := info.AckFloor.Stream + 1
		if fw.restart && fw.next > from {
			from = fw.next
		}
		if err := r.js.DeleteConsumer(cctx, fw.stream, consumerName(r.self)); err != nil {
			return nil, err
		}
		r.log.Info("replication: following a node again from the first change not applied", "node", fw.node, "stream_seq", from)
		fw.restart, fw.next = true, from
	} else if !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return nil, err
	}
	cfg := jetstream.ConsumerConfig{
		Durable:       consumerName(r.self),
		Description:   "hops node " + r.self + " applies " + fw.node + "'s changes",
		AckPolicy:     jetstream.AckAllPolicy,
		AckWait:       ackWait,
		MaxAckPending: -1,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		Metadata:      map[string]string{metaNode: r.self, metaReads: replpack.Encoding},
	}
	r.mu.Lock()
	switch {
	case fw.restart:
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, fw.next
	case r.startTime != nil:
		cfg.DeliverPolicy, cfg.OptStartTime = jetstream.DeliverByStartTimePolicy, r.startTime
	}
	r.mu.Unlock()
	c, err = r.js.CreateConsumer(cctx, fw.stream, cfg)
	if err != nil {
		return nil, err
	}
	// A new consumer's first message is the first the stream holds from
	// where it starts; the ones after it must follow without a gap.
	fw.restart, fw.next = false, 0
	r.log.Info("following a node's changes", "node", fw.node, "stream", fw.stream, "deliver", cfg.DeliverPolicy.String())
	return c, nil
}

// follow applies fw's stream in order, acking after each applied run.
func (r *replicator) follow(ctx context.Context, fw *follower) {
	var c jetstream.Consumer
	for ctx.Err() == nil {
		if c == nil {
			var err error
			if c, err = r.consumer(ctx, fw); err != nil {
				r.warnOnce("consumer:"+fw.stream, "replication: cannot follow a node yet; retrying", "node", fw.node, "error", err)
				if !sleep(ctx, retryWait) {
					return
				}
				continue
			}
		}
		before := fw.next
		fctx, fcancel := context.WithTimeout(ctx, fetchWait)
		batch, err := c.Fetch(fetchBatch, jetstream.FetchMaxBytes(fetchBytes), jetstream.FetchContext(fctx))
		if err != nil {
			fcancel()
			// Find (or make) the consumer again: the stream may have been
			// made again, or its server may be away.
			c = nil
			if ctx.Err() == nil && !sleep(ctx, retryWait) {
				return
			}
			continue
		}
		err = r.applyBatch(ctx, fw, batch.Messages())
		fcancel()
		if errors.Is(err, errGap) {
			r.log.Warn("replication: a change was skipped in delivery; following again from it", "node", fw.node, "stream_seq", fw.next)
			fw.restart, c = true, nil
			continue
		}
		if berr := batch.Error(); err == nil && berr != nil && !errors.Is(berr, context.DeadlineExceeded) &&
			!errors.Is(berr, nats.ErrTimeout) && ctx.Err() == nil {
			r.log.Debug("replication: pull ended", "node", fw.node, "error", berr)
			c = nil
			if !sleep(ctx, retryWait) {
				return
			}
			continue
		}
		if err != nil {
			if ctx.Err() == nil {
				r.log.Warn("replication: ack failed; the changes will be delivered again", "node", fw.node, "error", err)
			}
			if !sleep(ctx, retryWait) {
				return
			}
			continue
		}
		if fw.next == before && r.lostDelivery(ctx, c) {
			r.log.Info("replication: changes were delivered to a pull that ended (a cut route); following again from the first change not applied", "node", fw.node)
			fw.restart, c = true, nil
		}
	}
}

// lostDelivery reports whether c has messages delivered and not
// acknowledged after a pull that brought this follower nothing: they went
// to a pull that had ended (its requester gave up while a cut route held
// the messages, or it expired as they were sent), and JetStream would
// deliver them again only after ackWait. Every message this follower
// received was acknowledged before the pull began, at least fetchWait
// ago, so what is pending is lost.
func (r *replicator) lostDelivery(ctx context.Context, c jetstream.Consumer) bool {
	cctx, cancel := context.WithTimeout(ctx, leaderWait)
	defer cancel()
	info, err := c.Info(cctx)
	return err == nil && info.NumAckPending > 0
}

// applyBatch applies messages as they arrive: each time the channel has
// nothing more ready, the messages gathered are cut into runs of one
// source, each applied in order, and the last one acked (AckAll).
func (r *replicator) applyBatch(ctx context.Context, fw *follower, msgs <-chan jetstream.Msg) error {
	var pending []jetstream.Msg
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		// Messages must come in stream order without a gap; what follows a
		// gap is dropped (delivered again once the consumer restarts).
		gap := false
		for i, m := range pending {
			meta, err := m.Metadata()
			if err != nil {
				return fmt.Errorf("message metadata: %w", err)
			}
			seq := meta.Sequence.Stream
			if fw.next != 0 && seq > fw.next {
				pending, gap = pending[:i], true
				break
			}
			fw.next = max(fw.next, seq+1)
		}
		for start := 0; start < len(pending); {
			// A run: messages of one source, all compressed or none, up
			// to applyBytes of entries.
			src := sourceOf(pending[start].Subject())
			packed := replpack.Is(pending[start].Data())
			end, size := start+1, entryBytes(pending[start])
			for end < len(pending) && sourceOf(pending[end].Subject()) == src && replpack.Is(pending[end].Data()) == packed &&
				size+entryBytes(pending[end]) <= applyBytes {
				size += entryBytes(pending[end])
				end++
			}
			if err := r.applyRun(ctx, fw, src, pending[start:end]); err != nil {
				return err
			}
			// Applied and committed: acknowledge the run (AckAll).
			if err := pending[end-1].Ack(); err != nil {
				return fmt.Errorf("ack: %w", err)
			}
			start = end
		}
		pending = pending[:0]
		if gap {
			return errGap
		}
		return nil
	}
	for {
		m, ok := <-msgs
		if !ok {
			return flush()
		}
		pending = append(pending, m)
	more:
		for len(pending) < fetchBatch {
			select {
			case m, ok := <-msgs:
				if !ok {
					return flush()
				}
				pending = append(pending, m)
			default:
				break more
			}
		}
		if err := flush(); err != nil {
			return err
		}
	}
}

// applyRun applies one source's run of messages, retrying until the
// source takes it (or the replicator stops): skipping a run would apply
// later changes before it. While it retries, the messages are marked in
// progress so JetStream does not deliver them again meanwhile.
func (r *replicator) applyRun(ctx context.Context, fw *follower, src string, msgs []jetstream.Msg) error {
	for {
		body, err := r.runBody(ctx, src, fw.node, msgs)
		if err == nil && body == nil {
			return nil // every entry filtered out by subscriptions
		}
		if err == nil {
			cctx, cancel := context.WithTimeout(ctx, hostCallTimeout)
			_, err = r.dispatch(cctx, body)
			cancel()
		}
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.warnOnce("apply:"+fw.node+":"+src, "replication: apply failed; retrying", "node", fw.node, "source", src, "error", err)
		for _, m := range msgs {
			_ = m.InProgress()
		}
		if !sleep(ctx, retryWait) {
			return ctx.Err()
		}
	}
}

// entryBytes is the size of a message's entries: its data, or for a
// compressed message their size before compression (Hops-Raw).
func entryBytes(m jetstream.Msg) int {
	if replpack.Is(m.Data()) {
		if n, err := strconv.Atoi(m.Headers().Get(hopsRaw)); err == nil && n > 0 {
			return n
		}
		return 5 * len(m.Data())
	}
	return len(m.Data())
}

// messageEntries is the JSON text of a message's entries: the data, or
// the array a compressed message holds.
func messageEntries(data []byte) ([]byte, error) {
	if replpack.Is(data) {
		return replpack.Decode(data)
	}
	return data, nil
}

// applyBody is repl_<source>_apply's body for msgs from origin, written
// directly: the messages' entries go in as they are, or, for compressed
// messages (a run holds only those or none), the messages themselves in
// "packs", which the source reads back.
func applyBody(source, origin string, msgs []jetstream.Msg) []byte {
	size := 128 + len(source) + len(origin)
	for _, m := range msgs {
		size += len(m.Data()) + 1
	}
	b := make([]byte, 0, size)
	b = append(b, `{"operation":`...)
	b = appendJSONString(b, opName(source, "apply"))
	b = append(b, `,"source":`...)
	b = appendJSONString(b, source)
	b = append(b, `,"origin":`...)
	b = appendJSONString(b, origin)
	if len(msgs) > 0 && replpack.Is(msgs[0].Data()) {
		b = append(b, `,"packs":[`...)
		for i, m := range msgs {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, m.Data()...)
		}
		return append(b, "]}"...)
	}
	b = append(b, `,"entries":[`...)
	n := len(b)
	for _, m := range msgs {
		d := bytes.TrimSpace(m.Data())
		if len(d) >= 2 && d[0] == '[' && d[len(d)-1] == ']' { // a packed message: its entries
			d = bytes.TrimSpace(d[1 : len(d)-1])
		}
		if len(d) == 0 {
			continue
		}
		if len(b) > n {
			b = append(b, ',')
		}
		b = append(b, d...)
	}
	return append(b, "]}"...)
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s)
	return append(b, q...)
}

// readOutbox reads repl_<source>_outbox's answer: its entries' texts as
// they are, cut by structure (fastjson), or by encoding/json when the
// answer is not what a source writes.
func readOutbox(raw []byte) (outboxAnswer, error) {
	slots := fastjson.NewSlots([]string{"entries"})
	if slots.Fill(bytes.TrimSpace(raw), true) {
		list, _ := slots.Value(0)
		if elems, ok := fastjson.Elements(list); ok {
			page := outboxAnswer{Entries: make([]json.RawMessage, len(elems))}
			for i, e := range elems {
				page.Entries[i] = json.RawMessage(e)
			}
			return page, nil
		}
	}
	var page outboxAnswer
	err := json.Unmarshal(raw, &page)
	return page, err
}

// readHead reads an entry's seq, ts and op: from its first members when
// the entry starts {"seq":N,"ts":T (as sources write them), else decoded.
func readHead(e []byte) (entryHead, bool) {
	const seqAt, tsAt = `{"seq":`, `,"ts":`
	if bytes.HasPrefix(e, []byte(seqAt)) {
		rest := e[len(seqAt):]
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		seq, err := strconv.ParseInt(string(rest[:i]), 10, 64)
		if err == nil && bytes.HasPrefix(rest[i:], []byte(tsAt)) {
			rest = rest[i+len(tsAt):]
			j := 0
			for j < len(rest) && (rest[j] >= '0' && rest[j] <= '9' || rest[j] == '.') {
				j++
			}
			if j > 0 && j < len(rest) && (rest[j] == ',' || rest[j] == '}') {
				return entryHead{Seq: seq, TS: json.Number(rest[:j])}, true
			}
		}
	}
	var h entryHead
	if err := json.Unmarshal(e, &h); err != nil {
		return h, false
	}
	return h, true
}

// sourceOf is the source a subject hops.repl.<node>.<source> names.
func sourceOf(subj string) string {
	if i := strings.LastIndexByte(subj, '.'); i >= 0 {
		return subj[i+1:]
	}
	return subj
}

// setDatabases applies a changed replication.databases: every source that
// was enabled is enabled again with it (the records source copies a newly
// replicated database into its outbox).
func (r *replicator) setDatabases(dbs any) {
	r.mu.Lock()
	r.databases = dbs
	var sources []string
	for src, on := range r.enabled {
		if on {
			sources = append(sources, src)
		}
	}
	r.mu.Unlock()
	for _, src := range sources {
		r.wg.Add(1)
		go func() { defer r.wg.Done(); r.enable(r.ctx, src) }()
	}
}
