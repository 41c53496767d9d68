// Package auth holds the host's users, roles and tokens: who a request is,
// and what its role allows. The host's server calls [Service.Authenticate]
// for every request and registers [Service.Operations] (add_user,
// alter_role, create_authentication_tokens, ...) in the operation registry
// as host-local operations.
//
// # Where to start
//
// [Open] wires everything: the BuntDB store (records under the key
// prefixes "user:" and "role:" of the host's system.db, which the jobs
// store shares), the JWT signing key under RootPath/keys and the credential
// cache. authenticate.go is the hot path; ops.go is the operation table,
// with the handlers in ops_roles.go, ops_users.go and ops_tokens.go.
//
// # Passwords
//
// authentication.hashFunction picks the hash of new passwords (hash.go),
// with the names HarperDB documents: "sha256" (the default) is
// PBKDF2-HMAC-SHA256 with DefaultPBKDF2Iterations rounds, and "argon2id"
// is argon2id at DefaultArgon2Memory KiB and DefaultArgon2Time passes.
// HarperDB's sha256 is a single salted SHA-256; hops stretches it, since
// a stolen system.db must not give passwords up at billions of guesses a
// second. HarperDB's legacy md5 and any other value are refused at start
// with a message naming the key. A stored hash says its own function and
// parameters, so every hash hops has written verifies whatever the
// setting is now, including the bcrypt hashes hops wrote before the key
// acted; a password is rehashed only when it is set again. Both defaults
// cost tens of milliseconds a verification on the project's machines
// (TestProductionCostTiming logs the figures), inside the 100 ms budget;
// argon2id also holds its memory (19 MiB) while it runs, so at most
// 2×GOMAXPROCS argon2id verifications run at once. Passwords longer than
// 72 bytes are refused when set (the limit bcrypt had, kept so a password
// that worked keeps working).
//
// The hot path never re-hashes: a verified Basic credential is cached for
// Options.CacheTTL under an HMAC of (username, password) with a random
// per-process key, never the plaintext; failures are cached briefly too, and
// concurrent verifications of the same credential share one hash. No lock
// is held while a hash runs. Every
// change to a user or role drops the affected entries at once
// ([Service.Invalidate]), so the next request sees it; a dropped user's
// cached passwords become cached refusals instead, so they are refused
// without a hash.
//
// # Brute force
//
// A credential not in the cache passes a throttle (throttle.go) before it
// is hashed: failed logins are counted per client address (IPv6 by /64)
// and per username. After a few free failures each attempt waits for a
// delay that doubles with every further failure; a short remainder is
// waited out by holding the request, a longer one is answered 429 with
// Retry-After without hashing (after a one-second tarpit, so a flood on
// keep-alive connections makes about one attempt a second each). Attempts being verified count as
// failures until they end, so a burst of concurrent guesses does not pass
// all at once. A cached credential is answered before the throttle, so a
// client already logged in is never slowed by someone else's guessing,
// and an address a user logged in from is exempt from that username's
// throttle (not from its own), so guessing a user's password elsewhere
// does not lock the user out of where they work. Bearer tokens are not
// throttled (they are not guessable). Both maps are bounded; past the
// bound new keys share one overflow key.
//
// An attempt the throttle admits is verified on one of two lanes
// (lanes.go): the low lane, for addresses and usernames that have failed
// recently or have an attempt in flight, runs one hash at a time, only while no normal verification
// runs or waits, and pauses its PBKDF2 rounds while one starts; the normal
// lane (first logins from addresses that have not failed) never waits for
// it. Both lanes bound their queues and waits and refuse 429 past them.
//
// When logging.auditAuthEvents.logFailed / logSuccessful are on, every
// refused and every verified login is logged (audit.go) with the username,
// client address, method and reason, never the password or token.
//
// # Tokens
//
// Operation and refresh tokens are JWTs (github.com/golang-jwt/jwt/v5)
// signed with Ed25519 (EdDSA, the only method the parser accepts). The key
// is created at first start as RootPath/keys/auth/jwt-signing.pem
// (directories 0700, file 0600) and reused, so tokens survive a restart. It
// has a directory of its own because the certs family owns the files
// directly in keys/. Claims: sub (the username), aid (the account id),
// type (operation or refresh), iat, exp, and for refresh tokens jti.
//
// Tokens are bound to an account, not only to a name: every user record
// holds a random account id made when the user is created (records from
// before get one at Open), and a token whose aid is not the stored user's
// is invalid. A user dropped and added again under the same name is a new
// account, and no token of the old one works for it. Caller tokens name
// the account the same way.
//
// Refresh tokens rotate as HarperDB's do: the user record keeps the id of
// the newest refresh token, create_authentication_tokens replaces it (so
// the previous refresh token stops working), and refresh_operation_token
// accepts only that one. A refresh answers an operation token only, as
// HarperDB's does, so it leaves the refresh token valid: rotating it there
// would need a refresh_token in the answer, which HarperDB clients do not
// read. Changing the password or deactivating the user clears the id.
//
// Caller tokens ([Service.CallerToken]) are different: short opaque HMAC
// tokens with a per-process key, carried in sdk.Caller.Token so a family can
// Dispatch or start a job as the caller. They die with the process.
//
// # Replication
//
// In a cluster, users and roles replicate (repl.go, ops_repl.go): once the
// clustering family calls repl_system_enable, setJSON and deleteKey put
// every user and role change into an outbox in the same transaction, and
// repl_system_apply applies other nodes' changes (later (ts, node) wins,
// drops leave tombstones) and drops the credential cache entries they
// touch. Tokens carry a "kid" header naming the signing key; a token
// signed by another node verifies with the public key that node sent.
//
// # Roles
//
// A role's permission object is HarperDB's: super_user (bool),
// structure_user (bool or database list), and per database
// {"tables": {"<table>": {"read", "insert", "update", "delete",
// "attribute_permissions": [...]}}}. add_role and alter_role validate it as
// HarperDB does and answer its 400 shape (main_permissions,
// schema_permissions). Whether databases, tables and attributes exist is
// asked of Options.Schema, which the host wires to the records family.
//
// # Where hops differs from HarperDB 4.7, on purpose
//
//   - Role ids are UUIDs (HarperDB 4.7 uses the role name).
//   - drop_role of a role some user holds is a 400 (HarperDB: 409).
//   - Dropping, deactivating or demoting the last active super user is a
//     409 (as Harper 5 does), so an instance cannot lock itself out.
//   - A non-super user may alter_user their own password (HarperDB: super
//     users only); anything else is HarperDB's 403 naming alterUser.
//   - create_authentication_tokens without credentials in the body uses the
//     request's Basic credentials only: a Bearer operation token cannot
//     mint a 30-day refresh token. expires_in "90" (no unit) means seconds,
//     like the number 90 (HarperDB's library reads it as milliseconds).
//   - A refresh token also dies when the user's password changes or the
//     user is deactivated.
//   - Passwords longer than 72 bytes are refused.
//   - hashFunction sha256 is PBKDF2-HMAC-SHA256, not one salted SHA-256.
package auth
