package auth

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/tidwall/buntdb"

	"github.com/hops-dev/hops/sdk"
)

// replCall runs a system source operation on e's service.
func (e *env) replCall(op string, body map[string]any) map[string]any {
	e.t.Helper()
	body["operation"] = op
	raw, _ := json.Marshal(body)
	for _, l := range e.s.ReplOperations() {
		if l.Op.Name == op {
			resp, err := l.Op.Handler(context.Background(), &sdk.Request{Operation: op, Body: raw})
			if err != nil {
				e.t.Fatalf("%s: %v", op, err)
			}
			return obj(e.t, roundTrip(e.t, resp.Value))
		}
	}
	e.t.Fatalf("no operation %q", op)
	return nil
}

// ship moves from's whole outbox to to, as the transport does (outbox,
// apply, outbox_ack), and returns to's apply answer.
func ship(from, to *env, origin string) map[string]any {
	from.t.Helper()
	page := from.replCall("repl_system_outbox", map[string]any{"after": 0, "limit": 100000})
	entries, _ := page["entries"].([]any)
	ans := to.replCall("repl_system_apply", map[string]any{"origin": origin, "entries": entries})
	if len(entries) > 0 {
		last := obj(from.t, entries[len(entries)-1])
		from.replCall("repl_system_outbox_ack", map[string]any{"upto": last["seq"]})
	}
	return ans
}

func outboxLen(e *env) int {
	page := e.replCall("repl_system_outbox", map[string]any{"after": 0, "limit": 100000})
	entries, _ := page["entries"].([]any)
	return len(entries)
}

func checksum(e *env) string {
	return e.replCall("repl_system_checksum", map[string]any{})["checksum"].(string)
}

