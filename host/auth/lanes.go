package auth

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hops-dev/hops/sdk"
)

// Verification lanes. A password hash costs tens of milliseconds of one
// core, so two hashes at once slow each other down. Logins the throttle
// has reason to doubt (the client address or the username has failed
// recently) are verified on the low lane: one at a time, after every
// verification on the normal lane has ended, and pausing between rounds
// of the hash while a normal verification runs. Everything else (a first
// login from an address that has not failed) takes the normal lane, which
// never waits for the low one. A flood of wrong passwords therefore costs
// at most one core, and only while nobody else is logging in. Both lanes
// bound how many requests may wait and for how long; past either bound
// the attempt is refused with 429 and Retry-After, without hashing.
const (
	// normalLaneSlots bounds concurrent normal-lane verifications. More
	// than the cores buys no speed, but a small burst of logins (several
	// users behind one address) must not be serialized either.
	normalLaneSlots = 16
	// normalLaneQueue bounds requests waiting for a normal slot.
	normalLaneQueue = 512
	// normalLaneWait is the longest a request waits for a normal slot.
	normalLaneWait = 10 * time.Second
	// lowLaneQueue bounds requests waiting for the low lane's one slot.
	lowLaneQueue = 32
	// lowLaneWait is the longest a request waits for the low slot.
	lowLaneWait = 10 * time.Second
	// lowLaneMaxPause bounds how long one low-lane hash may be paused in
	// total, so sustained normal logins delay a doubted login but cannot
	// hold the low slot forever.
	lowLaneMaxPause = 5 * time.Second
	// lanePauseRounds is how many PBKDF2 rounds run between two checks
	// of the normal lane (well under a millisecond).
	lanePauseRounds = 4096
)

// MsgLoginsBusy is the 429 answer when too many logins wait to be
// verified.
const MsgLoginsBusy = "Too many logins waiting to be verified; retry after %d seconds"

// lane is a verification's priority.
type lane uint8

const (
	laneNormal lane = iota // a login with no recent failure behind it
	laneLow                // a login from a failing address or for a failing username
)

func (l lane) String() string {
	if l == laneLow {
		return "low"
	}
	return "normal"
}

// errLaneFull and errLaneTimeout say why acquire refused.
var (
	errLaneFull    = errors.New("auth: verification lane full")
	errLaneTimeout = errors.New("auth: timed out waiting for a verification lane")
)

type laneWaiter struct {
	ready   chan struct{}
	granted bool // set under lanes.mu before ready is closed
}

// lanes schedules password verifications on the normal and low lanes.
type lanes struct {
	mu      sync.Mutex
	active  int // normal verifications running
	normalQ []*laneWaiter
	lowBusy bool // the low slot is taken
	lowQ    []*laneWaiter
	// resume is closed when the normal lane becomes idle; a new one is
	// made when it becomes busy. busy mirrors active > 0 for pause's
	// lock-free fast path.
	resume chan struct{}
	busy   atomic.Bool
	// paused counts low-lane hashes paused now (tests read it).
	paused atomic.Int32

	slots, normalQueue, lowQueue  int
	normalWait, lowWait, maxPause time.Duration
}

func newLanes() *lanes {
	r := make(chan struct{})
	close(r)
	return &lanes{resume: r, slots: normalLaneSlots, normalQueue: normalLaneQueue, lowQueue: lowLaneQueue,
		normalWait: normalLaneWait, lowWait: lowLaneWait, maxPause: lowLaneMaxPause}
}

