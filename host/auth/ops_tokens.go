package auth

import (
	"context"
	"strings"

	"github.com/tidwall/buntdb"

	"github.com/hops-dev/hops/sdk"
)

// tokenPair is create_authentication_tokens' answer.
type tokenPair struct {
	OperationToken string `json:"operation_token"`
	RefreshToken   string `json:"refresh_token,omitempty"`
}

// opCreateTokens issues an operation and a refresh token for the username
// and password in the body or, when the body has neither, for the request's
// Basic credentials. A Bearer caller cannot mint tokens: an operation token
// must not become a 30-day refresh token.
func (s *Service) opCreateTokens(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	fields := req.Fields()
	if err := fields.Err(); err != nil {
		return nil, err
	}
	ttl := s.opts.OperationTokenTimeout
	var err error
	if given(fields, "expires_in") {
		if ttl, err = parseExpiresIn(rawOf(fields, "expires_in")); err != nil {
			return nil, err
		}
	}
	// A Basic header is checked first: a wrong one is "Login failed"
	// whatever the body says (HarperDB 4.7.29).
	var caller sdk.Caller
	basic := isScheme(AuthorizationFromContext(ctx), "Basic")
	if basic {
		if caller, err = s.Authenticate(ctx, AuthorizationFromContext(ctx)); err != nil {
			return nil, err
		}
	}
	username, hasUser, password, hasPassword, err := credentialFields(fields)
	if err != nil {
		return nil, err
	}
	switch {
	case hasUser || hasPassword:
		if username == "" || !hasPassword {
			return nil, unauthorized(MsgInvalidCredentials)
		}
		out := s.checkPassword(ctx, username, password)
		if err := out.error(MsgInvalidCredentials); err != nil {
			return nil, err
		}
		caller = out.caller
	case !basic:
		return nil, unauthorized(MsgMustLogin)
	}
	u, err := s.rotateRefresh(caller.Username, caller)
	if err != nil {
		return nil, err
	}
	var pair tokenPair
	if pair.OperationToken, err = s.issue(u, tokenOperation, "", ttl); err != nil {
		return nil, err
	}
	if pair.RefreshToken, err = s.issue(u, tokenRefresh, u.RefreshID, s.opts.RefreshTokenTimeout); err != nil {
		return nil, err
	}
	return sdk.OK(pair), nil
}

// opRefreshToken issues an operation token for a refresh token given in
// the body or as the request's Bearer token.
func (s *Service) opRefreshToken(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	fields := req.Fields()
	if err := fields.Err(); err != nil {
		return nil, err
	}
	token, present, err := stringField(fields, "refresh_token", msgRefreshNotString)
	if err != nil {
		return nil, err
	}
	if !present || token == "" {
		header := AuthorizationFromContext(ctx)
		if !isScheme(header, "Bearer") {
			return nil, sdk.BadRequest(msgRefreshRequired)
		}
		_, rest, _ := strings.Cut(strings.TrimSpace(header), " ")
		token = strings.TrimSpace(rest)
	}
	c, err := s.parseToken(token)
	if err != nil {
		return nil, err
	}
	if c.Type != tokenRefresh {
		if !present {
			// An operation token as Bearer: HarperDB then wants the body field.
			return nil, sdk.BadRequest(msgRefreshRequired)
		}
		return nil, unauthorized(MsgInvalidToken)
	}
	u, _, err := s.load(c.Subject)
	if err != nil {
		return nil, err
	}
	// Only the account's newest refresh token works (HarperDB keeps only
	// the newest too); a dropped and re-added user is another account.
	if u == nil || u.AccountID != c.Account || u.RefreshID == "" || u.RefreshID != c.ID {
		return nil, unauthorized(MsgInvalidToken)
	}
	if !u.Active {
		return nil, unauthorized(MsgUserInactive)
	}
	tok, err := s.issue(u, tokenOperation, "", s.opts.OperationTokenTimeout)
	if err != nil {
		return nil, err
	}
	return sdk.OK(tokenPair{OperationToken: tok}), nil
}

// rotateRefresh gives the account of the caller just verified a new
// refresh token id, which ends every refresh token issued before, and
// returns the user as stored. The user must still be the account the
// credentials were checked against, and active.
func (s *Service) rotateRefresh(username string, caller sdk.Caller) (*user, error) {
	var out *user
	err := s.update(func(tx *buntdb.Tx) error {
		u, err := getUser(tx, username)
		if err != nil {
			return err
		}
		if u == nil || !u.Active || (caller.Token != "" && !s.callerTokenNames(caller.Token, u)) {
			return unauthorized(MsgInvalidCredentials)
		}
		u.RefreshID = newAccountID()
		out = u
		return setJSON(tx, userPrefix+username, u)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// isScheme reports whether an Authorization header uses scheme.
func isScheme(header, scheme string) bool {
	s, _, _ := strings.Cut(strings.TrimSpace(header), " ")
	return strings.EqualFold(s, scheme)
}

// credentialFields reads create_authentication_tokens' username and
// password as HarperDB 4.7.29 validates them: each must be a string (both
// named when both are not), an empty one is refused when the other is
// given, and both empty count as absent.
func credentialFields(fields *sdk.Fields) (username string, hasUser bool, password string, hasPassword bool, err error) {
	var msgs []string
	username, hasUser, uerr := stringField(fields, "username", msgUsernameNotStr)
	if uerr != nil {
		msgs = append(msgs, msgUsernameNotStr)
	}
	password, hasPassword, perr := stringField(fields, "password", msgPasswordNotStr)
	if perr != nil {
		msgs = append(msgs, msgPasswordNotStr)
	}
	if msgs != nil {
		return "", false, "", false, sdk.BadRequest("%s", strings.Join(msgs, ". "))
	}
	switch {
	case username == "" && password == "":
		return "", false, "", false, nil
	case hasUser && username == "" && hasPassword:
		return "", false, "", false, sdk.BadRequest(msgUsernameEmpty)
	case hasPassword && password == "" && hasUser:
		return "", false, "", false, sdk.BadRequest(msgPasswordEmpty)
	}
	return username, hasUser, password, hasPassword, nil
}
