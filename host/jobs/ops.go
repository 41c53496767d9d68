package jobs

import (
	"context"
	"encoding/json"
	"time"

	"github.com/hops-dev/hops/host/registry"
	"github.com/hops-dev/hops/sdk"
)

// Messages of the job operations' 400s, pinned by tests.
const (
	// MsgInvalidID answers get_job with an empty id, as HarperDB words it.
	MsgInvalidID = "Invalid job ID specified."
	// MsgBadFromDate answers an unparseable from_date.
	MsgBadFromDate = "Invalid 'from' date, must be in ISO-8601 format (YYYY-MM-DD)."
	// MsgBadToDate answers an unparseable to_date.
	MsgBadToDate = "Invalid 'to' date, must be in ISO-8601 format (YYYY-MM-DD)."
)

// Operations returns the host's job operations for the registry.
func (s *Store) Operations() []registry.Local {
	return []registry.Local{
		{Op: sdk.Operation{
			Name:    "get_job",
			Access:  sdk.AccessAuthenticated,
			Summary: "Return the job with the id (any user may read any job)",
			Handler: s.handleGetJob,
		}},
		{Op: sdk.Operation{
			Name:           "search_jobs_by_start_date",
			Access:         sdk.AccessSuperUser,
			Summary:        "List the jobs that started between from_date and to_date",
			RestrictedName: "handleGetJobsByStartDate",
			Handler:        s.handleSearchByStartDate,
		}},
	}
}

// handleGetJob answers [job], or null for an unknown id.
func (s *Store) handleGetJob(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	fields := req.Fields()
	// HarperDB answers null as it answers "": no such job id.
	if raw, _ := fields.Raw("id"); string(raw) == "null" {
		return nil, sdk.BadRequest("%s", MsgInvalidID)
	}
	id := fields.String("id", sdk.Required, sdk.AllowEmpty)
	if err := fields.Err(); err != nil {
		return nil, err
	}
	if id == "" {
		return nil, sdk.BadRequest("%s", MsgInvalidID)
	}
	job, ok, err := s.Get(id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return sdk.OK(nil), nil
	}
	return sdk.OK([]*Job{job}), nil
}

// handleSearchByStartDate answers the jobs that started strictly between
// from_date and to_date, [] when none.
func (s *Store) handleSearchByStartDate(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	fields := req.Fields()
	from, err := dateField(fields, "from_date", MsgBadFromDate)
	if err != nil {
		return nil, err
	}
	to, err := dateField(fields, "to_date", MsgBadToDate)
	if err != nil {
		return nil, err
	}
	rows, err := s.SearchByStart(from, to)
	if err != nil {
		return nil, err
	}
	return sdk.OK(rows), nil
}

// dateField reads a required ISO 8601 date field; anything present that is
// not a date string (a number, say) answers bad.
func dateField(fields *sdk.Fields, name, bad string) (time.Time, error) {
	raw, ok := fields.Raw(name, sdk.Required)
	if err := fields.Err(); err != nil || !ok {
		return time.Time{}, err
	}
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return time.Time{}, sdk.BadRequest("%s", bad)
	}
	t, ok := parseISODate(s)
	if !ok {
		return time.Time{}, sdk.BadRequest("%s", bad)
	}
	return t, nil
}
