package clustering

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/hops-dev/hops/builtin/internal/replpack"
)

// The writer's compression gate: a node publishes its records messages
// compressed (replpack) only while every node that follows its stream
// reads them. A follower says so in its durable consumer's metadata
// (metaReads); a consumer without the key is a node of a build that
// would take a compressed message for an unreadable entry, acknowledge
// it and lose its rows, so the writer publishes plain arrays while one
// is there. See /docs/clustering.md ("Upgrading a cluster").

const (
	// metaReads is the consumer metadata key by which a follower
	// announces the message encoding it reads (replpack.Encoding).
	metaReads = "hops_reads"
	// readersEvery spaces the writer's listings of the consumers of its
	// stream (the first one runs as the replicator starts).
	readersEvery = time.Second
)

// watchReaders keeps r.compress: true while this node's stream has at
// least one consumer and every consumer carries metaReads; false until
// the first listing, and after a listing that fails.
func (r *replicator) watchReaders(ctx context.Context) {
	var st jetstream.Stream
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		var ok bool
		ok, st = r.readersCompress(ctx, st)
		if r.compress.Swap(ok) != ok {
			r.log.Debug("replication: compressed messages", "on", ok)
		}
		t.Reset(readersEvery)
	}
}

// readersCompress lists the consumers of this node's stream (st, or the
// stream looked up when nil) and reports whether every one of them, and
// at least one, reads compressed messages; it returns the stream handle
// to list with next time (nil after a failure).
func (r *replicator) readersCompress(ctx context.Context, st jetstream.Stream) (bool, jetstream.Stream) {
	cctx, cancel := context.WithTimeout(ctx, leaderWait)
	defer cancel()
	if st == nil {
		var err error
		if st, err = r.js.Stream(cctx, streamName(r.self)); err != nil {
			return false, nil
		}
	}
	l := st.ListConsumers(cctx)
	n, all := 0, true
	// Drained whole: the lister's sender blocks until read.
	for ci := range l.Info() {
		n++
		if ci.Config.Metadata[metaReads] != replpack.Encoding {
			all = false
		}
	}
	if l.Err() != nil {
		return false, nil
	}
	return n > 0 && all, st
}
