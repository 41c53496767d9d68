package auth

import (
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/hops-dev/hops/sdk"
)

// deadlockGuard bounds every wait in these tests; reaching it is a
// failure (a deadlock), never a timing assertion.
const deadlockGuard = 10 * time.Second

// eventually polls cond until it holds or the deadlock guard passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(deadlockGuard)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("never happened: %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// acquireAsync runs ls.acquire in a goroutine; the channel gets its error.
func acquireAsync(ls *lanes, l lane) chan error {
	ch := make(chan error, 1)
	go func() { ch <- ls.acquire(context.Background(), l) }()
	return ch
}

func mustGet(t *testing.T, ch chan error, what string) {
	t.Helper()
	select {
	case err := <-ch:
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	case <-time.After(deadlockGuard):
		t.Fatalf("%s: never granted", what)
	}
}

func mustWait(t *testing.T, ch chan error, what string) {
	t.Helper()
	select {
	case err := <-ch:
		t.Fatalf("%s: granted (%v) while it should wait", what, err)
	default:
	}
}

// The low lane starts only when the normal lane is idle, one at a time,
// and a normal acquire never waits for it.
func TestLanesNormalFirst(t *testing.T) {
	ls := newLanes()
	if err := ls.acquire(context.Background(), laneNormal); err != nil {
		t.Fatal(err)
	}
	low1 := acquireAsync(ls, laneLow)
	eventually(t, "low1 queued", func() bool { _, low := ls.queued(); return low == 1 })
	mustWait(t, low1, "low1 while a normal verification runs")
	ls.release(laneNormal)
	mustGet(t, low1, "low1 after the normal lane went idle")

	// The low slot is taken: a second low waits, a normal does not.
	low2 := acquireAsync(ls, laneLow)
	eventually(t, "low2 queued", func() bool { _, low := ls.queued(); return low == 1 })
	if err := ls.acquire(context.Background(), laneNormal); err != nil {
		t.Fatalf("normal behind the low lane: %v", err)
	}
	// The low slot frees while the normal one runs: low2 still waits.
	ls.release(laneLow)
	mustWait(t, low2, "low2 while a normal verification runs")
	ls.release(laneNormal)
	mustGet(t, low2, "low2 after the normal lane went idle")
	ls.release(laneLow)
}

// Both queues are bounded: past the bound acquire refuses at once; a wait
// that lasts too long ends with errLaneTimeout and leaves the queue.
func TestLanesBounded(t *testing.T) {
	ls := newLanes()
	ls.slots, ls.normalQueue, ls.lowQueue = 1, 1, 2
	if err := ls.acquire(context.Background(), laneNormal); err != nil {
		t.Fatal(err)
	}
	n2 := acquireAsync(ls, laneNormal)
	eventually(t, "normal queued", func() bool { n, _ := ls.queued(); return n == 1 })
	if err := ls.acquire(context.Background(), laneNormal); !errors.Is(err, errLaneFull) {
		t.Fatalf("normal past the queue bound: %v", err)
	}
	l1 := acquireAsync(ls, laneLow)
	eventually(t, "first low queued", func() bool { _, low := ls.queued(); return low == 1 })
	l2 := acquireAsync(ls, laneLow)
	eventually(t, "second low queued", func() bool { _, low := ls.queued(); return low == 2 })
	if err := ls.acquire(context.Background(), laneLow); !errors.Is(err, errLaneFull) {
		t.Fatalf("low past the queue bound: %v", err)
	}
	ls.release(laneNormal)
	mustGet(t, n2, "queued normal")
	ls.release(laneNormal)
	mustGet(t, l1, "first low")
	mustWait(t, l2, "second low while the first runs")
	ls.release(laneLow)
	mustGet(t, l2, "second low")
	ls.release(laneLow)

	ls.lowWait = time.Millisecond
	if err := ls.acquire(context.Background(), laneNormal); err != nil {
		t.Fatal(err)
	}
	if err := ls.acquire(context.Background(), laneLow); !errors.Is(err, errLaneTimeout) {
		t.Fatalf("low wait past lowWait: %v", err)
	}
	if _, low := ls.queued(); low != 0 {
		t.Fatalf("a timed-out waiter stayed queued (%d)", low)
	}
	ls.release(laneNormal)
}

