package sdk

import (
	"errors"
	"net/http"
)

// MsgInsufficientStorage is the 507 answer to a request whose write found
// the disk full.
const MsgInsufficientStorage = "Insufficient storage: the disk holding hops' data is full, so this request's changes were not saved; free space and retry"

// DiskFullError returns the 507 *Error for err when a write failed for
// lack of space (ENOSPC, EDQUOT), and false otherwise. The host and the
// family side of the wire answer such an error 507, not a 500: the
// client learns what happened and that retrying later may work.
func DiskFullError(err error) (*Error, bool) {
	if err == nil || !diskFull(err) {
		return nil, false
	}
	return &Error{Status: http.StatusInsufficientStorage, Message: MsgInsufficientStorage}, true
}

func diskFull(err error) bool {
	for _, e := range diskFullErrnos {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
