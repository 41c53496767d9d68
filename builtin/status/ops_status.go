package status

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tidwall/buntdb"

	"github.com/hops-dev/hops/sdk"
)

// Status ids and limits, as HarperDB defines them.
const (
	idPrimary      = "primary"
	idMaintenance  = "maintenance"
	idAvailability = "availability"
	// maxStatusLength is HarperDB's limit on a status value.
	maxStatusLength = 512
)

var validIDs = []string{idPrimary, idMaintenance, idAvailability}

// availabilityValues are the only values the availability status takes.
var availabilityValues = []string{"Available", "Unavailable"}

// Messages users see.
const (
	MsgCleared          = "Status successfully cleared"
	MsgAvailabilityOnly = `Status "availability" only accepts these values: Available, Unavailable`
)

// Record is one status value, in HarperDB's field order.
type Record struct {
	ID          string `json:"id"`
	Status      string `json:"status"`
	CreatedTime int64  `json:"__createdtime__"`
	UpdatedTime int64  `json:"__updatedtime__"`
}

// idOptions are the checks of an optional id field.
var idOptions = []sdk.FieldOption{sdk.OneOf(validIDs...)}

func (f *Family) setStatus(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	fields := req.Fields()
	id := fields.String("id", idOptions...)
	value := fields.String("status", sdk.Required, sdk.MaxLength(maxStatusLength))
	if err := fields.Err(); err != nil {
		return nil, err
	}
	if id == "" {
		id = idPrimary
	}
	if id == idAvailability && !slices.Contains(availabilityValues, value) {
		return nil, sdk.BadRequest(MsgAvailabilityOnly)
	}
	now := time.Now().UnixMilli()
	rec := Record{ID: id, Status: value, CreatedTime: now, UpdatedTime: now}
	err := f.db.Update(func(tx *buntdb.Tx) error {
		if old, err := tx.Get(id); err == nil {
			var prev Record
			if json.Unmarshal([]byte(old), &prev) == nil && prev.CreatedTime != 0 {
				rec.CreatedTime = prev.CreatedTime
			}
		}
		data, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		_, _, err = tx.Set(id, string(data), nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store status %s: %w", id, err)
	}
	return sdk.OK(rec), nil
}

func (f *Family) getStatus(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	fields := req.Fields()
	id := fields.String("id", idOptions...)
	if err := fields.Err(); err != nil {
		return nil, err
	}
	if id == "" {
		all, err := f.all()
		if err != nil {
			return nil, err
		}
		return sdk.OK(all), nil
	}
	// The stored value is the record as json.Marshal wrote it, the very
	// bytes of the answer: send them as they are.
	var stored string
	found := false
	err := f.db.View(func(tx *buntdb.Tx) error {
		v, err := tx.Get(id)
		if errors.Is(err, buntdb.ErrNotFound) {
			return nil
		}
		stored, found = v, err == nil
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read status %s: %w", id, err)
	}
	if !found {
		return sdk.OK(nil), nil
	}
	return sdk.RawJSON([]byte(stored)), nil
}

func (f *Family) all() ([]Record, error) {
	out := []Record{}
	err := f.db.View(func(tx *buntdb.Tx) error {
		var derr error
		err := tx.Ascend("", func(_, v string) bool {
			var r Record
			if derr = json.Unmarshal([]byte(v), &r); derr != nil {
				return false
			}
			out = append(out, r)
			return true
		})
		if derr != nil {
			return derr
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read statuses: %w", err)
	}
	return out, nil
}

func (f *Family) clearStatus(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	fields := req.Fields()
	id := fields.String("id", sdk.Required, sdk.OneOf(validIDs...))
	if err := fields.Err(); err != nil {
		return nil, err
	}
	err := f.db.Update(func(tx *buntdb.Tx) error {
		_, err := tx.Delete(id)
		if errors.Is(err, buntdb.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("clear status %s: %w", id, err)
	}
	return sdk.Message(MsgCleared), nil
}
