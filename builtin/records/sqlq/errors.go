package sqlq

import (
	"fmt"
	"net/http"
	"strings"
)

// Error is a failure the SQL text caused: a syntax error, a feature this
// package does not run, a missing database. Status is the HTTP status to
// answer with (always 400 today) and Msg the exact text the client sees.
//
// Errors that come from a Source (an unknown table's 404, an I/O fault) are
// never wrapped in an Error: Run and Columns return them unchanged, so
// errors.As still finds the Source's own typed error and its status.
type Error struct {
	// Status is the HTTP status to answer with.
	Status int
	// Msg is the message a HarperDB client sees in {"error": ...}.
	Msg string
}

// Error implements error.
func (e *Error) Error() string { return e.Msg }

// HTTPStatus returns Status; it satisfies sdk.StatusError, so a handler may
// return an *Error as is and the client gets the right status and text.
func (e *Error) HTTPStatus() int { return e.Status }

// Messages users see. Those with verbs are fmt formats.
const (
	// MsgInvalidSQL is HarperDB's syntax error text; the verb is where the
	// parser stopped, e.g. "position 6 near 'SELEC'".
	MsgInvalidSQL = "Invalid SQL at: %s. Please ensure your SQL is valid. Try adding backticks to reserved words and schema table references."
	// MsgEmptySQL is what MsgInvalidSQL names as the place for a statement
	// that holds nothing but blanks or comments.
	MsgEmptySQL = "empty statement"
	// MsgParserPanic is what MsgInvalidSQL names as the place when the
	// parser itself failed on the text.
	MsgParserPanic = "a construct the parser cannot read"
	// MsgNotSupported names a valid SQL feature this package does not run.
	MsgNotSupported = "SQL feature not supported: %s"
	// MsgNoDatabase is for a table named without its database when no
	// default database was given; the verb is the table.
	MsgNoDatabase = "database (schema) is required for table '%s': write it as database.table"
	// MsgUnknownQualifier is for a column qualified by a table that is not
	// the one in FROM; the verb is the column as written.
	MsgUnknownQualifier = "Unknown column '%s': its table is not in FROM"
	// MsgInsertCount is for an INSERT row whose value count differs from
	// its column count; the verb is the 1-based row number.
	MsgInsertCount = "Column count doesn't match value count at row %d"
	// MsgBadLimit is for a LIMIT or OFFSET that is not a whole number in
	// range; the verb is the clause's text.
	MsgBadLimit = "LIMIT and OFFSET must be whole numbers: %s"
	// MsgBadLike is for a LIKE whose ESCAPE is not one character.
	MsgBadLike = "ESCAPE must be a single character"
	// MsgAggregateInWhere is for an aggregate function used in WHERE or
	// GROUP BY, where no group exists yet.
	MsgAggregateInWhere = "Invalid use of group function: %s"
	// MsgDuplicateAlias is for two tables of a FROM under one name; the
	// verb is the name.
	MsgDuplicateAlias = "Not unique table/alias: '%s'"
	// MsgFuncArgs is for a function called with a number of arguments it
	// does not take; the verbs are its name and the count.
	MsgFuncArgs = "Wrong number of arguments to %s(): %d"
	// MsgBadPosition is for ORDER BY or GROUP BY n where n is not a
	// column of the select list; the verb is n.
	MsgBadPosition = "Unknown column '%s' in ORDER BY or GROUP BY: positions count from 1 over the select list"
	// MsgSubquery is HarperDB 4.7's answer (a 500 there) to any subquery:
	// IN (SELECT ...), EXISTS, or a SELECT used as a value.
	MsgSubquery = "Circular reference"
	// MsgDerivedTable is HarperDB 4.7's answer (a 500 there) to a SELECT
	// in FROM: FROM (SELECT ...) AS s.
	MsgDerivedTable = "schema not defined for table undefined"
	// MsgSearchProblem is HarperDB 4.7's answer (a 500 there) to UNION,
	// INTERSECT or EXCEPT over tables and to NATURAL JOIN.
	MsgSearchProblem = "There was a problem performing this search. Please check the logs and try again."
	// MsgNoFrom is HarperDB 4.7's answer (a 500 there) to a UNION whose
	// first SELECT has no FROM but a later one has, or that has ORDER BY.
	MsgNoFrom = "no from clause"
)

// badRequest returns a 400 *Error with a formatted message.
func badRequest(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Msg: fmt.Sprintf(format, args...)}
}

// notSupported returns the 400 for a feature this package does not run.
func notSupported(what string) *Error {
	return badRequest(MsgNotSupported, what)
}

// syntaxError turns a parser error into HarperDB's 400. The parser words
// its errors "Code: INVALID_ARGUMENT\nsyntax error at position 6 near
// 'SELEC'"; the client sees the "position ... near ..." part.
func syntaxError(err error) *Error {
	text := err.Error()
	const marker = "syntax error at "
	if i := strings.Index(text, marker); i >= 0 {
		text = text[i+len(marker):]
	} else if lines := strings.Fields(strings.ReplaceAll(text, "Code: INVALID_ARGUMENT", "")); len(lines) > 0 {
		text = strings.Join(lines, " ")
	}
	if j := strings.IndexByte(text, '\n'); j >= 0 {
		text = text[:j]
	}
	return badRequest(MsgInvalidSQL, strings.TrimSpace(text))
}
