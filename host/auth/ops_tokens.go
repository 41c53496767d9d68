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
	fields, err := req.Fields()
	if err != nil {
		return nil, err
	}
	ttl := s.opts.OperationTokenTimeout
	if sdk.Present(fields, "expires_in") {
		if ttl, err = parseExpiresIn(fields["expires_in"]); err != nil {
			return nil, err
		}
	}
	username, hasUser, err := stringField(fields, "username", msgUsernameNotStr)
	if err != nil {
		return nil, err
	}
	password, hasPassword, err := stringField(fields, "password", msgPasswordNotStr)
	if err != nil {
		return nil, err
	}
	var caller sdk.Caller
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
	case isScheme(AuthorizationFromContext(ctx), "Basic"):
		if caller, err = s.Authenticate(ctx, AuthorizationFromContext(ctx)); err != nil {
			return nil, err
		}
	default:
		return nil, unauthorized(MsgInvalidCredentials)
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
	fields, err := req.Fields()
	if err != nil {
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
	err := s.db.Update(func(tx *buntdb.Tx) error {
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
