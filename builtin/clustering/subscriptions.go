package clustering

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/hops-dev/hops/sdk"
)

// Subscriptions: add_node's per database/table publish/subscribe. A node
// keeps, for each other node it names, the list it was given:
//
//   - subscribe: this node applies that node's changes of the table;
//   - publish: that node may apply this node's changes of the table.
//
// A node with no list replicates every table both ways (HarperDB's
// "replicates": true); with a list, only the tables it names, in the
// directions it names. Both are enforced where a change is applied: the
// receiving node drops the entries of a table it does not subscribe to
// from the sender, or that the sender does not publish to it (it asks the
// sender over NATS, hops.subs.<sender>, and keeps the answer
// subsRefresh). Users, roles and token keys (the system source) always
// replicate.

// subsFile under <rootPath>/clustering keeps the lists, by node name.
const subsFile = "subscriptions.json"

// subsRefresh is how long a node keeps another node's publish list before
// asking again: a changed list applies within it.
const subsRefresh = 2 * time.Second

// subsAsk bounds one request for another node's publish list.
const subsAsk = 2 * time.Second

// subsSubjectPrefix starts the subject a node answers its publish lists on.
const subsSubjectPrefix = "hops.subs."

// Messages of subscriptions.
const (
	MsgSubsBothFalse = "'subscriptions[%d]' subscribe and/or publish must be set to true when adding a node"
	MsgSubsSystem    = "'subscriptions[%d]': the system database (users, roles, token keys) always replicates; name other databases"
	MsgSubsItem      = "'subscriptions[%d]' must be of type object"
	MsgReplicates    = "'replicates': false conflicts with 'subscriptions': give one of them"
	// MsgSubsTooMany refuses a list longer than MaxSubscriptions.
	MsgSubsTooMany = "'subscriptions' holds %d items: at most %d are accepted (one per database or table)"
	// MsgSubsTwice refuses an item naming the database/table an earlier
	// item named: which of the two would win is not written anywhere.
	MsgSubsTwice = "'subscriptions[%d]' names %s again (as 'subscriptions[%d]' did): give each database or table once"
)

// MaxSubscriptions bounds one node's subscriptions: a node answers its
// whole list to every node that asks (a NATS message, at most 8 MiB) and
// checks each replicated entry against it, so a list is one item per
// database or table, not an unbounded one.
const MaxSubscriptions = 4096

// Subscription is one item of add_node's subscriptions.
type Subscription struct {
	Database  string `json:"database"`
	Table     string `json:"table,omitempty"`
	Publish   bool   `json:"publish"`
	Subscribe bool   `json:"subscribe"`
	// StartTime, in ms since the epoch (0: none): changes of the table
	// made before it are not applied.
	StartTime float64 `json:"start_time,omitempty"`
}

// nodeSubs reads an add_node-style object's subscriptions (and
// replicates): set is false when the node replicates everything (no list),
// else list is what it replicates ([] with replicates: false: nothing).
// adding refuses an item with both directions false, as HarperDB's
// add_node does.
func nodeSubs(fields *sdk.Fields, adding bool) (list []Subscription, set bool, err error) {
	replicates, hasRepl := fields.Bool("replicates")
	raw, hasSubs := fields.Raw("subscriptions")
	if err := fields.Err(); err != nil {
		return nil, false, err
	}
	if hasSubs && string(raw) == "null" {
		hasSubs = false
	}
	if !hasSubs {
		if hasRepl && !replicates {
			return []Subscription{}, true, nil
		}
		return nil, false, nil
	}
	if hasRepl && !replicates {
		return nil, false, sdk.BadRequest(MsgReplicates)
	}
	var items []json.RawMessage
	if !isArray(raw) || json.Unmarshal(raw, &items) != nil {
		return nil, false, sdk.BadRequest(sdk.MsgFieldArray, "subscriptions")
	}
	if len(items) > MaxSubscriptions {
		return nil, false, sdk.BadRequest(MsgSubsTooMany, len(items), MaxSubscriptions)
	}
	list = make([]Subscription, 0, len(items))
	seen := make(map[[2]string]int, len(items))
	for i, item := range items {
		s, err := readSubscription(item, i, adding)
		if err != nil {
			return nil, false, err
		}
		k := [2]string{s.Database, s.Table}
		if j, dup := seen[k]; dup {
			return nil, false, sdk.BadRequest(MsgSubsTwice, i, subsTarget(s), j)
		}
		seen[k] = i
		list = append(list, s)
	}
	return list, true, nil
}

