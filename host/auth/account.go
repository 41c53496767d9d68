package auth

import (
	"encoding/base64"
	"fmt"

	"github.com/tidwall/buntdb"
)

// accountIDBytes is the entropy of an account id and of a refresh token's
// id: 128 bits, never guessed nor repeated.
const accountIDBytes = 16

// newAccountID returns a random id (base64url, 22 characters).
func newAccountID() string {
	return base64.RawURLEncoding.EncodeToString(randomKey()[:accountIDBytes])
}

// assignAccountIDs gives every stored user without an account id one (user
// records written before tokens were bound to accounts). Tokens issued
// before then name no account and are refused: their holders log in again.
func assignAccountIDs(db *buntdb.DB) (int, error) {
	n := 0
	err := db.Update(func(tx *buntdb.Tx) error {
		users, err := allUsers(tx)
		if err != nil {
			return err
		}
		for _, u := range users {
			if u.AccountID != "" {
				continue
			}
			u.AccountID = newAccountID()
			if err := setJSON(tx, userPrefix+u.Username, u); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("auth: assign account ids: %w", err)
	}
	return n, nil
}