// acquire waits for a slot on lane l: at once on the normal lane while a
// slot is free, on the low lane only when the low slot is free and the
// normal lane is idle with nobody waiting for it. It returns errLaneFull
// when the lane's queue is full, errLaneTimeout or ctx's error when the
// wait ends first. On success the caller must call release(l) once, and a
// low-lane hash calls pause between its rounds.
func (ls *lanes) acquire(ctx context.Context, l lane) error {
	ls.mu.Lock()
	var w *laneWaiter
	wait := ls.normalWait
	if l == laneNormal {
		if ls.active < ls.slots {
			ls.active++
			ls.syncBusy()
			ls.mu.Unlock()
			return nil
		}
		if len(ls.normalQ) >= ls.normalQueue {
			ls.mu.Unlock()
			return errLaneFull
		}
		w = &laneWaiter{ready: make(chan struct{})}
		ls.normalQ = append(ls.normalQ, w)
	} else {
		if !ls.lowBusy && ls.active == 0 && len(ls.normalQ) == 0 && len(ls.lowQ) == 0 {
			ls.lowBusy = true
			ls.mu.Unlock()
			return nil
		}
		if len(ls.lowQ) >= ls.lowQueue {
			ls.mu.Unlock()
			return errLaneFull
		}
		w = &laneWaiter{ready: make(chan struct{})}
		ls.lowQ = append(ls.lowQ, w)
		wait = ls.lowWait
	}
	ls.mu.Unlock()

	tm := time.NewTimer(wait)
	defer tm.Stop()
	var err error
	select {
	case <-w.ready:
		return nil
	case <-tm.C:
		err = errLaneTimeout
	case <-ctx.Done():
		err = ctx.Err()
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if w.granted { // granted while we gave up: take it
		return nil
	}
	if l == laneNormal {
		ls.normalQ = removeWaiter(ls.normalQ, w)
	} else {
		ls.lowQ = removeWaiter(ls.lowQ, w)
	}
	// A normal waiter leaving may let the low lane start.
	ls.dispatch()
	return err
}

func removeWaiter(q []*laneWaiter, w *laneWaiter) []*laneWaiter {
	for i, x := range q {
		if x == w {
			return append(q[:i], q[i+1:]...)
		}
	}
	return q
}

// syncBusy makes busy and resume follow active; mu is held. A slot
// handed from one normal verification to the next keeps the lane busy
// throughout, so a paused low-lane hash does not run in between.
func (ls *lanes) syncBusy() {
	busy := ls.active > 0
	if busy == ls.busy.Load() {
		return
	}
	if busy {
		ls.resume = make(chan struct{})
	} else {
		close(ls.resume)
	}
	ls.busy.Store(busy)
}

// release ends a verification acquire admitted on lane l.
func (ls *lanes) release(l lane) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if l == laneNormal {
		ls.active--
	} else {
		ls.lowBusy = false
	}
	ls.dispatch()
}

// dispatch hands free slots to waiters, normal ones first; mu is held.
func (ls *lanes) dispatch() {
	for ls.active < ls.slots && len(ls.normalQ) > 0 {
		w := ls.normalQ[0]
		ls.normalQ = ls.normalQ[1:]
		ls.active++
		w.granted = true
		close(w.ready)
	}
	ls.syncBusy()
	if !ls.lowBusy && ls.active == 0 && len(ls.lowQ) > 0 {
		w := ls.lowQ[0]
		ls.lowQ = ls.lowQ[1:]
		ls.lowBusy = true
		w.granted = true
		close(w.ready)
	}
}

// pauser returns the pause function of one low-lane hash: each call
// returns at once while the normal lane is idle, and otherwise blocks
// until it is, for at most maxPause over the hash's life.
func (ls *lanes) pauser() func() {
	budget := ls.maxPause
	return func() {
		if budget <= 0 || !ls.busy.Load() {
			return
		}
		ls.mu.Lock()
		ch := ls.resume
		ls.mu.Unlock()
		ls.paused.Add(1)
		defer ls.paused.Add(-1)
		start := time.Now()
		tm := time.NewTimer(budget)
		defer tm.Stop()
		select {
		case <-ch:
		case <-tm.C:
		}
		budget -= time.Since(start)
	}
}

// queued returns how many requests wait on each lane (tests read it).
func (ls *lanes) queued() (normal, low int) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return len(ls.normalQ), len(ls.lowQ)
}

// loginsBusy is the 429 for a normal-lane attempt acquire refused.
func loginsBusy() error {
	return &throttledError{err: sdk.Errorf(http.StatusTooManyRequests, MsgLoginsBusy, 1), after: time.Second}
}
