package auth

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/buntdb"

	"github.com/hops-dev/hops/sdk"
)

// maxUsernameLength bounds usernames (in characters): they are keys, log
// fields and JWT subjects, and no real name comes near it.
const maxUsernameLength = 256

// validateUsername refuses a name that could not log in: empty, or with a
// ':' (Basic credentials split at the first colon).
func validateUsername(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return sdk.BadRequest(msgUsernameBlank)
	case strings.Contains(name, ":"):
		return sdk.BadRequest(msgUsernameColon)
	case utf8.RuneCountInString(name) > maxUsernameLength:
		return sdk.BadRequest(fmtUsernameTooLong, maxUsernameLength)
	}
	return nil
}

// validatePassword is HarperDB's rule (not blank) plus maxPasswordBytes.
func validatePassword(pw string) error {
	switch {
	case strings.TrimSpace(pw) == "":
		return sdk.BadRequest(msgPasswordBlank)
	case len(pw) > maxPasswordBytes:
		return sdk.BadRequest(fmtPasswordTooLong, maxPasswordBytes)
	}
	return nil
}

// addUser validates, hashes and stores a new user of the role named
// roleName.
func (s *Service) addUser(username, password, roleName string, active bool) error {
	if err := validateUsername(username); err != nil {
		return err
	}
	if err := validatePassword(password); err != nil {
		return err
	}
	if strings.TrimSpace(roleName) == "" {
		return sdk.BadRequest(msgRoleBlank)
	}
	if !roleNamePattern.MatchString(roleName) {
		return sdk.BadRequest(msgUserRoleInvalid)
	}
	// Refuse the cheap cases before paying for a hash.
	check := func(tx *buntdb.Tx) (*role, error) {
		r, err := roleByName(tx, roleName)
		if err != nil {
			return nil, err
		} else if r == nil {
			return nil, sdk.NotFound(fmtRoleNameNotFound, roleName)
		}
		if u, err := getUser(tx, username); err != nil {
			return nil, err
		} else if u != nil {
			return nil, conflict(fmtUserExists, username)
		}
		return r, nil
	}
	if err := s.db.View(func(tx *buntdb.Tx) error { _, err := check(tx); return err }); err != nil {
		return err
	}
	hash, err := s.hash([]byte(password))
	if err != nil {
		return fmt.Errorf("auth: hash password: %w", err)
	}
	now := s.now().UnixMilli()
	err = s.update(func(tx *buntdb.Tx) error {
		r, err := check(tx)
		if err != nil {
			return err
		}
		return setJSON(tx, userPrefix+username, &user{Username: username, Hash: string(hash), RoleID: r.ID,
			Active: active, Created: now, Updated: now, AccountID: newAccountID()})
	})
	if err != nil {
		return err
	}
	s.Invalidate(username) // a cached "unknown user" failure must not outlive the user's creation
	s.log.Info("user added", "username", username, "role", roleName, "active", active)
	return nil
}

// userView is a user as list_users and user_info show it: the role
// expanded, never the hash or the token generation.
type userView struct {
	Username string `json:"username"`
	Active   bool   `json:"active"`
	Role     *role  `json:"role"`
	Created  int64  `json:"__createdtime__"`
	Updated  int64  `json:"__updatedtime__"`
}

func viewOf(u *user, r *role) userView {
	return userView{Username: u.Username, Active: u.Active, Role: r, Created: u.Created, Updated: u.Updated}
}
