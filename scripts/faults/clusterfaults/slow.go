package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"
)

// slowKeep is how many of each phase's slowest answers are printed.
const slowKeep = 10

// slowOver is the time over which an answer is counted as slow in the
// SLOW line (every phase; the hostile phase also fails one over -slow).
const slowOver = time.Second

// slowAnswer is one answer among a phase's slowest.
type slowAnswer struct {
	at      time.Time
	elapsed time.Duration
	op      string
	code    int
	reqID   string
	body    string
	err     error
}

// slowest keeps the slowest answers of the phase running and counts those
// over slowOver, so a slow answer can be found in the node's log (by its
// request id or its time).
type slowest struct {
	mu    sync.Mutex
	phase string
	top   []slowAnswer
	over  int
	all   int
}

// begin starts counting for phase.
func (s *slowest) begin(phase string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.phase, s.top, s.over, s.all = phase, nil, 0, 0
}

// add records one answer to body.
func (s *slowest) add(at time.Time, body []byte, a answer) {
	var op struct {
		Operation any `json:"operation"`
	}
	_ = json.Unmarshal(body, &op)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.all++
	if a.elapsed > slowOver {
		s.over++
	}
	if len(s.top) == slowKeep && a.elapsed <= s.top[slowKeep-1].elapsed {
		return
	}
	s.top = append(s.top, slowAnswer{at: at, elapsed: a.elapsed, op: fmt.Sprint(op.Operation), code: a.code,
		reqID: a.reqID, body: fmt.Sprintf("%.160s", body), err: a.err})
	slices.SortFunc(s.top, func(x, y slowAnswer) int { return int(y.elapsed - x.elapsed) })
	if len(s.top) > slowKeep {
		s.top = s.top[:slowKeep]
	}
}

// print writes the phase's SLOW line and its slowest answers.
func (s *slowest) print() {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Printf("SLOW phase=%s answers=%d over_%v=%d\n", s.phase, s.all, slowOver, s.over)
	for _, a := range s.top {
		fmt.Printf("SLOWEST phase=%s ms=%d at=%s op=%s status=%d request_id=%s err=%v body=%q\n", s.phase,
			a.elapsed.Milliseconds(), a.at.UTC().Format("15:04:05.000"), a.op, a.code, a.reqID, a.err, a.body)
	}
}
