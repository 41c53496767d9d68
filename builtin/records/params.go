package records

import (
	"bytes"
	"encoding/json"
	"math"

	"github.com/hops-dev/hops/sdk"
)

// defaultDatabase is the database an operation uses when the request names
// none, as in HarperDB (its default database is called "data").
const defaultDatabase = "data"

// Parameter names and their accepted aliases, canonical name first (the
// one errors name when the parameter is missing).
var (
	aliasDatabase   = []string{"database", "schema"}
	aliasPrimaryKey = []string{"primary_key", "hash_attribute"}
	aliasHashValues = []string{"hash_values", "ids"}
	aliasIDs        = []string{"ids", "hash_values"}
)

// Field names.
const (
	fieldTable         = "table"
	fieldRecords       = "records"
	fieldGetAttributes = "get_attributes"
	fieldSearchAttr    = "search_attribute"
	fieldSearchValue   = "search_value"
	fieldConditions    = "conditions"
	fieldOperator      = "operator"
	fieldLimit         = "limit"
	fieldOffset        = "offset"
	fieldSort          = "sort"
	fieldSQL           = "sql"
	fieldDate          = "date"
)

// allAttributes in get_attributes asks for every attribute.
const allAttributes = "*"

// aliasedString reads a string parameter that has aliases; missing, it
// names the first alias.
func aliasedString(fields map[string]json.RawMessage, aliases []string, required bool) (string, bool, error) {
	return sdk.String(fields, sdk.FirstOf(fields, aliases...), required, false)
}

// database reads database (or schema); absent, it is defaultDatabase
// unless required.
func database(fields map[string]json.RawMessage, required bool) (string, error) {
	db, ok, err := aliasedString(fields, aliasDatabase, required)
	if err != nil {
		return "", err
	}
	if !ok {
		return defaultDatabase, nil
	}
	return db, nil
}

// target is the table an operation works on.
type target struct {
	db, table string
}

// readTarget reads database (defaulted) and table (required).
func readTarget(fields map[string]json.RawMessage) (target, error) {
	db, err := database(fields, false)
	if err != nil {
		return target{}, err
	}
	table, _, err := sdk.String(fields, fieldTable, true, false)
	if err != nil {
		return target{}, err
	}
	return target{db: db, table: table}, nil
}

// decodeNumbers unmarshals raw into v keeping numbers as json.Number, so a
// key or value comes back exactly as the client wrote it.
func decodeNumbers(raw json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(v)
}

// isArray reports whether raw is a JSON array.
func isArray(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '['
}

// values reads a required array of arbitrary values (primary keys) under
// one of its aliases.
func values(fields map[string]json.RawMessage, aliases []string) ([]any, error) {
	name := sdk.FirstOf(fields, aliases...)
	if !sdk.Present(fields, name) {
		return nil, sdk.BadRequest("'%s' is required", name)
	}
	var out []any
	if !isArray(fields[name]) || decodeNumbers(fields[name], &out) != nil {
		return nil, sdk.BadRequest("'%s' must be an array", name)
	}
	return out, nil
}

// records reads the required records array.
func records(fields map[string]json.RawMessage) ([]map[string]any, error) {
	if !sdk.Present(fields, fieldRecords) {
		return nil, sdk.BadRequest("'%s' is required", fieldRecords)
	}
	raw := fields[fieldRecords]
	if !isArray(raw) {
		return nil, sdk.BadRequest("'%s' must be an array", fieldRecords)
	}
	var out []map[string]any
	if err := decodeNumbers(raw, &out); err != nil {
		return nil, sdk.BadRequest(MsgRecordsObjects)
	}
	for _, r := range out {
		if r == nil { // a JSON null element
			return nil, sdk.BadRequest(MsgRecordsObjects)
		}
	}
	return out, nil
}

// anyValue reads a required value of any JSON type except null.
func anyValue(fields map[string]json.RawMessage, name string) (any, error) {
	if !sdk.Present(fields, name) {
		return nil, sdk.BadRequest("'%s' is required", name)
	}
	var v any
	if err := decodeNumbers(fields[name], &v); err != nil {
		return nil, sdk.BadRequest(MsgFieldInvalid, name, err)
	}
	return v, nil
}

// maxSafeInteger is the largest whole number a JSON client (JavaScript)
// represents exactly; larger limits and offsets cannot have been meant.
const maxSafeInteger = 1<<53 - 1

// count reads an optional non-negative whole number (limit, offset); the
// store refuses negative ones with its own message.
func count(fields map[string]json.RawMessage, name string) (int, error) {
	n, ok, err := sdk.Number(fields, name, false)
	if err != nil || !ok {
		return 0, err
	}
	if n != math.Trunc(n) || math.Abs(n) > maxSafeInteger {
		return 0, sdk.BadRequest(MsgInteger, name)
	}
	return int(n), nil
}

// attributes reads get_attributes; "*" anywhere means every attribute
// (all is true, names nil). Repeated names are kept once.
func attributes(fields map[string]json.RawMessage) (names []string, all bool, err error) {
	list, _, err := sdk.Strings(fields, fieldGetAttributes, true)
	if err != nil {
		return nil, false, err
	}
	seen := make(map[string]bool, len(list))
	for _, a := range list {
		if a == allAttributes {
			return nil, true, nil
		}
		if !seen[a] {
			seen[a] = true
			names = append(names, a)
		}
	}
	return names, false, nil
}
