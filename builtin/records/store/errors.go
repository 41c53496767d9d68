package store

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is a failure the caller caused (a bad name, an unknown table, an
// invalid condition). Status is the HTTP status HarperDB answers with (400
// or 404) and Msg is its exact text. Every other error the store returns
// (I/O, a closed store) is a plain error and means 500.
type Error struct {
	// Status is the HTTP status: 400 (bad input) or 404 (unknown database or table).
	Status int
	// Msg is the message a HarperDB client sees in {"error": ...}.
	Msg string
}

// Error implements error.
func (e *Error) Error() string { return e.Msg }

// HTTPStatus returns Status; it lets the SDK answer with the right status
// when a handler returns an *Error unchanged (sdk.StatusError).
func (e *Error) HTTPStatus() int { return e.Status }

// StatusOf returns the HTTP status an error maps to: the Status of an
// *Error it wraps, else 500.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return http.StatusInternalServerError
}

// ErrClosed is returned by every method called after Close.
var ErrClosed = errors.New("records store is closed")

// Error messages, as HarperDB words them. Those with verbs are fmt formats.
const (
	// ErrMsgDatabaseExists: CreateDatabase of an existing database (400).
	ErrMsgDatabaseExists = "database '%s' already exists"
	// ErrMsgDatabaseNotFound: any call naming an unknown database (404).
	ErrMsgDatabaseNotFound = "database '%s' does not exist"
	// ErrMsgTableExists: CreateTable of an existing table, args table then database (400).
	ErrMsgTableExists = "Table '%s' already exists in '%s'"
	// ErrMsgTableNotFound: any call naming an unknown table, args database then table (404).
	ErrMsgTableNotFound = "Table '%s.%s' does not exist"
	// ErrMsgRequired: a required parameter is missing or empty, arg its name (400).
	ErrMsgRequired = "'%s' is required"
	// ErrMsgNameChars: a database or table name with a character HarperDB
	// forbids (slash, backtick, control or non-ASCII), arg the parameter (400).
	ErrMsgNameChars = "'%s' names cannot include backticks or forward slashes"
	// ErrMsgNameDots: a database or table name containing "..", which could
	// walk out of the store directory, arg the parameter (400).
	ErrMsgNameDots = "'%s' names cannot include '..'"
	// ErrMsgNameLength: a database or table name over MaxNameLength, arg the parameter (400).
	ErrMsgNameLength = "'%s' length must be less than or equal to 250 characters long"
	// ErrMsgAttributeName: an attribute (or primary key) name with a slash or backtick (400).
	ErrMsgAttributeName = "Attribute names cannot include backticks or forward slashes"
	// ErrMsgAttributeTooLong: a written attribute name over MaxAttributeNameBytes,
	// arg the name (400, HarperDB 4.7.29's text).
	ErrMsgAttributeTooLong = "transaction aborted due to attribute name %s being too long. Attribute names cannot be longer than 250 bytes."
	// ErrMsgAttributeRequired: create_attribute or drop_attribute without
	// an attribute (400).
	ErrMsgAttributeRequired = "Attribute name is required"
	// ErrMsgAttributeExists: create_attribute of an attribute the table
	// has, args attribute, database, table (400).
	ErrMsgAttributeExists = "attribute '%s' already exists in %s.%s"
	// ErrMsgDropTimestamp: drop_attribute of __createdtime__ or
	// __updatedtime__, arg the attribute (400).
	ErrMsgDropTimestamp = "cannot drop internal timestamp attribute: %s"
	// ErrMsgDropPrimaryKey: drop_attribute of the primary key (400).
	ErrMsgDropPrimaryKey = "You cannot drop a hash attribute"
	// ErrMsgUpdateNoHash: an update record without its primary key value (400).
	ErrMsgUpdateNoHash = "a valid hash attribute must be provided with update record, check log for more info"
	// ErrMsgInvalidHash: a primary key value that is not a string or a
	// finite number, or the strings "null"/"undefined", arg the value (400).
	ErrMsgInvalidHash = "Invalid hash value: '%v' is not a valid hash attribute value, check log for more info"
	// ErrMsgHashTooLong: a string primary key longer than MaxKeyBytes (400).
	ErrMsgHashTooLong = "Invalid hash value: primary key values cannot be longer than 1978 bytes"
	// ErrMsgUnencodable: a record holding a value JSON cannot carry (only
	// possible from Go callers: NaN, a channel), arg the encoder's error (400).
	ErrMsgUnencodable = "record cannot be stored as JSON: %v"
)

// badRequest returns a 400 *Error with a formatted message.
func badRequest(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Msg: fmt.Sprintf(format, args...)}
}

// errDatabaseNotFound is the 404 for an unknown database.
func errDatabaseNotFound(db string) *Error {
	return &Error{Status: http.StatusNotFound, Msg: fmt.Sprintf(ErrMsgDatabaseNotFound, db)}
}

// errTableNotFound is the 404 for an unknown table in an existing database.
func errTableNotFound(db, table string) *Error {
	return &Error{Status: http.StatusNotFound, Msg: fmt.Sprintf(ErrMsgTableNotFound, db, table)}
}
