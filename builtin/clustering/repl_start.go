package clustering

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hops-dev/hops/sdk"
)

// startTimeFile under <rootPath>/clustering holds add_node's start_time
// (RFC 3339): consumers this node creates from then on deliver only the
// messages stored since that time (DeliverByStartTime) instead of a
// stream's whole history.
const startTimeFile = "start_time"

// MsgStartTime refuses a start_time that is not a date.
const MsgStartTime = "'start_time' must be an ISO 8601 date and time (e.g. 2026-01-02T15:04:05Z) or a number of ms since 1970"

// MsgStartFuture refuses a start_time to come: the field, as given.
const MsgStartFuture = "'%s' %s is in the future: only changes stored since it would be copied, none until then; give a time that has passed"

// startTimeSkew is how far ahead of this node's clock a start_time may be
// (another machine's clock, a client's "now") and still be taken.
const startTimeSkew = time.Minute

// inFuture reports whether t is later than now by more than
// startTimeSkew.
func inFuture(t time.Time) bool { return t.After(time.Now().Add(startTimeSkew)) }

// parseStartTime reads add_node's start_time: an ISO 8601 string or, as
// HarperDB also takes it, a number of ms since the epoch; absent or falsy
// is nil.
func parseStartTime(fields *sdk.Fields) (*time.Time, error) {
	raw, ok := fields.Raw("start_time")
	if !ok || isFalsy(raw) || string(raw) == "0" {
		return nil, nil
	}
	if raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9' {
		ms, _ := fields.Number("start_time")
		if fields.Err() != nil || ms < 0 || ms > 1e15 {
			return nil, sdk.BadRequest(MsgStartTime)
		}
		t := time.UnixMicro(int64(ms * 1000))
		if inFuture(t) {
			return nil, sdk.BadRequest(MsgStartFuture, "start_time", string(raw))
		}
		return &t, nil
	}
	s := fields.String("start_time")
	if err := fields.Err(); err != nil {
		return nil, sdk.BadRequest(MsgStartTime)
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return nil, sdk.BadRequest(MsgStartTime)
	}
	if inFuture(t) {
		return nil, sdk.BadRequest(MsgStartFuture, "start_time", s)
	}
	return &t, nil
}

// writeStartTime keeps t for the consumers created from now on, in the
// file (for the next server start) and in the running replicator.
func (f *Family) writeStartTime(t time.Time) error {
	if err := os.MkdirAll(f.dir, dirMode); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(f.dir, startTimeFile), []byte(t.UTC().Format(time.RFC3339Nano)), fileMode); err != nil {
		return err
	}
	f.mu.Lock()
	n := f.node
	f.mu.Unlock()
	if n != nil && n.repl != nil {
		n.repl.setStartTime(t)
	}
	return nil
}

// readStartTime is the kept start_time, nil when none.
func (f *Family) readStartTime() *time.Time {
	b, err := os.ReadFile(filepath.Join(f.dir, startTimeFile))
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			f.log.Warn("read the replication start time", "error", err)
		}
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(string(b)))
	if err != nil {
		f.log.Warn("replication start time unreadable; following from the start", "error", err)
		return nil
	}
	return &t
}

func (r *replicator) setStartTime(t time.Time) {
	r.mu.Lock()
	r.startTime = &t
	r.mu.Unlock()
}

// sourcesFile under <rootPath>/clustering says the sources were enabled
// (clustering ran): a node that starts with clustering off then disables
// them, once.
const sourcesFile = "sources_enabled"

// markSources notes that the sources are being enabled.
func (f *Family) markSources() {
	if err := os.WriteFile(filepath.Join(f.dir, sourcesFile), nil, fileMode); err != nil {
		f.log.Warn("replication: note the sources as enabled", "error", err)
	}
}

// sourcesMarked reports whether markSources ran since the last
// disableSources.
func (f *Family) sourcesMarked() bool {
	_, err := os.Stat(filepath.Join(f.dir, sourcesFile))
	return err == nil
}

// disableTries bounds the attempts to disable the sources at a start
// (one a second): the families may still be starting.
const disableTries = 60

// disableSources tells every source to stop keeping an outbox: with
// clustering off nothing would drain it. Enabling again later copies
// everything into the outboxes anew. It reports whether every source
// answered.
func (f *Family) disableSources(ctx context.Context) bool {
	ok := true
	for _, src := range replSources {
		if _, err := f.internal(ctx, []byte(`{"operation":"`+opName(src, "disable")+`"}`)); err != nil {
			f.log.Warn("replication: disable a source", "source", src, "error", err)
			ok = false
		}
	}
	if ok {
		if err := os.Remove(filepath.Join(f.dir, sourcesFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
			f.log.Warn("replication: forget the sources", "error", err)
		}
	}
	return ok
}
