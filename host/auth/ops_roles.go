package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/tidwall/buntdb"

	"github.com/hops-dev/hops/sdk"
)

// roleFields reads role, id and permission of an add_role or alter_role
// body into pe's buckets. needName is true for add_role (role required),
// false for alter_role (id required, role optional).
func roleFields(fields *sdk.Fields, needName bool, pe *permErrors) (name, id string, perm json.RawMessage) {
	checkBodyKeys(fields, pe)
	if !needName {
		if !given(fields, "id") || json.Unmarshal(rawOf(fields, "id"), &id) != nil || id == "" {
			pe.add(msgIDBlank)
		}
	}
	switch {
	case given(fields, "role"):
		if json.Unmarshal(rawOf(fields, "role"), &name) != nil {
			pe.add(msgRoleString)
		} else {
			checkRoleName(name, pe)
		}
	case needName:
		pe.add(msgRoleBlank)
	}
	if given(fields, "permission") {
		perm = rawOf(fields, "permission")
	} else {
		pe.add(msgPermissionBlank)
	}
	return name, id, perm
}

func (s *Service) opAddRole(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	fields := req.Fields()
	if err := fields.Err(); err != nil {
		return nil, err
	}
	var pe permErrors
	name, _, perm := roleFields(fields, true, &pe)
	r, err := s.addRoleChecked(ctx, name, perm, &pe)
	if err != nil {
		return nil, err
	}
	return sdk.OK(r), nil
}

// addRole validates and stores a new role.
func (s *Service) addRole(ctx context.Context, name string, perm json.RawMessage) (*role, error) {
	var pe permErrors
	checkRoleName(name, &pe)
	if !sdkPresent(perm) {
		pe.add(msgPermissionBlank)
		perm = nil
	}
	return s.addRoleChecked(ctx, name, perm, &pe)
}

// addRoleChecked finishes validation (pe holds the field errors so far) and
// stores the role.
func (s *Service) addRoleChecked(ctx context.Context, name string, perm json.RawMessage, pe *permErrors) (*role, error) {
	if perm != nil {
		if err := s.checkPermission(ctx, perm, pe); err != nil {
			return nil, err
		}
	}
	if err := pe.err(); err != nil {
		return nil, err
	}
	now := s.now().UnixMilli()
	// A role's id is its name when added, as in HarperDB 4.7; alter_role
	// may rename it later, and the id stays.
	r := &role{ID: name, Role: name, Permission: compact(perm), Created: now, Updated: now}
	err := s.update(func(tx *buntdb.Tx) error {
		if dup, err := roleByName(tx, name); err != nil {
			return err
		} else if dup != nil {
			return conflict(fmtRoleExists, name)
		}
		if taken, err := getRole(tx, name); err != nil {
			return err
		} else if taken != nil {
			return conflict(fmtRoleExists, name) // a renamed role keeps this id
		}
		return setJSON(tx, rolePrefix+r.ID, r)
	})
	if err != nil {
		return nil, err
	}
	s.log.Info("role added", "role", name, "id", r.ID)
	return r, nil
}

func compact(raw json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}

func (s *Service) opAlterRole(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	fields := req.Fields()
	if err := fields.Err(); err != nil {
		return nil, err
	}
	var pe permErrors
	name, id, perm := roleFields(fields, false, &pe)
	if perm != nil {
		if err := s.checkPermission(ctx, perm, &pe); err != nil {
			return nil, err
		}
	}
	if err := pe.err(); err != nil {
		return nil, err
	}
	var r *role
	err := s.update(func(tx *buntdb.Tx) error {
		var err error
		if r, err = getRole(tx, id); err != nil {
			return err
		} else if r == nil {
			return sdk.BadRequest(msgInvalidRoleID) // HarperDB 4.7.29's answer
		}
		if name != "" && name != r.Role {
			if dup, err := roleByName(tx, name); err != nil {
				return err
			} else if dup != nil {
				return conflict(fmtRoleExists, name)
			}
			r.Role = name
		}
		r.Permission, r.Updated = compact(perm), s.now().UnixMilli()
		if ok, err := activeSuperUserRemains(tx, func(u user) *user { return &u }, r); err != nil {
			return err
		} else if !ok {
			return conflict(msgLastSuperUser)
		}
		return setJSON(tx, rolePrefix+r.ID, r)
	})
	if err != nil {
		return nil, err
	}
	s.invalidateRole(id)
	s.log.Info("role altered", "role", r.Role, "id", id)
	return sdk.OK(r), nil
}

func (s *Service) opDropRole(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	fields := req.Fields()
	if err := fields.Err(); err != nil {
		return nil, err
	}
	var id string
	if !given(fields, "id") || json.Unmarshal(rawOf(fields, "id"), &id) != nil || id == "" {
		return nil, sdk.BadRequest(msgIDBlank)
	}
	err := s.update(func(tx *buntdb.Tx) error {
		r, err := getRole(tx, id)
		if err != nil {
			return err
		} else if r == nil {
			return sdk.NotFound(msgRoleNotFound)
		}
		users, err := allUsers(tx)
		if err != nil {
			return err
		}
		for _, u := range users {
			if u.RoleID == id {
				return conflict(fmtRoleInUse, id) // HarperDB 4.7.29 drops it anyway; see docs/compatibility.md
			}
		}
		return deleteKey(tx, rolePrefix+id)
	})
	if err != nil {
		return nil, err
	}
	s.invalidateRole(id)
	s.log.Info("role dropped", "id", id)
	return sdk.Message(fmt.Sprintf(fmtDeleted, id)), nil
}

func (s *Service) opListRoles(context.Context, *sdk.Request) (*sdk.Response, error) {
	var roles []*role
	err := s.db.View(func(tx *buntdb.Tx) (err error) {
		roles, err = allRoles(tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	if roles == nil {
		roles = []*role{}
	}
	return sdk.OK(roles), nil
}
