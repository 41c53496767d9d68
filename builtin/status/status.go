// Package status is the builtin `status` family: named status values
// (primary, maintenance, availability) an operator sets, reads and clears.
//
// Values live in an in-memory BuntDB (tidwall/buntdb opened on ":memory:"):
// a small ordered key/value store with transactions, the same library the
// host uses on disk, so no second storage idiom. They are NOT persisted: a
// restart of the family or of hops starts with no status, as documented in
// docs/families.md.
//
// The operation table is below; handlers live in ops_status.go.
package status

import (
	"context"
	"fmt"

	"github.com/tidwall/buntdb"

	"github.com/hops-dev/hops/sdk"
)

// Version is the family's version.
const Version = "1.0.0"

// Family is the status family.
type Family struct {
	db *buntdb.DB
}

// New opens the family's in-memory store.
func New() (*Family, error) {
	db, err := buntdb.Open(":memory:")
	if err != nil {
		return nil, fmt.Errorf("open status store: %w", err)
	}
	return &Family{db: db}, nil
}

// Info implements sdk.Family.
func (f *Family) Info() sdk.Info { return sdk.Info{Name: "status", Version: Version} }

// Operations implements sdk.Family: the whole operation table.
func (f *Family) Operations() []sdk.Operation {
	return []sdk.Operation{
		{Name: "set_status", Access: sdk.AccessSuperUser, RestrictedName: "setStatus",
			Summary: "set a status value (primary, maintenance or availability)", Handler: f.setStatus},
		{Name: "get_status", Access: sdk.AccessSuperUser, RestrictedName: "getStatus",
			Summary: "read one status value, or all of them", Handler: f.getStatus},
		{Name: "clear_status", Access: sdk.AccessSuperUser, RestrictedName: "clearStatus",
			Summary: "remove a status value", Handler: f.clearStatus},
	}
}

// Shutdown implements sdk.Shutdowner.
func (f *Family) Shutdown(context.Context) error { return f.db.Close() }

var (
	_ sdk.Family     = (*Family)(nil)
	_ sdk.Shutdowner = (*Family)(nil)
)
