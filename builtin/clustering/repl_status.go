package clustering

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// statusWait bounds the JetStream calls cluster_status makes for all peers
// together: a peer that is down answers nothing, and its times are null.
const statusWait = 1500 * time.Millisecond

// peerTimes are a connection's replication times, all read from JetStream
// (nil when it does not know them: no message yet, the peer unreachable).
type peerTimes struct {
	// CommitConfirmed: when the peer last acknowledged a message of this
	// node's stream (its consumer's ack floor), i.e. applied our changes.
	CommitConfirmed *time.Time
	// ReceivedRemote: when the last message this node received from the
	// peer was stored in the peer's stream (its commit there).
	ReceivedRemote *time.Time
	// ReceivedLocal: when that message was delivered to this node.
	ReceivedLocal *time.Time
	// Sent: when a message of this node's stream was last delivered to the
	// peer.
	Sent *time.Time
}

// times reads peerTimes for each named peer, in parallel, within
// statusWait.
func (r *replicator) times(ctx context.Context, peers []string) map[string]peerTimes {
	ctx, cancel := context.WithTimeout(ctx, statusWait)
	defer cancel()
	out := make(map[string]peerTimes, len(peers))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, p := range peers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pt := r.peerTimes(ctx, p)
			mu.Lock()
			out[p] = pt
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

func (r *replicator) peerTimes(ctx context.Context, peer string) peerTimes {
	var pt peerTimes
	// The peer's consumer on this node's stream.
	if c, err := r.js.Consumer(ctx, streamName(r.self), consumerName(peer)); err == nil {
		ci := c.CachedInfo()
		pt.CommitConfirmed, pt.Sent = ci.AckFloor.Last, ci.Delivered.Last
	}
	// This node's consumer on the peer's stream, and the message it last
	// received there.
	s, err := r.js.Stream(ctx, streamName(peer))
	if err != nil {
		return pt
	}
	c, err := s.Consumer(ctx, consumerName(r.self))
	if err != nil {
		return pt
	}
	ci := c.CachedInfo()
	pt.ReceivedLocal = ci.Delivered.Last
	if ci.Delivered.Stream > 0 {
		if m, err := s.GetMsg(ctx, ci.Delivered.Stream); err == nil {
			t := m.Time
			pt.ReceivedRemote = &t
		}
	}
	return pt
}

// httpTime formats t as HarperDB does (JavaScript's toUTCString), nil as
// nil.
func httpTime(t *time.Time) *string {
	if t == nil || t.IsZero() {
		return nil
	}
	s := t.UTC().Format(http.TimeFormat)
	return &s
}
