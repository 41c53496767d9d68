package main

import "testing"

// TestTokenRevivalAfterDropAndReAdd: tokens are bound to the account they
// were issued for, so a user dropped and added again under the same name
// and password inherits none of the old account's tokens.
func TestTokenRevivalAfterDropAndReAdd(t *testing.T) {
	in := startHops(t, "", "")
	usersAddRole(t, in, "h1_role", map[string]any{"super_user": false})
	usersAddUser(t, in, "h1_ghost", "h1_role")
	op, refresh := usersTokens(t, in, "h1_ghost", usersPass)
	usersWhoAmI(t, in, "before the drop", op, "h1_ghost")

	recExpect(t, "drop_user", in.admin(t, map[string]any{"operation": "drop_user", "username": "h1_ghost"}), 200, "h1_ghost successfully deleted")
	usersAddUser(t, in, "h1_ghost", "h1_role")

	usersError(t, "old operation token", in.bearer(t, op, map[string]any{"operation": "user_info"}), 401, usersInvalidToken)
	usersError(t, "old refresh token", in.post(t, "", "", map[string]any{"operation": "refresh_operation_token", "refresh_token": refresh}), 401, usersInvalidToken)
	usersError(t, "old refresh token as Bearer", in.bearer(t, refresh, map[string]any{"operation": "refresh_operation_token"}), 401, usersInvalidToken)

	op2, refresh2 := usersTokens(t, in, "h1_ghost", usersPass)
	usersWhoAmI(t, in, "the new account's token", op2, "h1_ghost")
	usersWhoAmI(t, in, "the new account's refreshed token", usersRefresh(t, in, refresh2), "h1_ghost")

	// Only the newest refresh token of an account works.
	_, refresh3 := usersTokens(t, in, "h1_ghost", usersPass)
	usersError(t, "superseded refresh token", in.post(t, "", "", map[string]any{"operation": "refresh_operation_token", "refresh_token": refresh2}), 401, usersInvalidToken)
	usersRefresh(t, in, refresh3)
}
