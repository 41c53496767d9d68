package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/tidwall/buntdb"
)

// Key prefixes in the shared system.db; the jobs store uses "job:".
const (
	userPrefix = "user:"
	rolePrefix = "role:"
)

// user is the stored user record. The hash never leaves this package.
type user struct {
	Username string `json:"username"`
	// Hash is the password hash (hash.go: pbkdf2-sha256, argon2id or bcrypt).
	Hash string `json:"password"`
	// RoleID is the id of the user's role.
	RoleID  string `json:"role"`
	Active  bool   `json:"active"`
	Created int64  `json:"__createdtime__"`
	Updated int64  `json:"__updatedtime__"`
	// AccountID is random, made when the account is created and never
	// changed: every token names it, so a token of a dropped user does
	// not work for a new user of the same name.
	AccountID string `json:"account_id"`
	// RefreshID is the id (jti) of the account's newest refresh token,
	// the only one refresh_operation_token accepts; create_authentication_tokens
	// replaces it, and a password change or a deactivation clears it.
	RefreshID string `json:"refresh_id,omitempty"`
}

// role is the stored role record; its JSON is what list_roles answers.
type role struct {
	ID         string          `json:"id"`
	Role       string          `json:"role"`
	Permission json.RawMessage `json:"permission"`
	Created    int64           `json:"__createdtime__"`
	Updated    int64           `json:"__updatedtime__"`
}

// superUser reports whether the role grants every right.
func (r *role) superUser() bool {
	var p struct {
		SuperUser bool `json:"super_user"`
	}
	_ = json.Unmarshal(r.Permission, &p) // validated on write; a bad one grants nothing
	return p.SuperUser
}

func getJSON(tx *buntdb.Tx, key string, v any) (bool, error) {
	s, err := tx.Get(key)
	if errors.Is(err, buntdb.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("auth: read %q: %w", key, err)
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return false, fmt.Errorf("auth: decode %q: %w", key, err)
	}
	return true, nil
}

func setJSON(tx *buntdb.Tx, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("auth: encode %q: %w", key, err)
	}
	if _, _, err := tx.Set(key, string(b), nil); err != nil {
		return fmt.Errorf("auth: write %q: %w", key, err)
	}
	return recordChange(tx, key, b) // the replication outbox (repl.go)
}

func deleteKey(tx *buntdb.Tx, key string) error {
	if _, err := tx.Delete(key); errors.Is(err, buntdb.ErrNotFound) {
		return nil
	} else if err != nil {
		return fmt.Errorf("auth: delete %q: %w", key, err)
	}
	return recordChange(tx, key, nil) // the replication outbox (repl.go)
}

func getUser(tx *buntdb.Tx, username string) (*user, error) {
	var u user
	ok, err := getJSON(tx, userPrefix+username, &u)
	if !ok || err != nil {
		return nil, err
	}
	return &u, nil
}

func getRole(tx *buntdb.Tx, id string) (*role, error) {
	var r role
	ok, err := getJSON(tx, rolePrefix+id, &r)
	if !ok || err != nil {
		return nil, err
	}
	return &r, nil
}

// allUsers returns every user, sorted by username (keys sort that way).
func allUsers(tx *buntdb.Tx) ([]*user, error) {
	var out []*user
	var derr error
	err := tx.AscendKeys(userPrefix+"*", func(key, value string) bool {
		var u user
		if derr = json.Unmarshal([]byte(value), &u); derr != nil {
			derr = fmt.Errorf("auth: decode %q: %w", key, derr)
			return false
		}
		out = append(out, &u)
		return true
	})
	if err == nil {
		err = derr
	}
	if err != nil {
		return nil, fmt.Errorf("auth: list users: %w", err)
	}
	return out, nil
}

// allRoles returns every role, sorted by role name.
func allRoles(tx *buntdb.Tx) ([]*role, error) {
	var out []*role
	var derr error
	err := tx.AscendKeys(rolePrefix+"*", func(key, value string) bool {
		var r role
		if derr = json.Unmarshal([]byte(value), &r); derr != nil {
			derr = fmt.Errorf("auth: decode %q: %w", key, derr)
			return false
		}
		out = append(out, &r)
		return true
	})
	if err == nil {
		err = derr
	}
	if err != nil {
		return nil, fmt.Errorf("auth: list roles: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Role < out[j].Role })
	return out, nil
}

// roleByName finds a role by its name; roles are few, so a scan is cheaper
// than keeping an index in step.
func roleByName(tx *buntdb.Tx, name string) (*role, error) {
	roles, err := allRoles(tx)
	if err != nil {
		return nil, err
	}
	for _, r := range roles {
		if r.Role == name {
			return r, nil
		}
	}
	return nil, nil
}

// activeSuperUserRemains reports whether an active super user still exists
// after a change: changeUser maps each user to what the change makes it (nil
// for a user it removes), and changedRole, when not nil, replaces the stored
// role of the same id. It is also true when none existed before: there is
// no last one to protect, and refusing would block the repair.
func activeSuperUserRemains(tx *buntdb.Tx, changeUser func(u user) *user, changedRole *role) (bool, error) {
	users, err := allUsers(tx)
	if err != nil {
		return false, err
	}
	stored := map[string]*role{}
	isActiveSU := func(u *user, override *role) (bool, error) {
		if u == nil || !u.Active {
			return false, nil
		}
		if override != nil && override.ID == u.RoleID {
			return override.superUser(), nil
		}
		r, ok := stored[u.RoleID]
		if !ok {
			if r, err = getRole(tx, u.RoleID); err != nil {
				return false, err
			}
			stored[u.RoleID] = r
		}
		return r != nil && r.superUser(), nil
	}
	present, remains := false, false
	for _, u := range users {
		before, err := isActiveSU(u, nil)
		if err != nil {
			return false, err
		}
		after, err := isActiveSU(changeUser(*u), changedRole)
		if err != nil {
			return false, err
		}
		present, remains = present || before, remains || after
	}
	return remains || !present, nil
}
