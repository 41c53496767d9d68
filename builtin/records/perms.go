package records

import (
	"encoding/json"
	"fmt"
	"net/http"

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

// tableRights are one table's rights in a role.
type tableRights struct {
	Read, Insert, Update, Delete bool
	// AttributePermissions is the role's attribute_permissions for the
	// table. Empty: every attribute has the table's rights.
	AttributePermissions []attrPermission
}

// attrPermission is one entry of a table's attribute_permissions.
type attrPermission struct {
	Name                 string // attribute_name
	Read, Insert, Update bool
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

// permsOf reads the caller's rights, with sdk.Fields: keys exact, the last
// duplicate winning, as the host read the role when it validated it.
// Permission JSON that does not have HarperDB's shape grants nothing (the
// host validated it when the role was written, so this only guards
// against a damaged role).
func permsOf(c sdk.Caller) perms {
	if c.SuperUser {
		return perms{super: true}
	}
	top := sdk.ReadFields(c.Permissions)
	if top.Err() != nil {
		return perms{}
	}
	var p perms
	if p.super, _ = top.Bool("super_user"); p.super {
		return p
	}
	p.dbs = make(map[string]map[string]tableRights)
	for _, db := range top.Keys() {
		if permissionFlags[db] {
			continue
		}
		dbPerm, _ := top.Object(db)
		tables, ok := dbPerm.Object("tables")
		if !ok {
			continue
		}
		p.dbs[db] = make(map[string]tableRights)
		for _, name := range tables.Keys() {
			if t, ok := tables.Object(name); ok {
				p.dbs[db][name] = readTableRights(t)
			}
		}
	}
	return p
}

// readTableRights reads one table's rights; a right that is not true is
// not granted.
func readTableRights(t *sdk.Fields) tableRights {
	var r tableRights
	r.Read, _ = t.Bool("read")
	r.Insert, _ = t.Bool("insert")
	r.Update, _ = t.Bool("update")
	r.Delete, _ = t.Bool("delete")
	raw, _ := t.Raw("attribute_permissions")
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		return r
	}
	for _, item := range items {
		a := sdk.ReadFields(item)
		if a.Err() != nil {
			continue
		}
		ap := attrPermission{Name: a.String("attribute_name", sdk.AllowEmpty)}
		ap.Read, _ = a.Bool("read")
		ap.Insert, _ = a.Bool("insert")
		ap.Update, _ = a.Bool("update")
		r.AttributePermissions = append(r.AttributePermissions, ap)
	}
	return r
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

// anyRight reports whether the caller has some right on some table of db.
func (p perms) anyRight(db string) bool {
	for _, t := range p.dbs[db] {
		if !t.none() {
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
		switch {
		case !any && !p.anyRight(t.db):
			// No right on any table of the database: HarperDB 4.7.29 says
			// the database does not exist, whether it does or not.
			invalid = append(invalid, fmt.Sprintf(store.ErrMsgDatabaseNotFound, t.db))
			continue
		case !any:
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

// Attribute permissions, as HarperDB 4.7 translates a role (its
// getTableAttrPerms and checkAttributePerms): when a table's permission
// lists attribute_permissions,
//   - a listed attribute has the rights listed for it, except that the
//     timestamps (__createdtime__, __updatedtime__) may only ever be read;
//   - the primary key, when not listed, has every right some listed
//     attribute has (so a role that may read anything may read the key);
//   - every other attribute has no right, and does not exist for the role.
// An attribute the role has no right on at all is "Attribute 'x' does not
// exist on 'db.t'" (invalid_schema_items); one it may see but lacks a
// right on is reported in unauthorized_access with the rights it lacks.
// Without attribute_permissions every attribute has the table's rights.

// timestampAttrs are the attributes the store maintains itself.
var timestampAttrs = map[string]bool{store.CreatedTimeAttr: true, store.UpdatedTimeAttr: true}

// MsgTimestampWrite is HarperDB's 403 for a role writing a timestamp
// (its text, typo included).
const MsgTimestampWrite = "Internal timestamp attributes - '__createdtime_' and '__updatedtime__' - cannot be inserted to or updated by HDB users."

// attrAccess is what a role may do with one attribute.
type attrAccess struct {
	read, insert, update bool
}

func (a attrAccess) has(r right) bool {
	switch r {
	case rightRead:
		return a.read
	case rightInsert:
		return a.insert
	case rightUpdate:
		return a.update
	}
	return false
}

// visible reports whether the attribute exists for the role: it has some
// right on it.
func (a attrAccess) visible() bool { return a.read || a.insert || a.update }

// restricted reports whether the table's permission lists attribute
// permissions, so attributes have rights of their own.
func (t tableRights) restricted() bool { return len(t.AttributePermissions) > 0 }

// attr returns the role's rights on attribute name of a restricted table
// whose primary key is pk.
func (t tableRights) attr(pk, name string) attrAccess {
	for _, a := range t.AttributePermissions {
		if a.Name == name {
			if timestampAttrs[name] {
				return attrAccess{read: a.Read}
			}
			return attrAccess{read: a.Read, insert: a.Insert, update: a.Update}
		}
	}
	if name != pk {
		return attrAccess{}
	}
	var union attrAccess
	for _, a := range t.AttributePermissions {
		union.read = union.read || a.Read
		if !timestampAttrs[a.Name] {
			union.insert = union.insert || a.Insert
			union.update = union.update || a.Update
		}
	}
	return union
}

// attrRules is a caller's attribute rights on one table, resolved once per
// request.
type attrRules struct {
	t        target
	pk       string
	rights   tableRights
	limited  bool // the role lists attribute permissions for the table
	nonSuper bool
}

// attrRulesFor resolves the caller's attribute rights on table t, whose
// primary key is pk.
func (p perms) attrRulesFor(t target, pk string) attrRules {
	r := attrRules{t: t, pk: pk, nonSuper: !p.super}
	if !p.super {
		r.rights, _ = p.rights(t.db, t.table)
		r.limited = r.rights.restricted()
	}
	return r
}

// readable reports whether the caller may read attribute name.
func (r attrRules) readable(name string) bool {
	return !r.limited || r.rights.attr(r.pk, name).read
}

// visible reports whether attribute name exists for the caller.
func (r attrRules) visible(name string) bool {
	return !r.limited || r.rights.attr(r.pk, name).visible()
}

// filterReadable returns the names the caller may read, in order.
func (r attrRules) filterReadable(names []string) []string {
	if !r.limited {
		return names
	}
	out := make([]string, 0, len(names))
	for _, n := range names {
		if r.readable(n) {
			out = append(out, n)
		}
	}
	return out
}

// unauthorizedAttr is one entry of required_attribute_permissions, keys in
// HarperDB's order.
type unauthorizedAttr struct {
	Name     string  `json:"attribute_name"`
	Required []right `json:"required_permissions"`
}

// check returns HarperDB's 403 unless the caller holds every right in need
// on each of attrs (each name once, in the order first used): an attribute
// the role cannot see is reported as not existing, a missing right in
// unauthorized_access. A role writing a timestamp is refused with
// MsgTimestampWrite.
func (r attrRules) check(attrs []string, need ...right) error {
	if !r.limited {
		return nil
	}
	var invalid []string
	var lacking []unauthorizedAttr
	seen := make(map[string]bool, len(attrs))
	for _, name := range attrs {
		if seen[name] {
			continue
		}
		seen[name] = true
		a := r.rights.attr(r.pk, name)
		if !a.visible() {
			invalid = append(invalid, fmt.Sprintf(MsgAttrNotFound, name, r.t.db, r.t.table))
			continue
		}
		var missing []right
		for _, n := range need {
			if timestampAttrs[name] && n != rightRead {
				return sdk.Errorf(http.StatusForbidden, MsgTimestampWrite)
			}
			if !a.has(n) {
				missing = append(missing, n)
			}
		}
		if len(missing) > 0 {
			lacking = append(lacking, unauthorizedAttr{Name: name, Required: missing})
		}
	}
	if invalid == nil && lacking == nil {
		return nil
	}
	var unauthorized []any
	if lacking != nil {
		unauthorized = []any{unauthorizedTableAttrs{Schema: r.t.db, Table: r.t.table,
			RequiredTablePermissions: []right{}, RequiredAttributePermissions: lacking}}
	}
	return sdk.Forbidden(unauthorized, invalid)
}

// unauthorizedTableAttrs is an unauthorized_access entry for attributes,
// keys in HarperDB's order.
type unauthorizedTableAttrs struct {
	Schema                       string             `json:"schema"`
	Table                        string             `json:"table"`
	RequiredTablePermissions     []right            `json:"required_table_permissions"`
	RequiredAttributePermissions []unauthorizedAttr `json:"required_attribute_permissions"`
}
