package certstore

import (
	"errors"
	"fmt"
	"net/http"
)

// Messages users see. Each is a constant pinned by a test; the ones with a
// %s take the field or certificate name.
const (
	// MsgBodyNotObject answers a body that is not a JSON object.
	MsgBodyNotObject = "The request body must be a JSON object"
	// MsgRequired names a missing required field.
	MsgRequired = "'%s' is required"
	// MsgString names a field that must be a string.
	MsgString = "'%s' must be a string"
	// MsgEmpty names a string field that must not be empty.
	MsgEmpty = "'%s' is not allowed to be empty"
	// MsgBool names a field that must be a boolean.
	MsgBool = "'%s' must be a boolean"
	// MsgArray names a field that must be an array.
	MsgArray = "'%s' must be an array"
	// MsgArrayOfStrings names an array field holding something else than strings.
	MsgArrayOfStrings = "'%s' must be an array of strings"
	// MsgUnsafeName refuses a name that could not be a key file's name.
	MsgUnsafeName = "'name' must be a safe file name: no path separators, no '..', no NUL"
	// MsgNameTooLong refuses a name too long to be a file name (%d is the limit, in bytes).
	MsgNameTooLong = "'name' length must be less than or equal to %d characters long"

	// MsgCertificateNotPEM answers a certificate with no PEM block at all.
	MsgCertificateNotPEM = "'certificate' must be a PEM encoded certificate"
	// MsgCertificateNotCert answers a PEM holding something other than certificates.
	MsgCertificateNotCert = "'certificate' must hold only CERTIFICATE PEM blocks, the leaf first"
	// MsgCertificateInvalid answers a CERTIFICATE block that x509 cannot parse.
	MsgCertificateInvalid = "'certificate' could not be parsed as an X.509 certificate"

	// MsgKeyNotPEM answers a private_key with no private key PEM block.
	MsgKeyNotPEM = "'private_key' must be a PEM encoded private key"
	// MsgKeyEncrypted answers a password-protected private key.
	MsgKeyEncrypted = "'private_key' is encrypted; give it unencrypted"
	// MsgKeyInvalid answers a key block that cannot be parsed or is of an
	// unsupported algorithm.
	MsgKeyInvalid = "'private_key' could not be parsed: RSA, ECDSA or Ed25519 in PKCS#1, PKCS#8 or SEC1 expected"
	// MsgKeyMismatch answers a private key whose public half is not the certificate's.
	MsgKeyMismatch = "The private key does not match the certificate"
	// MsgNoSuitableKey answers a non-authority certificate given without a
	// key when no key on disk matches it (HarperDB's wording).
	MsgNoSuitableKey = "A suitable private key was not found for this certificate"
	// MsgKeyFileInUse refuses to overwrite <name>.pem with a different key
	// while another certificate still uses the key in that file.
	MsgKeyFileInUse = "The key file '%s' is used by certificate '%s'; remove that certificate first"

	// MsgNotFound answers a name no record has.
	MsgNotFound = "Certificate '%s' not found"
)

// Success messages, as HarperDB words them.
const (
	msgAdded   = "Successfully added certificate: %s"
	msgRemoved = "Successfully removed %s"
)

// AddedMessage is the success message of add_certificate for name.
func AddedMessage(name string) string { return fmt.Sprintf(msgAdded, name) }

// RemovedMessage is the success message of remove_certificate for name.
func RemovedMessage(name string) string { return fmt.Sprintf(msgRemoved, name) }

// Error is a failure caused by the caller's input: Status is 400 (bad input)
// or 404 (no such certificate) and Message is one of the Msg constants.
// Any other error returned by this package is a real fault (HTTP 500).
// Error implements the SDK's StatusError interface through HTTPStatus.
type Error struct {
	// Status is the HTTP status the operation answers with.
	Status int
	// Message is the text of the "error" field.
	Message string
	// cause is the underlying parse error, kept for logs and errors.Is.
	cause error
}

// Error implements error; it is Message, never the cause, so users see
// only constant texts.
func (e *Error) Error() string { return e.Message }

// HTTPStatus reports the HTTP status of e.
func (e *Error) HTTPStatus() int { return e.Status }

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.cause }

// badRequest returns a 400 *Error with a formatted message.
func badRequest(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

// badInput returns a 400 *Error with a constant message and its cause.
func badInput(msg string, cause error) *Error {
	return &Error{Status: http.StatusBadRequest, Message: msg, cause: cause}
}

// notFound returns the 404 *Error for name.
func notFound(name string) *Error {
	return &Error{Status: http.StatusNotFound, Message: fmt.Sprintf(MsgNotFound, name)}
}

// AsError reports whether err is or wraps an *Error, and returns it.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
