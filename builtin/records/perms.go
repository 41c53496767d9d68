package records

import (
	"encoding/json"
	"fmt"

	"github.com/hops-dev/hops/builtin/records/store"
	"github.com/hops-dev/hops/sdk"
)

// right is a table right of a role, named as in the permission JSON.
type right string

// The four table rights.
const (
	rightRead   right = "read"
	rightInsert right = "insert"
	rightUpdate right = "update"
	rightDelete right = "delete"
)

// Keys of a role's permission object that are not database names.
var permissionFlags = map[string]bool{"super_user": true, "cluster_user": true, "structure_user": true}

// tableRights are one table's rights in a role. Attribute permissions are
// not enforced: a role's table rights apply to every attribute.
type tableRights struct {
	Read   bool `json:"read"`
	Insert bool `json:"insert"`
	Update bool `json:"update"`
	Delete bool `json:"delete"`
}

// has reports whether the rights include r.
func (t tableRights) has(r right) bool {
	switch r {
	case rightRead:
		return t.Read
	case rightInsert:
		return t.Insert
	case rightUpdate:
		return t.Update
	case rightDelete:
		return t.Delete
	}
	return false
}

// none reports whether the role has no right at all on the table; HarperDB
// then hides the table's existence.
func (t tableRights) none() bool { return !t.Read && !t.Insert && !t.Update && !t.Delete }

// perms is a caller's rights, read from its role's permission JSON
// ({"super_user": false, "<db>": {"tables": {"<t>": {"read": true, ...}}}}).
type perms struct {
	super bool
	dbs   map[string]map[string]tableRights
}

// permsOf reads the caller's rights. Permission JSON that does not have
// HarperDB's shape grants nothing (the host validated it when the role was
// written, so this only guards against a damaged role).
func permsOf(c sdk.Caller) perms {
	if c.SuperUser {
		return perms{super: true}
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(c.Permissions, &top) != nil {
		return perms{}
	}
	var p perms
	if raw, ok := top["super_user"]; ok && json.Unmarshal(raw, &p.super) == nil && p.super {
		return p
	}
	p.dbs = make(map[string]map[string]tableRights, len(top))
	for db, raw := range top {
		if permissionFlags[db] {
			continue
		}
		var d struct {
			Tables map[string]tableRights `json:"tables"`
		}
		if json.Unmarshal(raw, &d) == nil && d.Tables != nil {
			p.dbs[db] = d.Tables
		}
	}
	return p
}

// rights returns the caller's rights on a table and whether the role
// grants any at all.
func (p perms) rights(db, table string) (tableRights, bool) {
	t, ok := p.dbs[db][table]
	return t, ok && !t.none()
}

// canRead reports whether the caller may read the table.
func (p perms) canRead(db, table string) bool {
	if p.super {
		return true
	}
	t, _ := p.rights(db, table)
	return t.Read
}

// readsAny reports whether the caller may read some table of db.
func (p perms) readsAny(db string) bool {
	if p.super {
		return true
	}
	for _, t := range p.dbs[db] {
		if t.Read {
			return true
		}
	}
	return false
}

// unauthorizedTable is one entry of a 403's unauthorized_access list, keys
// in HarperDB's order.
type unauthorizedTable struct {
	Schema                       string   `json:"schema"`
	Table                        string   `json:"table"`
	RequiredTablePermissions     []right  `json:"required_table_permissions"`
	RequiredAttributePermissions []string `json:"required_attribute_permissions"`
}

// check returns nil when the caller holds every right in need on each
// table, else HarperDB's 403: a table the role has no rights on at all is
// reported as not existing (invalid_schema_items), a missing right in
// unauthorized_access.
func (p perms) check(tables []target, need ...right) error {
	if p.super {
		return nil
	}
	var unauthorized []any
	var invalid []string
	for _, t := range tables {
		have, any := p.rights(t.db, t.table)
		if !any {
			invalid = append(invalid, fmt.Sprintf(store.ErrMsgTableNotFound, t.db, t.table))
			continue
		}
		var missing []right
		for _, r := range need {
			if !have.has(r) {
				missing = append(missing, r)
			}
		}
		if len(missing) > 0 {
			unauthorized = append(unauthorized, unauthorizedTable{Schema: t.db, Table: t.table,
				RequiredTablePermissions: missing, RequiredAttributePermissions: []string{}})
		}
	}
	if unauthorized == nil && invalid == nil {
		return nil
	}
	return sdk.Forbidden(unauthorized, invalid)
}

// checkTable is check for one table.
func (p perms) checkTable(t target, need ...right) error {
	return p.check([]target{t}, need...)
}