// subsTarget names what an item covers, for messages: database
// "d", or table "d.t".
func subsTarget(s Subscription) string {
	if s.Table == "" {
		return fmt.Sprintf("database %q", s.Database)
	}
	return fmt.Sprintf("table %q", s.Database+"."+s.Table)
}

// readSubscription reads item i: {database (or schema; default "data"),
// table, publish, subscribe, start_time}.
func readSubscription(item json.RawMessage, i int, adding bool) (Subscription, error) {
	it := sdk.ReadFields(item)
	if it.Err() != nil {
		return Subscription{}, sdk.BadRequest(MsgSubsItem, i)
	}
	if err := checkKnown(item, "subscriptions", fmt.Sprintf("subscriptions[%d].", i), subscriptionFields); err != nil {
		return Subscription{}, err
	}
	name := func(k string) sdk.FieldOption { return sdk.Label(fmt.Sprintf("subscriptions[%d].%s", i, k)) }
	var s Subscription
	dbKey := it.FirstOf("database", "schema")
	s.Database = "data"
	if it.Present(dbKey) {
		s.Database = it.String(dbKey, name(dbKey))
	}
	if it.Present("table") {
		s.Table = it.String("table", name("table"))
	}
	s.Subscribe, _ = it.Bool("subscribe", sdk.Required, name("subscribe"))
	s.Publish, _ = it.Bool("publish", sdk.Required, name("publish"))
	if raw, ok := it.Raw("start_time"); ok && !isFalsy(raw) {
		str := it.String("start_time", name("start_time"))
		t, perr := time.Parse(time.RFC3339Nano, strings.TrimSpace(str))
		if it.Err() == nil && perr != nil {
			it.Fail("'subscriptions[%d].start_time' must be in ISO 8601 date format", i)
		}
		if it.Err() == nil && perr == nil && inFuture(t) {
			it.Fail(MsgStartFuture, fmt.Sprintf("subscriptions[%d].start_time", i), str)
		}
		s.StartTime = float64(t.UnixMicro()) / 1000
	}
	if err := it.Err(); err != nil {
		return Subscription{}, err
	}
	if s.Database == systemDatabase {
		return Subscription{}, sdk.BadRequest(MsgSubsSystem, i)
	}
	if adding && !s.Publish && !s.Subscribe {
		return Subscription{}, sdk.BadRequest(MsgSubsBothFalse, i)
	}
	return s, nil
}

// subsName is the node an add_node-style object's subscriptions are for:
// its hostname (or node_name) as the node names itself
// (replication.hostname), else the host of its url.
func subsName(fields *sdk.Fields) string {
	for _, k := range []string{"hostname", "node_name", "name"} {
		if s := fields.String(k, sdk.AllowEmpty); s != "" {
			return s
		}
	}
	hp, err := routeHostPort(fields.String("url", sdk.AllowEmpty))
	if err != nil {
		return ""
	}
	return hostOf(hp)
}

// subsState is the family's subscriptions: its own lists and the other
// nodes' publish lists it asked for.
type subsState struct {
	mu     sync.Mutex
	loaded bool
	own    map[string][]Subscription // by node name; absent: everything
	remote map[string]remoteSubs     // by node name
}

// remoteSubs is another node's publish list for this node.
type remoteSubs struct {
	list []Subscription
	set  bool
	at   time.Time
}