// A low-lane hash pauses while a normal verification runs and goes on
// when it ends; the pause is bounded over the hash's life.
func TestLanesPause(t *testing.T) {
	ls := newLanes()
	pause := ls.pauser()
	pause() // idle normal lane: returns at once
	if err := ls.acquire(context.Background(), laneNormal); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { pause(); close(done) }()
	eventually(t, "the low hash paused", func() bool { return ls.paused.Load() == 1 })
	select {
	case <-done:
		t.Fatal("pause returned while the normal lane was busy")
	default:
	}
	ls.release(laneNormal)
	<-done

	// A slot handed from one normal verification to a queued one keeps
	// the low hash paused.
	ls.slots = 1
	if err := ls.acquire(context.Background(), laneNormal); err != nil {
		t.Fatal(err)
	}
	next := acquireAsync(ls, laneNormal)
	eventually(t, "a normal queued", func() bool { n, _ := ls.queued(); return n == 1 })
	done = make(chan struct{})
	go func() { pause(); close(done) }()
	eventually(t, "the low hash paused", func() bool { return ls.paused.Load() == 1 })
	ls.release(laneNormal)
	mustGet(t, next, "the queued normal")
	select {
	case <-done:
		t.Fatal("the low hash ran between two normal verifications")
	default:
	}
	ls.release(laneNormal)
	<-done

	ls.maxPause = time.Millisecond
	pause = ls.pauser()
	if err := ls.acquire(context.Background(), laneNormal); err != nil {
		t.Fatal(err)
	}
	pause() // spends the budget
	pause() // nothing left: returns at once
	ls.release(laneNormal)
}

// pbkdf2SHA256 is PBKDF2 and pauses every lanePauseRounds rounds.
func TestPBKDF2Pausing(t *testing.T) {
	for _, iter := range []int{1, 2, lanePauseRounds - 1, lanePauseRounds, 2*lanePauseRounds + 1} {
		for _, n := range []int{16, 32, 48, 64} {
			want, err := pbkdf2.Key(sha256.New, "pw\x00x", []byte("some salt"), iter, n)
			if err != nil {
				t.Fatal(err)
			}
			var pauses int
			got := pbkdf2SHA256([]byte("pw\x00x"), []byte("some salt"), iter, n, func() { pauses++ })
			if string(got) != string(want) {
				t.Fatalf("iter %d len %d: %x, want %x", iter, n, got, want)
			}
			if blocks := (n + 31) / 32; pauses != blocks*(iter/lanePauseRounds) {
				t.Fatalf("iter %d len %d: %d pauses", iter, n, pauses)
			}
		}
	}
	stored, err := hasher{function: HashSHA256, iterations: 3 * lanePauseRounds}.hash([]byte("Right#1"))
	if err != nil {
		t.Fatal(err)
	}
	var pauses int
	if err := verifyHash(stored, []byte("Right#1"), func() { pauses++ }); err != nil || pauses != 4 {
		t.Fatalf("verify with pause: %v, %d pauses (want 4: before, then every %d rounds)", err, pauses, lanePauseRounds)
	}
	if err := verifyHash(stored, []byte("Wrong#1"), func() {}); !errors.Is(err, errMismatch) {
		t.Fatalf("wrong password with pause: %v", err)
	}
}

// gatedHasher replaces e's verify: each call announces its password on
// entered and blocks until gate(password) is closed, then calls pause (a
// low-lane hash yields there) and verifies for real.
type gatedHasher struct {
	entered chan string
	gates   map[string]chan struct{}
}

func (e *env) gatedHasher(passwords ...string) *gatedHasher {
	g := &gatedHasher{entered: make(chan string, 64), gates: map[string]chan struct{}{}}
	for _, p := range passwords {
		g.gates[p] = make(chan struct{})
	}
	verify := e.s.verify
	e.s.verify = func(h, pw []byte, pause func()) error {
		if gate, ok := g.gates[string(pw)]; ok {
			g.entered <- string(pw)
			<-gate
			if pause != nil {
				pause()
			}
		}
		return verify(h, pw, nil)
	}
	return g
}

func (g *gatedHasher) next(t *testing.T) string {
	t.Helper()
	select {
	case pw := <-g.entered:
		return pw
	case <-time.After(deadlockGuard):
		t.Fatal("no verification entered the hasher")
		return ""
	}
}

func (g *gatedHasher) none(t *testing.T, when string) {
	t.Helper()
	select {
	case pw := <-g.entered:
		t.Fatalf("%s: %q entered the hasher", when, pw)
	default:
	}
}

