package exporter

import (
	"errors"
	"fmt"
	"net/http"
)

// Messages users see for bad export_local / export_to_s3 input. Each is a
// constant pinned by a test; the ones with %s take the offending value.
// Wording follows HarperDB 4.7 wherever HarperDB has a message.
const (
	// MsgBodyNotObject answers a body that is not a JSON object.
	MsgBodyNotObject = "The request body must be a JSON object"

	// MsgFormatMissing answers a request without format.
	MsgFormatMissing = "format missing"
	// MsgFormatInvalid answers a format other than json or csv.
	MsgFormatInvalid = "format invalid. must be one of the following values: json, csv"

	// MsgSearchOperationMissing answers a request without search_operation
	// (HarperDB answers a JavaScript TypeError here; we say what is wrong).
	MsgSearchOperationMissing = "search_operation is missing."
	// MsgSearchOperationNotObject answers a search_operation that is not an object.
	MsgSearchOperationNotObject = "search_operation must be an object"
	// MsgSearchOperationNoOperation answers a search_operation without operation.
	MsgSearchOperationNoOperation = "search_operation.operation missing"
	// MsgSearchOperationInvalid answers a search kind that cannot be exported.
	MsgSearchOperationInvalid = "searchOperation.operation must be one of the following values: search_by_value, search_by_hash, sql, search_by_conditions"

	// MsgPathMissing answers export_local without path (or an empty one).
	MsgPathMissing = "path is missing."
	// MsgPathNotString answers a path that is not a string.
	MsgPathNotString = "path must be a string"
	// MsgPathNotExist names a path that does not exist.
	MsgPathNotExist = "path '%s' does not exist"
	// MsgPathDenied names a path the server may not look at.
	MsgPathDenied = "access to path '%s' is denied"
	// MsgPathNotDir names a path that is a file, not a folder.
	MsgPathNotDir = "path '%s' is not a directory, please supply a valid folder path"

	// MsgFilenameInvalid answers a filename that is not a plain, non-empty
	// file name (it would escape the folder or name nothing).
	MsgFilenameInvalid = "filename must be a plain file name without extension: not empty, no '/', '\\', '..' or NUL"

	// MsgS3Missing answers export_to_s3 without an s3 object (absent, null, not an object, or {}).
	MsgS3Missing = "S3 object is missing."
	// MsgAccessKeyMissing answers s3 without aws_access_key_id.
	MsgAccessKeyMissing = "aws_access_key_id is missing."
	// MsgSecretKeyMissing answers s3 without aws_secret_access_key.
	MsgSecretKeyMissing = "aws_secret_access_key is missing."
	// MsgBucketMissing answers s3 without bucket.
	MsgBucketMissing = "bucket is missing."
	// MsgKeyMissing answers s3 without key.
	MsgKeyMissing = "key is missing."
	// MsgRegionMissing answers s3 without region.
	MsgRegionMissing = "region is missing."
	// MsgRegionInvalid names a region that cannot be part of a host name
	// (HarperDB's SDK wording); it is refused before any network I/O.
	MsgRegionInvalid = `Region not accepted: region="%s" is not a valid hostname component.`
	// MsgEndpointInvalid answers an s3.endpoint that is not an http(s) URL with a host.
	MsgEndpointInvalid = "s3.endpoint must be an http or https URL"
	// MsgForcePathStyleInvalid answers an s3.force_path_style that is not a boolean.
	MsgForcePathStyleInvalid = "s3.force_path_style must be a boolean"
)

// Error is a failure caused by the caller's input. Status is always 400 for
// this package and Message is one of the Msg constants (formatted). It
// implements the SDK's StatusError interface through HTTPStatus, so a
// handler may return it as is.
type Error struct {
	// Status is the HTTP status the operation answers with (400).
	Status int
	// Message is the text of the "error" field.
	Message string
}

// Error implements error.
func (e *Error) Error() string { return e.Message }

// HTTPStatus reports the HTTP status of e.
func (e *Error) HTTPStatus() int { return e.Status }

// AsError reports whether err is or wraps an *Error, and returns it.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// badRequest returns a 400 *Error with a constant message.
func badRequest(msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Message: msg}
}

// badRequestf returns a 400 *Error with a formatted message.
func badRequestf(format string, args ...any) *Error {
	return badRequest(fmt.Sprintf(format, args...))
}
