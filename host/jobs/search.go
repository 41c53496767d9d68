package jobs

import (
	"fmt"
	"strconv"
	"time"

	"github.com/tidwall/buntdb"
)

// SearchRow is one job as search_jobs_by_start_date answers it: the
// columns HarperDB's SELECT * on hdb_job returns (no result, body or
// progress) plus the datetimes as ISO strings.
type SearchRow struct {
	// ID is the job's id.
	ID string `json:"id"`
	// Type is the operation that started the job.
	Type string `json:"type"`
	// Status is IN_PROGRESS, COMPLETE or ERROR.
	Status Status `json:"status"`
	// Message is the job's message, omitted when empty.
	Message string `json:"message,omitempty"`
	// User started the job.
	User string `json:"user"`
	// CreatedDatetime is epoch ms.
	CreatedDatetime int64 `json:"created_datetime"`
	// StartDatetime is epoch ms.
	StartDatetime int64 `json:"start_datetime"`
	// EndDatetime is epoch ms, omitted while the job runs.
	EndDatetime int64 `json:"end_datetime,omitempty"`
	// StartDatetimeConverted is StartDatetime as an ISO string.
	StartDatetimeConverted string `json:"start_datetime_converted"`
	// EndDatetimeConverted is EndDatetime as an ISO string, omitted while
	// the job runs.
	EndDatetimeConverted string `json:"end_datetime_converted,omitempty"`
}

// SearchByStart returns the jobs with from <= start_datetime < to, in
// ascending start order (never nil). It range-scans the start index.
//
// HarperDB excludes from as well (from < start_datetime). Start times are
// whole milliseconds, so a job that starts in the same millisecond as a
// from taken just before it (a client remembering "now", then starting a
// job) would be missed; HarperDB is slow enough that this never shows,
// hops is not. The lower bound is therefore inclusive.

func (s *Store) SearchByStart(from, to time.Time) ([]SearchRow, error) {
	rows := []SearchRow{}
	if !from.Before(to) {
		return rows, nil
	}
	// Start datetimes are whole ms: the first candidate is the ms at or
	// after from; the strict bounds are checked on each row.
	pivot := `{"start_datetime":` + strconv.FormatInt(from.UnixMilli(), 10) + `}`
	err := s.db.View(func(tx *buntdb.Tx) error {
		return tx.AscendGreaterOrEqual(indexByStart, pivot, func(key, val string) bool {
			r, err := decode(val)
			if err != nil {
				s.log.Error("skipping unreadable job record", "key", key, "error", err)
				return true
			}
			start := time.UnixMilli(r.StartDatetime)
			if !start.Before(to) {
				return false
			}
			if !start.Before(from) {
				rows = append(rows, searchRow(&r.Job))
			}
			return true
		})
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: search by start date: %w", err)
	}
	return rows, nil
}

func searchRow(j *Job) SearchRow {
	row := SearchRow{
		ID: j.ID, Type: j.Type, Status: j.Status, Message: j.Message, User: j.User,
		CreatedDatetime: j.CreatedDatetime, StartDatetime: j.StartDatetime, EndDatetime: j.EndDatetime,
		StartDatetimeConverted: isoMillis(j.StartDatetime),
	}
	if j.EndDatetime != 0 {
		row.EndDatetimeConverted = isoMillis(j.EndDatetime)
	}
	return row
}
