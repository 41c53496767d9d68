package sdk

import (
	"fmt"
	"io/fs"
	"net/http"
	"syscall"
	"testing"
)

func TestDiskFullError(t *testing.T) {
	full := fmt.Errorf("records: commit: %w", &fs.PathError{Op: "write", Path: "/x/data.db", Err: syscall.ENOSPC})
	e, ok := DiskFullError(full)
	if !ok || e.Status != http.StatusInsufficientStorage || e.Message != MsgInsufficientStorage {
		t.Fatalf("DiskFullError(ENOSPC) = %+v, %v", e, ok)
	}
	for _, other := range []error{nil, fmt.Errorf("x: %w", syscall.EIO), BadRequest("no")} {
		if _, ok := DiskFullError(other); ok {
			t.Fatalf("DiskFullError(%v) = true", other)
		}
	}
}
