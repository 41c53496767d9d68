package jobs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/tidwall/buntdb"
)

// Keys and indexes in the shared system database.
const (
	// keyPrefix starts every job key; the auth store uses other prefixes.
	keyPrefix = "job:"
	// keyPattern matches job keys only, so the indexes hold jobs only.
	keyPattern = keyPrefix + "*"
	// indexByStart orders jobs by start_datetime for the date search.
	indexByStart = "jobs_by_start"
	// indexByStatus groups jobs by status, so failing running jobs visits
	// only running ones.
	indexByStatus = "jobs_by_status"
)

// Store keeps job records. It is safe for concurrent use.
type Store struct {
	db  *buntdb.DB
	log hclog.Logger
	// now is the clock; tests replace it to place jobs in time.
	now func() time.Time
}

// Open prepares the job records in db, the host's system database (shared
// with the auth store): it creates the indexes and raises the sync policy
// to buntdb.Always (see the package doc for why). log may be nil.
func Open(db *buntdb.DB, log hclog.Logger) (*Store, error) {
	if db == nil {
		return nil, fmt.Errorf("jobs: open: %w: nil database", ErrBadInput)
	}
	if log == nil {
		log = hclog.NewNullLogger()
	}
	var cfg buntdb.Config
	if err := db.ReadConfig(&cfg); err != nil {
		return nil, fmt.Errorf("jobs: read database config: %w", err)
	}
	if cfg.SyncPolicy != buntdb.Always {
		cfg.SyncPolicy = buntdb.Always
		if err := db.SetConfig(cfg); err != nil {
			return nil, fmt.Errorf("jobs: set sync policy: %w", err)
		}
	}
	// ReplaceIndex makes Open idempotent on one database.
	if err := db.ReplaceIndex(indexByStart, keyPattern, buntdb.IndexJSON("start_datetime")); err != nil {
		return nil, fmt.Errorf("jobs: create start index: %w", err)
	}
	if err := db.ReplaceIndex(indexByStatus, keyPattern, buntdb.IndexJSON("status")); err != nil {
		return nil, fmt.Errorf("jobs: create status index: %w", err)
	}
	return &Store{db: db, log: log.Named("jobs"), now: time.Now}, nil
}

// Start writes a new IN_PROGRESS job owned by the family owner, of type
// jobType (the operation name), for user, and returns its id. body is the
// request to keep in the record (JSON, secrets already removed) or empty.
func (s *Store) Start(owner, jobType, user string, body []byte) (string, error) {
	if owner == "" || jobType == "" {
		return "", fmt.Errorf("jobs: start: %w: owner and type are required", ErrBadInput)
	}
	body, err := optionalJSON("body", body)
	if err != nil {
		return "", err
	}
	now := s.now().UnixMilli()
	r := record{Job: Job{
		ID:              uuid.NewString(),
		Type:            jobType,
		Status:          StatusInProgress,
		User:            user,
		CreatedDatetime: now,
		StartDatetime:   now,
		JobBody:         body,
	}, StoredOwner: owner}
	err = s.db.Update(func(tx *buntdb.Tx) error { return put(tx, &r) })
	if err != nil {
		return "", fmt.Errorf("jobs: start %s: %w", jobType, err)
	}
	s.log.Info("job started", "job_id", r.ID, "operation", jobType, "user", user, "family", owner)
	return r.ID, nil
}

// Progress records a progress report on a running job: message, when not
// empty, becomes the job's message; progress, when given, replaces the
// latest progress object. A finished job is left alone ([ErrFinished]).
func (s *Store) Progress(id, message string, progress []byte) error {
	progress, err := optionalJSON("progress", progress)
	if err != nil {
		return err
	}
	return s.update(id, func(r *record) error {
		if message != "" {
			r.Message = message
		}
		if progress != nil {
			r.Progress = progress
		}
		return nil
	})
}

// Finish ends a running job. On success it is COMPLETE: with a result
// object the message is "Successfully completed job: <id>" and the result
// is kept; without one the message is the given one (delete_records_before
// reports its outcome as a message). On failure it is ERROR with the given
// message and no result (HarperDB shows none on a failed job). Finishing
// an unknown or finished job is an error.
func (s *Store) Finish(id string, success bool, message string, result []byte) error {
	result, err := optionalJSON("result", result)
	if err != nil {
		return err
	}
	end := s.now().UnixMilli()
	var ended record
	err = s.update(id, func(r *record) error {
		defer func() { ended = *r }()
		r.EndDatetime = end
		switch {
		case !success:
			r.Status = StatusError
			r.Message = message
			if message == "" {
				r.Message = msgFailedNoReason
			}
		case result != nil || message == "":
			r.Status = StatusComplete
			r.Message = fmt.Sprintf(msgCompleted, r.ID)
			r.Result = result
		default:
			r.Status = StatusComplete
			r.Message = message
		}
		return nil
	})
	if err == nil {
		s.logEnd(&ended)
	}
	return err
}

// logEnd writes the info line of a job's end: who ran what, how it ended
// and how long it took.
func (s *Store) logEnd(r *record) {
	s.log.Info("job ended", "job_id", r.ID, "operation", r.Type, "user", r.User, "status", r.Status,
		"duration", time.Duration(r.EndDatetime-r.StartDatetime)*time.Millisecond, "message", r.Message)
}

// Get returns the job with the id; ok is false when there is none.
func (s *Store) Get(id string) (job *Job, ok bool, err error) {
	err = s.db.View(func(tx *buntdb.Tx) error {
		r, err := get(tx, id)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		job, ok = &r.Job, true
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("jobs: get %s: %w", id, err)
	}
	return job, ok, nil
}

// update changes a running job in one write transaction, so concurrent
// reports on a job are applied one after another.
func (s *Store) update(id string, fn func(r *record) error) error {
	err := s.db.Update(func(tx *buntdb.Tx) error {
		r, err := get(tx, id)
		if err != nil {
			return err
		}
		if r.Status != StatusInProgress {
			return ErrFinished
		}
		if err := fn(r); err != nil {
			return err
		}
		return put(tx, r)
	})
	if err != nil {
		return fmt.Errorf("jobs: update %s: %w", id, err)
	}
	return nil
}

// get reads and decodes a job record.
func get(tx *buntdb.Tx, id string) (*record, error) {
	val, err := tx.Get(keyPrefix + id)
	if errors.Is(err, buntdb.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return decode(val)
}

// decode parses a stored record.
func decode(val string) (*record, error) {
	var r record
	if err := json.Unmarshal([]byte(val), &r); err != nil {
		return nil, fmt.Errorf("decode job record: %w", err)
	}
	r.Owner = r.StoredOwner
	return &r, nil
}

// put encodes and writes a job record.
func put(tx *buntdb.Tx, r *record) error {
	val, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode job record: %w", err)
	}
	if _, _, err := tx.Set(keyPrefix+r.ID, string(val), nil); err != nil {
		return fmt.Errorf("write job record: %w", err)
	}
	return nil
}

// optionalJSON returns b compacted, nil when it is empty or JSON null, and
// an error naming what when it is not valid JSON.
func optionalJSON(what string, b []byte) (json.RawMessage, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		return nil, nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return nil, fmt.Errorf("jobs: %w: %s is not valid JSON: %w", ErrBadInput, what, err)
	}
	return buf.Bytes(), nil
}
