package jobs

import (
	"fmt"

	"github.com/tidwall/buntdb"
)

// runningPivot is the status-index value of running jobs.
var runningPivot = `{"status":"` + string(StatusInProgress) + `"}`

// FailOwner marks every running job of the family owner ERROR, because its
// process died, and returns how many it marked. reason (the exit error, a
// signal) is appended to the message when given.
func (s *Store) FailOwner(owner, reason string) (int, error) {
	msg := fmt.Sprintf(msgOwnerDied, owner)
	if reason != "" {
		msg += " (" + reason + ")"
	}
	n, err := s.failRunning(func(r *record) bool { return r.Owner == owner }, msg)
	if err != nil {
		return n, fmt.Errorf("jobs: fail jobs of %s: %w", owner, err)
	}
	if n > 0 {
		s.log.Warn("marked running jobs failed: family process exited", "family", owner, "jobs", n, "reason", reason)
	}
	return n, nil
}

// ResumableOwner owns the jobs a restart of the host does not interrupt:
// the host's replicated restarts, which the next run resumes.
const ResumableOwner = "host-roll"

// FailInterrupted marks ERROR every job a previous run of the host left
// running, except ResumableOwner's; call it once at boot, before any
// family starts a job.
func (s *Store) FailInterrupted() (int, error) {
	n, err := s.failRunning(func(r *record) bool { return r.StoredOwner != ResumableOwner }, msgInterrupted)
	if err != nil {
		return n, fmt.Errorf("jobs: fail interrupted jobs: %w", err)
	}
	if n > 0 {
		s.log.Warn("marked jobs of the previous run failed", "jobs", n)
	}
	return n, nil
}

// failRunning marks ERROR, in one transaction, each running job match
// accepts. It walks the status index, so it visits running jobs only.
func (s *Store) failRunning(match func(*record) bool, message string) (int, error) {
	var failed []*record
	err := s.db.Update(func(tx *buntdb.Tx) error {
		var hit []*record
		err := tx.AscendEqual(indexByStatus, runningPivot, func(key, val string) bool {
			r, err := decode(val)
			if err != nil {
				// One damaged record must not keep the others running.
				s.log.Error("skipping unreadable job record", "key", key, "error", err)
				return true
			}
			if r.Status == StatusInProgress && match(r) {
				hit = append(hit, r)
			}
			return true
		})
		if err != nil {
			return fmt.Errorf("scan running jobs: %w", err)
		}
		// BuntDB forbids writes while iterating: collect, then write.
		end := s.now().UnixMilli()
		for _, r := range hit {
			r.Status, r.Message, r.EndDatetime = StatusError, message, end
			if err := put(tx, r); err != nil {
				return err
			}
		}
		failed = hit
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, r := range failed {
		s.logEnd(r)
	}
	return len(failed), nil
}

// Running returns the running jobs of owner.
func (s *Store) Running(owner string) ([]Job, error) {
	var out []Job
	err := s.db.View(func(tx *buntdb.Tx) error {
		return tx.AscendEqual(indexByStatus, runningPivot, func(key, val string) bool {
			r, err := decode(val)
			if err == nil && r.Status == StatusInProgress && r.StoredOwner == owner {
				out = append(out, r.Job)
			}
			return true
		})
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: running jobs of %s: %w", owner, err)
	}
	return out, nil
}
