package auth

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/tidwall/buntdb"
)

// ClusterUserRole is the role HarperDB creates at first start for the
// users nodes of a cluster log in as.
const ClusterUserRole = "cluster_user"

// ensureClusterUserRole adds the cluster_user role, with HarperDB's
// permission {"cluster_user": true}, unless a role of that id or name
// exists. EnsureSuperUser calls it at first start.
func ensureClusterUserRole(tx *buntdb.Tx, now int64) error {
	if r, err := getRole(tx, ClusterUserRole); err != nil || r != nil {
		return err
	}
	if r, err := roleByName(tx, ClusterUserRole); err != nil || r != nil {
		return err
	}
	r := &role{ID: ClusterUserRole, Role: ClusterUserRole, Permission: json.RawMessage(`{"cluster_user":true}`), Created: now, Updated: now}
	return setJSON(tx, rolePrefix+r.ID, r)
}

// migrateRoleIDs gives every role whose id is a UUID (roots made before
// role ids were names) its name as id, and points its users at the new id,
// in one transaction: no user or permission is lost. A role whose name is
// already some other role's id keeps its UUID. It returns how many roles
// it moved. A root it moves roles of also gets the cluster_user role.
func migrateRoleIDs(db *buntdb.DB) (int, error) {
	n := 0
	err := db.Update(func(tx *buntdb.Tx) error {
		roles, err := allRoles(tx)
		if err != nil {
			return err
		}
		moved := make(map[string]string)
		for _, r := range roles {
			if _, err := uuid.Parse(r.ID); err != nil || len(r.ID) != len(uuid.Nil.String()) || r.ID == r.Role {
				continue
			}
			if taken, err := getRole(tx, r.Role); err != nil {
				return err
			} else if taken != nil {
				continue
			}
			old := r.ID
			if err := deleteKey(tx, rolePrefix+old); err != nil {
				return err
			}
			r.ID = r.Role
			if err := setJSON(tx, rolePrefix+r.ID, r); err != nil {
				return err
			}
			moved[old] = r.ID
		}
		if len(moved) == 0 {
			return nil
		}
		users, err := allUsers(tx)
		if err != nil {
			return err
		}
		for _, u := range users {
			if id, ok := moved[u.RoleID]; ok {
				u.RoleID = id
				if err := setJSON(tx, userPrefix+u.Username, u); err != nil {
					return err
				}
			}
		}
		n = len(moved)
		// A root made before role ids were names never got cluster_user.
		return ensureClusterUserRole(tx, time.Now().UnixMilli())
	})
	if err != nil {
		return 0, fmt.Errorf("auth: migrate role ids: %w", err)
	}
	return n, nil
}