// ownSubs returns the family's lists, read from the file once.
func (f *Family) ownSubs() map[string][]Subscription {
	f.subs.mu.Lock()
	defer f.subs.mu.Unlock()
	if !f.subs.loaded {
		f.subs.own = map[string][]Subscription{}
		b, err := os.ReadFile(filepath.Join(f.dir, subsFile))
		if err == nil {
			if err := json.Unmarshal(b, &f.subs.own); err != nil {
				f.log.Error("subscriptions unreadable; replicating every table with every node", "file", subsFile, "error", err)
				f.subs.own = map[string][]Subscription{}
			}
		} else if !errors.Is(err, os.ErrNotExist) {
			f.log.Error("read the subscriptions", "error", err)
		}
		f.subs.loaded = true
	}
	return f.subs.own
}

// editSubs changes the family's lists and keeps them in the file.
func (f *Family) editSubs(edit func(map[string][]Subscription)) error {
	cur := f.ownSubs()
	f.subs.mu.Lock()
	defer f.subs.mu.Unlock()
	next := make(map[string][]Subscription, len(cur))
	for k, v := range cur {
		next[k] = v
	}
	edit(next)
	b, err := json.Marshal(next)
	if err != nil {
		return fmt.Errorf("encode subscriptions: %w", err)
	}
	if err := os.MkdirAll(f.dir, dirMode); err != nil {
		return fmt.Errorf("keep subscriptions: %w", err)
	}
	tmp := filepath.Join(f.dir, subsFile+".tmp")
	if err := os.WriteFile(tmp, b, fileMode); err != nil {
		return fmt.Errorf("keep subscriptions: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(f.dir, subsFile)); err != nil {
		return fmt.Errorf("keep subscriptions: %w", err)
	}
	f.subs.own = next
	return nil
}

// subsOf returns this node's list for node (nil, false: everything).
func (f *Family) subsOf(node string) ([]Subscription, bool) {
	own := f.ownSubs()
	f.subs.mu.Lock()
	defer f.subs.mu.Unlock()
	l, ok := own[node]
	return l, ok
}

// answerSubs answers the other nodes' requests for this node's publish
// list, on hops.subs.<self>: the request's data is the asking node's
// name, the answer {"set": bool, "list": [...]}.
func (f *Family) answerSubs(nc *nats.Conn, self string) error {
	_, err := nc.Subscribe(subsSubjectPrefix+token(self), func(m *nats.Msg) {
		l, ok := f.subsOf(string(m.Data))
		b, _ := json.Marshal(map[string]any{"set": ok, "list": l})
		_ = m.Respond(b)
	})
	return err
}

// remoteSubsOf returns node's publish list for self: the answer it gave
// within subsRefresh, else it asks again (subsAsk at most). When node does
// not answer (down, cut off, or slow) and answered before, its last list
// is used and asked again only after subsRefresh: such a node does not
// hold back applying its changes (a catching-up node applies them from
// the other nodes' copies). A node never heard from is an error (retried).
func (f *Family) remoteSubsOf(ctx context.Context, nc *nats.Conn, self, node string) (remoteSubs, error) {
	f.subs.mu.Lock()
	rs, ok := f.subs.remote[node]
	f.subs.mu.Unlock()
	if ok && time.Since(rs.at) < subsRefresh {
		return rs, nil
	}
	cctx, cancel := context.WithTimeout(ctx, subsAsk)
	defer cancel()
	got, err := f.askSubs(cctx, nc, self, node)
	if err == nil || !ok || ctx.Err() != nil {
		return got, err
	}
	f.log.Warn("replication: keeping the last subscriptions of a node that did not answer", "node", node, "error", err)
	rs.at = time.Now()
	f.subs.mu.Lock()
	f.subs.remote[node] = rs
	f.subs.mu.Unlock()
	return rs, nil
}

// askSubs asks node for its publish list for self and keeps the answer.
func (f *Family) askSubs(ctx context.Context, nc *nats.Conn, self, node string) (remoteSubs, error) {
	m, err := nc.RequestWithContext(ctx, subsSubjectPrefix+token(node), []byte(self))
	if err != nil {
		return remoteSubs{}, fmt.Errorf("ask node %q for its subscriptions: %w", node, err)
	}
	var a struct {
		Set  bool           `json:"set"`
		List []Subscription `json:"list"`
	}
	if err := json.Unmarshal(m.Data, &a); err != nil {
		return remoteSubs{}, fmt.Errorf("node %q's subscriptions: %w", node, err)
	}
	rs := remoteSubs{list: a.List, set: a.Set, at: time.Now()}
	f.subs.mu.Lock()
	if f.subs.remote == nil {
		f.subs.remote = map[string]remoteSubs{}
	}
	f.subs.remote[node] = rs
	f.subs.mu.Unlock()
	return rs, nil
}

// entryFilter says whether an entry (its JSON) is applied.
type entryFilter func(entry []byte) bool

// applyFilter returns the filter of origin's records entries: nil when
// every table replicates both ways between the two nodes.
// self asks origin over nc.
func (f *Family) applyFilter(ctx context.Context, nc *nats.Conn, self, origin string) (entryFilter, error) {
	mine, mineSet := f.subsOf(origin)
	theirs, err := f.remoteSubsOf(ctx, nc, self, origin)
	if err != nil {
		return nil, err
	}
	if !mineSet && !theirs.set {
		return nil, nil
	}
	return func(e []byte) bool {
		var h struct {
			TS       json.Number `json:"ts"`
			Database string      `json:"database"`
			Table    string      `json:"table"`
		}
		if json.Unmarshal(e, &h) != nil {
			return true // the source skips what it cannot read, and says so
		}
		ts, _ := strconv.ParseFloat(string(h.TS), 64)
		return (!mineSet || allows(mine, h.Database, h.Table, ts, false)) &&
			(!theirs.set || allows(theirs.list, h.Database, h.Table, ts, true))
	}, nil
}

// allows reports whether list lets a change of database/table made at ts
// (ms) through, in the publish or the subscribe direction. An entry with
// no table (a database's creation or drop) passes when an item of its
// database does.
func allows(list []Subscription, database, table string, ts float64, publish bool) bool {
	for _, s := range list {
		if s.Database != database || (table != "" && s.Table != "" && s.Table != table) {
			continue
		}
		on := s.Subscribe
		if publish {
			on = s.Publish
		}
		if !on {
			continue
		}
		if s.StartTime > 0 && ts < s.StartTime {
			continue
		}
		return true
	}
	return false
}

// filterApplyBody is applyBody without the entries keep refuses; n is
// how many entries are left.
func filterApplyBody(source, origin string, msgs []jetstream.Msg, keep entryFilter) (body []byte, n int) {
	var entries []json.RawMessage
	for _, m := range msgs {
		d, err := messageEntries(m.Data())
		if err != nil {
			continue // a damaged compressed message: nothing to read
		}
		var list []json.RawMessage
		if err := json.Unmarshal(d, &list); err != nil {
			list = []json.RawMessage{d} // one entry, not packed
		}
		for _, e := range list {
			if keep(e) {
				entries = append(entries, e)
			}
		}
	}
	b, _ := json.Marshal(map[string]any{"operation": opName(source, "apply"), "source": source, "origin": origin, "entries": entries})
	return b, len(entries)
}

// recordsSource is the source whose entries subscriptions filter.
const recordsSource = "records"

// runBody is the repl_<source>_apply body of a run of origin's messages:
// without the entries the subscriptions between the two nodes keep back
// (nil when none is left), or every entry when none do.
func (r *replicator) runBody(ctx context.Context, src, origin string, msgs []jetstream.Msg) ([]byte, error) {
	if r.filter == nil || src != recordsSource {
		return applyBody(src, origin, msgs), nil
	}
	keep, err := r.filter(ctx, r.nc, r.self, origin)
	if err != nil {
		return nil, err
	}
	if keep == nil {
		return applyBody(src, origin, msgs), nil
	}
	body, n := filterApplyBody(src, origin, msgs, keep)
	if n == 0 {
		return nil, nil
	}
	return body, nil
}
