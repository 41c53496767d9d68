package status

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

// readID reads and checks the id field; absent gives def.
func readID(fields map[string]json.RawMessage, required bool, def string) (string, bool, error) {
	id, ok, err := sdk.String(fields, "id", required, false)
	if err != nil || !ok {
		return def, ok, err
	}
	if err := sdk.OneOf("id", id, validIDs...); err != nil {
		return "", false, err
	}
	return id, true, nil
}

func (f *Family) setStatus(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	fields, err := req.Fields()
	if err != nil {
		return nil, err
	}
	id, _, err := readID(fields, false, idPrimary)
	if err != nil {
		return nil, err
	}
	value, _, err := sdk.String(fields, "status", true, false)
	if err != nil {
		return nil, err
	}
	if err := sdk.MaxLength("status", value, maxStatusLength); err != nil {
		return nil, err
	}
	if id == idAvailability {
		if sdk.OneOf("status", value, availabilityValues...) != nil {
			return nil, sdk.BadRequest(MsgAvailabilityOnly)
		}
	}
	now := time.Now().UnixMilli()
	rec := Record{ID: id, Status: value, CreatedTime: now, UpdatedTime: now}
	err = f.db.Update(func(tx *buntdb.Tx) error {
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
	fields, err := req.Fields()
	if err != nil {
		return nil, err
	}
	id, given, err := readID(fields, false, "")
	if err != nil {
		return nil, err
	}
	if !given {
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
	err = f.db.View(func(tx *buntdb.Tx) error {
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
	fields, err := req.Fields()
	if err != nil {
		return nil, err
	}
	id, _, err := readID(fields, true, "")
	if err != nil {
		return nil, err
	}
	err = f.db.Update(func(tx *buntdb.Tx) error {
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