func (e *env) loginAsync(addr, user, pass string) chan error {
	ch := make(chan error, 1)
	go func() { ch <- e.loginFrom(addr, user, pass) }()
	return ch
}

// A first login from an address that has not failed is verified at once
// while the guesses of failing addresses wait their turn on the low lane,
// one in the hasher at a time; the guess in the hasher pauses until the
// first login is done, and the next guess starts only after that.
func TestFirstLoginNotQueuedBehindGuesses(t *testing.T) {
	e := newEnv(t, Options{})
	e.holds()
	const guesses = 4
	var pws []string
	for i := range guesses {
		// One failure makes the address doubtful; distinct usernames keep
		// the per-username throttle out of the way.
		wantStatus(t, e.loginFrom(fmt.Sprintf("10.7.0.%d:1", i), fmt.Sprintf("ghost%d", i), "x"), http.StatusUnauthorized)
		pws = append(pws, fmt.Sprintf("Guess#%d", i))
	}
	g := e.gatedHasher(append(pws, adminPass)...)
	results := map[string]chan error{}
	for i, pw := range pws {
		results[pw] = e.loginAsync(fmt.Sprintf("10.7.0.%d:1", i), plainName, pw)
	}
	inHasher := g.next(t)
	eventually(t, "the other guesses queued on the low lane", func() bool { _, low := e.s.lanes.queued(); return low == guesses-1 })
	g.none(t, "with one guess in the hasher")

	first := e.loginAsync("192.0.2.50:1", adminName, adminPass)
	if pw := g.next(t); pw != adminPass {
		t.Fatalf("%q entered the hasher, want the first login", pw)
	}
	// The guess in the hasher yields to the first login.
	close(g.gates[inHasher])
	eventually(t, "the guess paused", func() bool { return e.s.lanes.paused.Load() == 1 })
	mustWait(t, results[inHasher], "the paused guess")
	g.none(t, "while the first login is verified")

	close(g.gates[adminPass])
	if err := <-first; err != nil {
		t.Fatalf("first login: %v", err)
	}
	wantError(t, <-results[inHasher], http.StatusUnauthorized, MsgLoginFailed)
	// Then the queued guesses, one at a time.
	for range guesses - 1 {
		pw := g.next(t)
		g.none(t, "with one guess in the hasher")
		close(g.gates[pw])
		wantError(t, <-results[pw], http.StatusUnauthorized, MsgLoginFailed)
	}
}

// Past the low lane's queue bound a guess is refused 429 with Retry-After
// without hashing, and its throttle reservation is returned.
func TestLowLaneFullRefuses(t *testing.T) {
	e := newEnv(t, Options{})
	e.holds()
	e.s.lanes.lowQueue = 1
	for i := range 3 {
		wantStatus(t, e.loginFrom(fmt.Sprintf("10.8.0.%d:1", i), fmt.Sprintf("ghost%d", i), "x"), http.StatusUnauthorized)
	}
	g := e.gatedHasher("Guess#0", "Guess#1", "Guess#2")
	r0 := e.loginAsync("10.8.0.0:1", plainName, "Guess#0")
	g.next(t)
	r1 := e.loginAsync("10.8.0.1:1", plainName, "Guess#1")
	eventually(t, "a guess queued", func() bool { _, low := e.s.lanes.queued(); return low == 1 })
	before := e.verifies.Load()
	err := e.loginFrom("10.8.0.2:1", plainName, "Guess#2")
	se, ok := sdk.AsError(err)
	var ra interface{ RetryAfter() time.Duration }
	if !ok || se.Status != http.StatusTooManyRequests || !errors.As(err, &ra) || ra.RetryAfter() <= 0 {
		t.Fatalf("guess past the full low lane: %v", err)
	}
	if e.verifies.Load() != before {
		t.Fatal("a refused guess was hashed")
	}
	close(g.gates["Guess#0"])
	close(g.gates["Guess#1"])
	wantStatus(t, <-r0, http.StatusUnauthorized)
	g.next(t)
	wantStatus(t, <-r1, http.StatusUnauthorized)
	// The refused attempt left no reservation behind: the address may try
	// again (and is verified).
	e.s.lanes.lowQueue = lowLaneQueue
	before = e.verifies.Load()
	wantStatus(t, e.loginFrom("10.8.0.2:1", plainName, "Other#2"), http.StatusUnauthorized)
	if e.verifies.Load() == before {
		t.Fatal("the address's next attempt was not verified")
	}
}
