package exporter

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hops-dev/hops/sdk"
)

// Export formats, as the request's format field names them; they are also
// the file extension.
const (
	// FormatJSON writes one JSON array of the records.
	FormatJSON = "json"
	// FormatCSV writes a header row of the columns, then one row per record.
	FormatCSV = "csv"
)

// Search kinds an export may run (search_operation.operation).
const (
	// SearchByValue is search_by_value.
	SearchByValue = "search_by_value"
	// SearchByHash is search_by_hash (search_by_id is not exportable).
	SearchByHash = "search_by_hash"
	// SearchSQL is sql.
	SearchSQL = "sql"
	// SearchByConditions is search_by_conditions.
	SearchByConditions = "search_by_conditions"
)

// SearchOperation is the validated search_operation of an export.
type SearchOperation struct {
	// Operation is one of the Search* kinds.
	Operation string
	// Body is the whole search_operation object, verbatim, ready to be
	// dispatched as an operation of its own.
	Body json.RawMessage
	// SQL is the body's sql text, read as the sql operation reads it (the
	// exact key "sql", the last of duplicates); "" when it is absent or
	// not a string.
	SQL string
}

// LocalRequest is a validated export_local request.
type LocalRequest struct {
	// Format is FormatJSON or FormatCSV.
	Format string
	// Path is the existing directory the file goes into, as given.
	Path string
	// Filename is the file's name without extension: the request's, or the
	// decode time in epoch milliseconds when it gave none (HarperDB's default).
	Filename string
	// Search is the search whose rows are exported.
	Search SearchOperation
}

// FileName is the exported file's base name: Filename + "." + Format.
func (r LocalRequest) FileName() string { return r.Filename + "." + r.Format }

// FilePath is the full path of the exported file.
func (r LocalRequest) FilePath() string { return filepath.Join(r.Path, r.FileName()) }

// DecodeLocal validates an export_local body, in HarperDB's order: format,
// search_operation, path (it must be an existing directory), filename. Every
// failure is an *Error (400) with one of the Msg constants. Keys are read
// exactly, the last duplicate winning (sdk.Fields), as the search the body
// names will read them.
func DecodeLocal(body []byte) (LocalRequest, error) {
	fields, err := decodeObject(body)
	if err != nil {
		return LocalRequest{}, err
	}
	var req LocalRequest
	if req.Format, err = decodeFormat(fields); err != nil {
		return LocalRequest{}, err
	}
	if req.Search, err = decodeSearch(fields); err != nil {
		return LocalRequest{}, err
	}
	if req.Path, err = decodePath(fields); err != nil {
		return LocalRequest{}, err
	}
	if req.Filename, err = decodeFilename(fields); err != nil {
		return LocalRequest{}, err
	}
	return req, nil
}

// decodeObject reads a JSON object body.
func decodeObject(body []byte) (*sdk.Fields, error) {
	fields := sdk.ReadFields(body)
	if fields.Err() != nil {
		return nil, badRequest(MsgBodyNotObject)
	}
	return fields, nil
}

// present returns the value of name when it is there and not null: the
// export's own checks, as HarperDB's, treat null as missing.
func present(fields *sdk.Fields, name string) (json.RawMessage, bool) {
	raw, ok := fields.Raw(name)
	if !ok || string(raw) == "null" {
		return nil, false
	}
	return raw, true
}

// stringOf decodes raw as a JSON string; ok is false for any other type.
func stringOf(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// decodeFormat checks format: present, and json or csv.
func decodeFormat(fields *sdk.Fields) (string, error) {
	raw, ok := present(fields, "format")
	if !ok {
		return "", badRequest(MsgFormatMissing)
	}
	s, ok := stringOf(raw)
	if ok && s == "" {
		return "", badRequest(MsgFormatMissing)
	}
	if !ok || (s != FormatJSON && s != FormatCSV) {
		return "", badRequest(MsgFormatInvalid)
	}
	return s, nil
}

// decodeSearch checks search_operation: an object whose operation is one
// of the four exportable kinds. It is read with the exact keys the search
// itself reads: its SQL is the text the sql operation will run.
func decodeSearch(fields *sdk.Fields) (SearchOperation, error) {
	raw, ok := present(fields, "search_operation")
	if !ok {
		return SearchOperation{}, badRequest(MsgSearchOperationMissing)
	}
	obj, ok := fields.Object("search_operation")
	if !ok {
		return SearchOperation{}, badRequest(MsgSearchOperationNotObject)
	}
	opRaw, ok := present(obj, "operation")
	if !ok {
		return SearchOperation{}, badRequest(MsgSearchOperationNoOperation)
	}
	op, _ := stringOf(opRaw)
	switch op {
	case SearchByValue, SearchByHash, SearchSQL, SearchByConditions:
	default:
		return SearchOperation{}, badRequest(MsgSearchOperationInvalid)
	}
	search := SearchOperation{Operation: op, Body: append(json.RawMessage(nil), raw...)}
	if sqlRaw, ok := obj.Raw("sql"); ok {
		search.SQL, _ = stringOf(sqlRaw)
	}
	return search, nil
}

// decodePath checks path: a non-empty string naming an existing directory.
func decodePath(fields *sdk.Fields) (string, error) {
	raw, ok := present(fields, "path")
	if !ok {
		return "", badRequest(MsgPathMissing)
	}
	p, ok := stringOf(raw)
	if !ok {
		return "", badRequest(MsgPathNotString)
	}
	if p == "" {
		return "", badRequest(MsgPathMissing)
	}
	info, err := os.Stat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", badRequestf(MsgPathNotExist, p)
	case errors.Is(err, fs.ErrPermission):
		return "", badRequestf(MsgPathDenied, p)
	case err != nil:
		// ENOTDIR (a file in the middle of the path) and the like: the
		// path names no folder we can use.
		return "", badRequestf(MsgPathNotExist, p)
	case !info.IsDir():
		return "", badRequestf(MsgPathNotDir, p)
	}
	return p, nil
}

// decodeFilename checks the optional filename, defaulting it to the
// current time in epoch milliseconds.
func decodeFilename(fields *sdk.Fields) (string, error) {
	raw, ok := present(fields, "filename")
	if !ok {
		return strconv.FormatInt(time.Now().UnixMilli(), 10), nil
	}
	name, ok := stringOf(raw)
	if !ok || !plainName(name) {
		return "", badRequest(MsgFilenameInvalid)
	}
	return name, nil
}

// plainName reports whether name is a non-empty file name that stays in
// its folder: no separators, no "..", no NUL.
func plainName(name string) bool {
	return name != "" && name != "." &&
		!strings.ContainsAny(name, "/\\\x00") && !strings.Contains(name, "..")
}
