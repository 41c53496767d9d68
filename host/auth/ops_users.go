package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tidwall/buntdb"

	"github.com/hops-dev/hops/sdk"
)

// given reports whether the body has the field with a value other than
// null: user and token fields are checked as HarperDB's validate.js
// checks them, where null is blank, not a value of the wrong type.
func given(fields *sdk.Fields, name string) bool {
	raw, ok := fields.Raw(name)
	return ok && string(raw) != "null"
}

// rawOf is the field's JSON text (nil when absent).
func rawOf(fields *sdk.Fields, name string) json.RawMessage {
	raw, _ := fields.Raw(name)
	return raw
}

// stringField reads an optional string field: present is false when it is
// absent or null; a value of another type answers notString.
func stringField(fields *sdk.Fields, name, notString string) (v string, present bool, err error) {
	if !given(fields, name) {
		return "", false, nil
	}
	if json.Unmarshal(rawOf(fields, name), &v) != nil {
		return "", true, sdk.BadRequest("%s", notString)
	}
	return v, true, nil
}

func (s *Service) opAddUser(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	fields := req.Fields()
	if err := fields.Err(); err != nil {
		return nil, err
	}
	var msgs []string
	need := func(name, blank, notString string) string {
		v, present, err := stringField(fields, name, notString)
		switch {
		case err != nil:
			msgs = append(msgs, notString)
		case !present || strings.TrimSpace(v) == "":
			msgs = append(msgs, blank)
		}
		return v
	}
	username := need("username", msgUsernameBlank, msgUsernameString)
	password := need("password", msgPasswordBlank, msgPasswordString)
	roleName := need("role", msgRoleBlank, msgUserRoleInvalid)
	active, isBool := boolOf(rawOf(fields, "active"))
	switch {
	case !given(fields, "active"):
		msgs = append(msgs, msgActiveBlank)
	case !isBool:
		msgs = append(msgs, msgActiveBool)
	}
	if len(msgs) > 0 {
		// HarperDB 4.7.29 joins add_user's messages with a bare comma.
		return nil, sdk.BadRequest("%s", strings.Join(msgs, ","))
	}
	if err := s.addUser(username, password, roleName, active); err != nil {
		return nil, err
	}
	return sdk.Message(fmt.Sprintf(fmtUserAdded, username)), nil
}

// alterResult is HarperDB's answer to alter_user.
type alterResult struct {
	Message string   `json:"message"`
	Updated []string `json:"update_hashes"`
	Skipped []string `json:"skipped_hashes"`
}

// userChange is what an alter_user body asks for.
type userChange struct {
	username string
	password *string
	role     *string
	active   *bool
}

// parseUserChange validates an alter_user body. A caller who is not a
// super user may change only their own password.
func parseUserChange(fields *sdk.Fields, caller sdk.Caller) (userChange, error) {
	var c userChange
	name, present, err := stringField(fields, "username", msgUsernameString)
	if err != nil {
		return c, err
	}
	if !present || name == "" {
		return c, sdk.BadRequest(msgUsernameRequired)
	}
	c.username = name
	if !caller.SuperUser && (name != caller.Username || given(fields, "role") || given(fields, "active")) {
		return c, sdk.Forbidden([]any{fmt.Sprintf(restrictedFmt, restrictedAlterUser)}, nil)
	}
	if !given(fields, "password") && !given(fields, "role") && !given(fields, "active") {
		return c, sdk.BadRequest(msgNothingToUpdate)
	}
	if pw, present, err := stringField(fields, "password", msgPasswordString); err != nil {
		return c, err
	} else if present {
		if strings.TrimSpace(pw) == "" {
			return c, sdk.BadRequest(msgEmptyPassword)
		}
		if err := validatePassword(pw); err != nil {
			return c, err
		}
		c.password = &pw
	}
	if given(fields, "active") {
		b, ok := boolOf(rawOf(fields, "active"))
		if !ok {
			return c, sdk.BadRequest(msgActiveTrueFalse)
		}
		c.active = &b
	}
	if r, present, err := stringField(fields, "role", msgRoleString); err != nil {
		return c, err
	} else if present {
		if r == "" {
			return c, sdk.BadRequest(msgEmptyRole)
		}
		c.role = &r
	}
	return c, nil
}

