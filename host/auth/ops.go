package auth

import (
	"github.com/hops-dev/hops/host/registry"
	"github.com/hops-dev/hops/sdk"
)

// Operations returns the user, role and token operations for the host's
// registry. RestrictedName is HarperDB's function name, used in the 403 of
// a super_user operation (the host's server writes it before calling the
// handler). The token operations are Public: they run without
// authentication and check credentials themselves.
func (s *Service) Operations() []registry.Local {
	su, authn := sdk.AccessSuperUser, sdk.AccessAuthenticated
	op := func(name string, access sdk.Access, restricted, summary string, h sdk.Handler) registry.Local {
		return registry.Local{Op: sdk.Operation{Name: name, Access: access, RestrictedName: restricted, Summary: summary, Handler: h}}
	}
	public := func(l registry.Local) registry.Local { l.Public = true; return l }
	return []registry.Local{
		op("add_role", su, "addRole", "create a role with a permission object", s.opAddRole),
		op("alter_role", su, "alterRole", "change a role's permission (and name) by id", s.opAlterRole),
		op("drop_role", su, "dropRole", "delete a role no user holds", s.opDropRole),
		op("list_roles", su, "listRoles", "list every role", s.opListRoles),
		op("add_user", su, "addUser", "create a user with a role", s.opAddUser),
		op("alter_user", authn, restrictedAlterUser, "change a user's password, role or active flag (own password for non-super users)", s.opAlterUser),
		op("drop_user", su, "dropUser", "delete a user", s.opDropUser),
		op("list_users", su, "listUsersExternal", "list every user with its role, never a hash", s.opListUsers),
		op("user_info", authn, "", "the caller's own user record and role", s.opUserInfo),
		public(op("create_authentication_tokens", authn, "", "issue an operation and a refresh token", s.opCreateTokens)),
		public(op("refresh_operation_token", authn, "", "issue an operation token from a refresh token", s.opRefreshToken)),
	}
}

// restrictedAlterUser is alter_user's name in HarperDB's 403, also used
// when a non-super user alters someone else.
const restrictedAlterUser = "alterUser"
