package auth

import (
	"net/http"

	"github.com/hops-dev/hops/sdk"
)

// Authentication failures, answered 401 with these messages (HarperDB's).
const (
	// MsgMustLogin: no Authorization header, or an unknown scheme.
	MsgMustLogin = "Must login"
	// MsgLoginFailed: Basic credentials that are malformed or wrong.
	MsgLoginFailed = "Login failed"
	// MsgUserInactive: the right credentials of an inactive user.
	MsgUserInactive = "Cannot complete request: User is inactive"
	// MsgTokenExpired: a Bearer token past its exp.
	MsgTokenExpired = "token expired"
	// MsgInvalidToken: a Bearer token that is garbage, wrongly signed, of
	// the wrong type, or names a user that no longer exists.
	MsgInvalidToken = "invalid token"
	// MsgInvalidCredentials: create_authentication_tokens with a wrong or
	// missing username or password.
	MsgInvalidCredentials = "invalid credentials"
)

// Role messages (HarperDB's wording where it has one).
const (
	msgRolePermsError      = "Errors in the role permissions JSON provided"
	msgRoleBlank           = "Role can't be blank"
	msgRoleInvalid         = "Role can only contain letters, digits, '_' and '-'"
	msgPermissionBlank     = "Permission can't be blank"
	msgPermissionObject    = "Permission must be an object"
	msgIDBlank             = "Id can't be blank"
	msgRoleNotFound        = "Role not found"
	msgInvalidRoleID       = "Invalid role id"
	fmtRoleExists          = "A role with name '%s' already exists"
	fmtRoleInUse           = "Cannot drop role %s as it has active user(s) tied to this role"
	fmtInvalidBodyKey      = "Invalid key in JSON body - '%s'"
	fmtInvalidBodyKeys     = "Invalid keys in JSON body - '%s'"
	fmtRoleTypeBool        = "Value for '%s' permission must be a boolean"
	fmtRoleTypeNoPerms     = "Roles with '%s' set to true cannot have other permissions set."
	msgSUCUCombined        = "Roles cannot have both 'super_user' and 'cluster_user' values included in their permissions set."
	fmtStructureUserType   = "Value for '%s' permission must be a boolean or Array"
	fmtDatabaseNotFound    = "database '%s' does not exist"
	fmtTableNotFound       = "Table '%s.%s' does not exist"
	fmtDatabasePermsObject = "Permissions for database '%s' must be an object"
	fmtTablesObject        = "'tables' of database '%s' must be an object"
	fmtTablePermsObject    = "Permissions for table '%s.%s' must be an object"
	fmtInvalidPermKey      = "Invalid table permission key value '%s'"
	fmtTablePermMissing    = "Missing table %s permission"
	fmtTablePermNotBool    = "Table %s permission must be a boolean"
	msgAttrPermsMissing    = "Missing 'attribute_permissions' array"
	msgAttrPermsNotArray   = "Value for 'attribute_permissions' must be an array"
	msgAttrPermNotObject   = "Each entry of 'attribute_permissions' must be an object"
	fmtInvalidAttrPermKey  = "Invalid attribute permission key value '%s'"
	msgAttrPermMissingName = "Permission object in 'attribute_permission' missing an 'attribute_name'"
	fmtInvalidAttribute    = "Invalid attribute '%s' in 'attribute_permissions'"
	fmtAttrPermMissing     = "%s attribute permission missing for '%s'"
	fmtAttrPermNotBool     = "%s attribute permission for '%s' must be a boolean"
	fmtMismatchedPerms     = "You have a conflict with TABLE permissions for '%s' being false and ATTRIBUTE permissions being true"
)

// User messages (HarperDB's wording where it has one).
const (
	msgUsernameBlank   = "Username can't be blank"
	msgUsernameString  = "Username must be a string"
	msgUsernameColon   = "Username cannot contain ':'"
	fmtUsernameTooLong = "Username must be at most %d characters"
	msgPasswordBlank   = "Password can't be blank"
	msgPasswordString  = "Password must be a string"
	fmtPasswordTooLong = "Password must be at most %d bytes"
	msgRoleString      = "Role must be a string"
	// msgUserRoleInvalid is HarperDB 4.7.29's 400 for add_user with a role
	// that is not a string or not a valid role name.
	msgUserRoleInvalid   = "Role is invalid"
	msgActiveBlank       = "Active can't be blank"
	msgActiveBool        = "Active must be a boolean"
	fmtUserExists        = "User %s already exists"
	fmtRoleNameNotFound  = "%s role not found"
	fmtUserNotExist      = "User %s does not exist"
	msgUsernameRequired  = "username is required"
	msgNothingToUpdate   = "nothing to update, must supply active, role or password to update"
	msgEmptyPassword     = "password cannot be an empty string"
	msgActiveTrueFalse   = "active must be true or false"
	msgEmptyRole         = "If role is specified, it cannot be empty."
	fmtAlterRoleNotFound = "Update failed.  Requested '%s' role not found."
	msgLastSuperUser     = "At least one active super_user must remain: this change would leave none"
	fmtUpdated           = "updated %d of 1 records"
	fmtUserAdded         = "%s successfully added"
	fmtDeleted           = "%s successfully deleted"
)

// Token operation messages.
const (
	msgRefreshRequired  = "'refresh_token' is required"
	msgUsernameNotStr   = "'username' must be a string"
	msgPasswordNotStr   = "'password' must be a string"
	msgUsernameEmpty    = "'username' is not allowed to be empty"
	msgPasswordEmpty    = "'password' is not allowed to be empty"
	msgRefreshNotString = "'refresh_token' must be a string"
	msgExpiresInType    = "'expires_in' must be one of [string, number]"
	msgExpiresInFormat  = `'expires_in' must be a positive duration such as "1d" or "30m", or a number of seconds`
)

// restrictedFmt is HarperDB's unauthorized_access entry for an operation
// only super users may run.
const restrictedFmt = "Operation '%s' is restricted to 'super_user' roles"

func unauthorized(msg string) *sdk.Error {
	return &sdk.Error{Status: http.StatusUnauthorized, Message: msg}
}

func conflict(format string, args ...any) *sdk.Error {
	return sdk.Errorf(http.StatusConflict, format, args...)
}