// Two nodes: enabling puts every user and role (and the public JWT key)
// in the outbox; shipping both ways converges them; a user added on A
// logs in on B after B had refused it (the cached failure is dropped); a
// token issued by A is accepted by B; a user dropped on A is refused on
// B; an older change arriving after a newer one is skipped; applying
// never writes the outbox.
func TestReplSystemTwoNodes(t *testing.T) {
	a, b := newEnv(t, Options{}), newEnv(t, Options{})
	if outboxLen(a) != 0 {
		t.Fatal("an outbox before enable")
	}
	a.replCall("repl_system_enable", map[string]any{"node": "a"})
	b.replCall("repl_system_enable", map[string]any{"node": "b"})
	a.replCall("repl_system_enable", map[string]any{"node": "a"}) // idempotent
	// 4 roles (super_user, cluster_user, reader) + 2 users + jwt_key.
	if n := outboxLen(a); n < 5 {
		t.Fatalf("outbox after enable holds %d entries", n)
	}
	ship(a, b, "a")
	ship(b, a, "b")
	if outboxLen(b) != 0 || outboxLen(a) != 0 {
		t.Fatal("applying wrote the outbox (echo)")
	}
	if ca, cb := checksum(a), checksum(b); ca != cb {
		t.Fatalf("checksums differ after exchange: %s %s", ca, cb)
	}
	// B refuses a user it does not know (and caches the refusal).
	if _, err := b.s.Authenticate(context.Background(), basic("carol", "Carol#Pass1")); err == nil {
		t.Fatal("unknown user accepted")
	}
	if err := a.s.CreateUser("carol", "Carol#Pass1", readerRole, true); err != nil {
		t.Fatal(err)
	}
	if ans := ship(a, b, "a"); ans["applied"] != float64(1) {
		t.Fatalf("apply = %v", ans)
	}
	b.login("carol", "Carol#Pass1")

	// A token issued by A works on B.
	tok := obj(t, a.ok(a.admin(), "create_authentication_tokens", map[string]any{"username": "carol", "password": "Carol#Pass1"}))
	ship(a, b, "a") // the refresh id rides on carol's record
	if _, err := b.s.Authenticate(context.Background(), "Bearer "+tok["operation_token"].(string)); err != nil {
		t.Fatalf("A's token on B: %v", err)
	}
	// alter_role on A reaches B's cached callers.
	roles := a.ok(a.admin(), "list_roles", nil).([]any)
	var readerID string
	for _, r := range roles {
		if obj(t, r)["role"] == readerRole {
			readerID = obj(t, r)["id"].(string)
		}
	}
	a.ok(a.admin(), "alter_role", map[string]any{"id": readerID, "permission": json.RawMessage(`{"super_user":true}`)})
	ship(a, b, "a")
	if c := b.login("carol", "Carol#Pass1"); !c.SuperUser {
		t.Fatal("alter_role on A did not reach B's cached caller")
	}

	// A stale put (older ts) after the drop is skipped: no resurrection.
	var stale json.RawMessage
	if err := a.db.View(func(tx *buntdb.Tx) error {
		v, _ := tx.Get(userPrefix + "carol")
		stale = json.RawMessage(v)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	a.ok(a.admin(), "drop_user", map[string]any{"username": "carol"})
	ship(a, b, "a")
	if _, err := b.s.Authenticate(context.Background(), basic("carol", "Carol#Pass1")); err == nil {
		t.Fatal("a user dropped on A still logs in on B")
	}
	ans := b.replCall("repl_system_apply", map[string]any{"origin": "a", "entries": []any{
		map[string]any{"seq": 1, "ts": 1, "node": "a", "op": opUserPut, "username": "carol", "record": stale},
		map[string]any{"seq": 2, "ts": 2, "node": "a", "op": "no_such_op"},
	}})
	if ans["skipped"] != float64(2) {
		t.Fatalf("stale put / unknown op: %v", ans)
	}
	if _, err := b.s.Authenticate(context.Background(), basic("carol", "Carol#Pass1")); err == nil {
		t.Fatal("an older put brought a dropped user back")
	}
	if ca, cb := checksum(a), checksum(b); ca != cb {
		t.Fatalf("checksums differ: %s %s", ca, cb)
	}
}

// A token signed by a key nobody sent is refused.
func TestReplSystemUnknownKeyRefused(t *testing.T) {
	a, b := newEnv(t, Options{}), newEnv(t, Options{})
	tok := obj(t, a.ok(a.admin(), "create_authentication_tokens", map[string]any{"username": adminName, "password": adminPass}))
	_, err := b.s.Authenticate(context.Background(), "Bearer "+tok["operation_token"].(string))
	wantStatus(t, err, http.StatusUnauthorized)
}

// A node joining a cluster adopts the cluster's users and roles: its own
// first-start rows (seeds) lose to the cluster's edits and to older
// seeds, and its users the cluster lacks are added.
func TestReplSystemJoiningNodeAdoptsCluster(t *testing.T) {
	a := newEnv(t, Options{})
	time.Sleep(5 * time.Millisecond)
	d := newEnv(t, Options{})
	if err := d.s.CreateUser("only_d", "OnlyD#Pass1", readerRole, true); err != nil {
		t.Fatal(err)
	}
	adminAccount := func(e *env) string {
		var raw string
		_ = e.db.View(func(tx *buntdb.Tx) error { raw, _ = tx.Get(userPrefix + adminName); return nil })
		var u user
		_ = json.Unmarshal([]byte(raw), &u)
		return u.AccountID
	}
	first := adminAccount(a)
	a.replCall("repl_system_enable", map[string]any{"node": "a"})
	a.ok(a.admin(), "alter_user", map[string]any{"username": plainName, "password": "Changed#Pass1"})
	d.replCall("repl_system_enable", map[string]any{"node": "d"}) // later, larger name
	ship(d, a, "d")
	ship(a, d, "a")
	if ca, cd := checksum(a), checksum(d); ca != cd {
		t.Fatalf("checksums differ: %s %s", ca, cd)
	}
	d.login(plainName, "Changed#Pass1") // a's edit beat d's seed
	a.login("only_d", "OnlyD#Pass1")    // d's own user reached a
	if adminAccount(a) != first || adminAccount(d) != first {
		t.Fatal("the joining node's first-start admin replaced the cluster's")
	}
}

// Enabled again after a disable, a node sends the rows changed while it
// was disabled as changes (they win over older ones), and not the rows
// already replicated.
func TestReplSystemReenableSendsChangedRows(t *testing.T) {
	a, b := newEnv(t, Options{}), newEnv(t, Options{})
	a.replCall("repl_system_enable", map[string]any{"node": "a"})
	b.replCall("repl_system_enable", map[string]any{"node": "b"})
	ship(a, b, "a")
	ship(b, a, "b")
	a.replCall("repl_system_disable", map[string]any{})
	time.Sleep(5 * time.Millisecond)
	a.ok(a.admin(), "alter_user", map[string]any{"username": plainName, "password": "Later#Pass1"})
	if outboxLen(a) != 0 {
		t.Fatal("a disabled source wrote its outbox")
	}
	a.replCall("repl_system_enable", map[string]any{"node": "a"})
	page := a.replCall("repl_system_outbox", map[string]any{"after": 0, "limit": 100})
	var ops []string
	for _, e := range page["entries"].([]any) {
		ops = append(ops, obj(t, e)["op"].(string))
	}
	if len(ops) != 2 || ops[0] != opUserPut || ops[1] != opJWTKey {
		t.Fatalf("re-enable put %v in the outbox, want the one changed row and the public key", ops)
	}
	ship(a, b, "a")
	b.login(plainName, "Later#Pass1")
	if ca, cb := checksum(a), checksum(b); ca != cb {
		t.Fatalf("checksums differ: %s %s", ca, cb)
	}
}

// Every committed write of users and roles wakes a waiting
// repl_system_outbox: the signal fires at the commit, and a call waiting
// with wait_ms answers with the entry the commit put in the outbox.
func TestReplSystemOutboxWaitsForCommit(t *testing.T) {
	a := newEnv(t, Options{})
	a.replCall("repl_system_enable", map[string]any{"node": "a"})
	page := a.replCall("repl_system_outbox", map[string]any{"after": 0, "limit": 100000})
	entries := page["entries"].([]any)
	last := obj(t, entries[len(entries)-1])["seq"].(float64)

	woken := a.s.outboxSignal.wait()
	if err := a.s.CreateUser("walt", "Walt#Pass1", readerRole, true); err != nil {
		t.Fatal(err)
	}
	select {
	case <-woken:
	default:
		t.Fatal("a committed user write did not signal the outbox")
	}

	done := make(chan map[string]any, 1)
	go func() {
		done <- a.replCall("repl_system_outbox", map[string]any{"after": last + 1, "limit": 100, "wait_ms": 10000})
	}()
	a.ok(a.admin(), "drop_user", map[string]any{"username": "walt"})
	got := (<-done)["entries"].([]any)
	if len(got) != 1 || obj(t, got[0])["op"] != opUserDrop {
		t.Fatalf("waiting outbox call answered %v, want the drop", got)
	}
	// Nothing after it: an empty answer once wait_ms passed.
	if got := a.replCall("repl_system_outbox", map[string]any{"after": last + 2, "wait_ms": 1})["entries"].([]any); len(got) != 0 {
		t.Fatalf("empty outbox answered %v", got)
	}
}

// A user dropped (here, or on another node and applied) is refused at
// once by a client whose password was cached: the cached success becomes
// a cached refusal, without a hash. Added again, the user logs in.
func TestReplSystemDroppedUserRefusedFromCache(t *testing.T) {
	a, b := newEnv(t, Options{}), newEnv(t, Options{})
	a.replCall("repl_system_enable", map[string]any{"node": "a"})
	if err := a.s.CreateUser("gina", "Gina#Pass1", readerRole, true); err != nil {
		t.Fatal(err)
	}
	ship(a, b, "a")
	a.login("gina", "Gina#Pass1")
	b.login("gina", "Gina#Pass1")
	a.ok(a.admin(), "drop_user", map[string]any{"username": "gina"})
	ship(a, b, "a")
	for _, e := range []*env{a, b} {
		before := e.verifies.Load()
		_, err := e.s.Authenticate(context.Background(), basic("gina", "Gina#Pass1"))
		wantStatus(t, err, http.StatusUnauthorized)
		if n := e.verifies.Load() - before; n != 0 {
			t.Errorf("the dropped user's refusal cost %d hash verifications", n)
		}
	}
	if err := a.s.CreateUser("gina", "Gina#Pass1", readerRole, true); err != nil {
		t.Fatal(err)
	}
	ship(a, b, "a")
	a.login("gina", "Gina#Pass1")
	b.login("gina", "Gina#Pass1")
}

// Applying other users' changes while a password is verified does not keep
// its outcome from being cached: on a node that applies a change for
// every sample of a loop (another node adding and dropping users), a
// credential whose cache entry expired is hashed once again, not on every
// request. A change of the same user during the verification still
// discards it (the next request verifies again).
func TestReplSystemApplyKeepsOthersCacheable(t *testing.T) {
	a, b := newEnv(t, Options{}), newEnv(t, Options{})
	a.replCall("repl_system_enable", map[string]any{"node": "a"})
	ship(a, b, "a")
	other := ""
	for _, u := range []string{"hal", "ida", "jon", "kim", "lou"} {
		if userShard(u) != userShard(plainName) {
			other = u
			break
		}
	}
	verify := b.s.verify
	var during func()
	b.s.verify = func(h, pw []byte, pause func()) error {
		if during != nil {
			during()
			during = nil
		}
		return verify(h, pw, pause)
	}
	// A change of another user arrives while plainName's password hashes.
	if err := a.s.CreateUser(other, "Other#Pass1", readerRole, true); err != nil {
		t.Fatal(err)
	}
	during = func() { ship(a, b, "a") }
	b.login(plainName, plainPass)
	before := b.verifies.Load()
	b.login(plainName, plainPass)
	if n := b.verifies.Load() - before; n != 0 {
		t.Errorf("a login verified while another user's change was applied was not cached: %d more hashes", n)
	}
	b.login(other, "Other#Pass1") // the applied user logs in

	// A change of the same user while it hashes: not cached.
	b.clock.Add(int64(DefaultCacheTTL + time.Second))
	a.ok(a.admin(), "alter_user", map[string]any{"username": plainName, "active": true})
	during = func() { ship(a, b, "a") }
	b.login(plainName, plainPass)
	before = b.verifies.Load()
	b.login(plainName, plainPass)
	if n := b.verifies.Load() - before; n != 1 {
		t.Errorf("a login verified while its own user changed: %d hashes on the next login, want 1", n)
	}
}