func (s *Service) opAlterUser(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	fields := req.Fields()
	if err := fields.Err(); err != nil {
		return nil, err
	}
	c, err := parseUserChange(fields, req.Caller)
	if err != nil {
		return nil, err
	}
	var hash []byte
	if c.password != nil {
		if hash, err = s.hash([]byte(*c.password)); err != nil {
			return nil, fmt.Errorf("auth: hash password: %w", err)
		}
	}
	found := false
	err = s.update(func(tx *buntdb.Tx) error {
		u, err := getUser(tx, c.username)
		if err != nil || u == nil {
			return err
		}
		found = true
		next := *u
		if c.role != nil {
			r, err := roleByName(tx, *c.role)
			if err != nil {
				return err
			} else if r == nil {
				return sdk.NotFound(fmtAlterRoleNotFound, *c.role)
			}
			next.RoleID = r.ID
		}
		if hash != nil {
			next.Hash = string(hash)
			next.RefreshID = "" // a new password ends every refresh token
		}
		if c.active != nil {
			if u.Active && !*c.active {
				next.RefreshID = ""
			}
			next.Active = *c.active
		}
		next.Updated = s.now().UnixMilli()
		if c.role != nil || c.active != nil {
			ok, err := activeSuperUserRemains(tx, func(x user) *user {
				if x.Username == next.Username {
					return &next
				}
				return &x
			}, nil)
			if err != nil {
				return err
			} else if !ok {
				return conflict(msgLastSuperUser)
			}
		}
		return setJSON(tx, userPrefix+c.username, &next)
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return sdk.OK(alterResult{Message: fmt.Sprintf(fmtUpdated, 0), Updated: []string{}, Skipped: []string{c.username}}), nil
	}
	s.Invalidate(c.username)
	s.log.Info("user altered", "username", c.username, "by", req.Caller.Username,
		"password", c.password != nil, "role", c.role != nil, "active", c.active != nil)
	return sdk.OK(alterResult{Message: fmt.Sprintf(fmtUpdated, 1), Updated: []string{c.username}, Skipped: []string{}}), nil
}

func (s *Service) opDropUser(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	fields := req.Fields()
	if err := fields.Err(); err != nil {
		return nil, err
	}
	name, present, err := stringField(fields, "username", msgUsernameString)
	if err != nil {
		return nil, err
	}
	if !present || name == "" {
		return nil, sdk.BadRequest(msgUsernameBlank)
	}
	err = s.update(func(tx *buntdb.Tx) error {
		if u, err := getUser(tx, name); err != nil {
			return err
		} else if u == nil {
			return sdk.NotFound(fmtUserNotExist, name)
		}
		ok, err := activeSuperUserRemains(tx, func(x user) *user {
			if x.Username == name {
				return nil
			}
			return &x
		}, nil)
		if err != nil {
			return err
		} else if !ok {
			return conflict(msgLastSuperUser)
		}
		return deleteKey(tx, userPrefix+name)
	})
	if err != nil {
		return nil, err
	}
	s.userDropped(name)
	s.log.Info("user dropped", "username", name, "by", req.Caller.Username)
	return sdk.Message(fmt.Sprintf(fmtDeleted, name)), nil
}

func (s *Service) opListUsers(context.Context, *sdk.Request) (*sdk.Response, error) {
	out := []userView{}
	err := s.db.View(func(tx *buntdb.Tx) error {
		users, err := allUsers(tx)
		if err != nil {
			return err
		}
		roles := map[string]*role{}
		for _, u := range users {
			r, ok := roles[u.RoleID]
			if !ok {
				if r, err = getRole(tx, u.RoleID); err != nil {
					return err
				}
				roles[u.RoleID] = r
			}
			out = append(out, viewOf(u, r))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sdk.OK(out), nil
}

func (s *Service) opUserInfo(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	if req.Caller.Username == "" {
		return nil, unauthorized(MsgMustLogin)
	}
	u, r, err := s.load(req.Caller.Username)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, sdk.NotFound(fmtUserNotExist, req.Caller.Username)
	}
	return sdk.OK(viewOf(u, r)), nil
}
