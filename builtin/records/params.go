package records

import (
	"bytes"
	"encoding/json"
	"errors"

	"github.com/hops-dev/hops/builtin/internal/fastjson"
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
	fieldSelect        = "select"
	fieldSearchAttr    = "search_attribute"
	fieldSearchValue   = "search_value"
	fieldConditions    = "conditions"
	fieldOperator      = "operator"
	fieldLimit         = "limit"
	fieldOffset        = "offset"
	fieldReverse       = "reverse"
	fieldSort          = "sort"
	fieldSQL           = "sql"
	fieldDate          = "date"
	fieldAttribute     = "attribute"
	fieldValue         = "value"
	fieldSearchType    = "search_type"
	fieldComparator    = "comparator"
)

// allAttributes in get_attributes asks for every attribute.
const allAttributes = "*"

// database reads database (or schema); absent, it is defaultDatabase.
// opts are the field's checks (sdk.Required, say).
func database(fields *sdk.Fields, opts ...sdk.FieldOption) string {
	if db := fields.String(fields.FirstOf(aliasDatabase...), opts...); db != "" {
		return db
	}
	return defaultDatabase
}

// target is the table an operation works on.
type target struct {
	db, table string
}

// readTarget reads database (defaulted) and table (required).
func readTarget(fields *sdk.Fields) target {
	db := database(fields)
	return target{db: db, table: fields.String(fieldTable, sdk.Required)}
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
	return len(raw) > 0 && raw[0] == '['
}

// values reads a required array of arbitrary values (primary keys) under
// one of its aliases.
func values(fields *sdk.Fields, aliases []string) []any {
	name := fields.FirstOf(aliases...)
	raw, ok := fields.Raw(name, sdk.Required)
	if !ok {
		return nil
	}
	out, err := decodeArray(raw)
	if err != nil {
		fields.Fail(sdk.MsgFieldArray, fields.Name(name))
		return nil
	}
	return out
}

// decodeArray decodes a JSON array as decodeNumbers does (numbers as
// json.Number), through fastjson when it is sure (a search_by_hash's
// thousand ids), else through encoding/json, which has the last word.
// raw not an array is an error.
func decodeArray(raw json.RawMessage) ([]any, error) {
	if !isArray(raw) {
		return nil, errNotArray
	}
	if v, ok := fastjson.DecodeValue(raw); ok {
		if arr, ok := v.([]any); ok {
			return arr, nil
		}
	}
	var out []any
	if err := decodeNumbers(raw, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// errNotArray is decodeArray's error for a value that is not an array.
var errNotArray = errors.New("not a JSON array")

// records reads the required records array. The records are data, not
// fields: each is decoded whole (its keys exact, the last duplicate
// winning, as encoding/json decodes a map).
func records(fields *sdk.Fields) []map[string]any {
	raw, ok := fields.Raw(fieldRecords, sdk.Required)
	if !ok {
		return nil
	}
	if !isArray(raw) {
		fields.Fail(sdk.MsgFieldArray, fieldRecords)
		return nil
	}
	if out, ok := decodeObjects(raw); ok {
		return out
	}
	var out []map[string]any
	if err := decodeNumbers(raw, &out); err != nil {
		fields.Fail(MsgRecordNotObject, firstNonObject(raw))
		return nil
	}
	for i, r := range out {
		if r == nil { // a JSON null element
			fields.Fail(MsgRecordNotObject, i)
			return nil
		}
	}
	return out
}

// firstNonObject is the index of the first element of the JSON array raw
// that is not an object (0 when raw cannot be read as an array).
func firstNonObject(raw json.RawMessage) int {
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		return 0
	}
	for i, it := range items {
		if len(it) == 0 || it[0] != '{' {
			return i
		}
	}
	return 0
}

// decodeObjects decodes raw, a JSON array of objects, into what
// decodeNumbers builds for it, with the fast parser (fastjson), which
// allocates little besides the records themselves. ok=false means it is
// not sure (see fastjson's contract) or an element is not an object: the
// caller decodes with encoding/json, which has the last word.
func decodeObjects(raw json.RawMessage) (out []map[string]any, ok bool) {
	v, ok := fastjson.DecodeValue(raw)
	if !ok {
		return nil, false
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out = make([]map[string]any, len(arr))
	for i, e := range arr {
		if out[i], ok = e.(map[string]any); !ok {
			return nil, false
		}
	}
	return out, true
}

// anyValue reads a required value of any JSON type (null included).
func anyValue(fields *sdk.Fields, name string, opts ...sdk.FieldOption) any {
	raw, ok := fields.Raw(name, append([]sdk.FieldOption{sdk.Required}, opts...)...)
	if !ok {
		return nil
	}
	var v any
	if err := decodeNumbers(raw, &v); err != nil {
		fields.Fail(MsgFieldInvalid, name, err)
	}
	return v
}

// attributes reads get_attributes, or select, which HarperDB reads in its
// place when present; "*" first means every attribute of the table (all
// is true, names nil), "*" later each record whole (whole too, as
// HarperDB answers ["id", "*"]). Repeated names are kept once; an empty
// list is refused in HarperDB's words (search_by_hash's validator says
// "item", the others' "items"). Absent, get_attributes is required,
// unless orAll: then each record is answered whole, as search_by_value
// and search_by_conditions answer without it.
func attributes(fields *sdk.Fields, orAll bool) (names []string, all, whole bool) {
	key := fieldGetAttributes
	if fields.Present(fieldSelect) {
		key = fieldSelect
	} else if orAll && !fields.Present(key) {
		return nil, true, true
	}
	list, ok := fields.Strings(key, sdk.Required)
	if ok && len(list) == 0 {
		msg := MsgAttributesEmpty
		if !orAll {
			msg = MsgAttributesEmptyHash
		}
		fields.Fail(msg, fields.Name(key))
	}
	seen := make(map[string]bool, len(list))
	for i, a := range list {
		if a == allAttributes {
			return nil, true, i > 0
		}
		if !seen[a] {
			seen[a] = true
			names = append(names, a)
		}
	}
	return names, false, false
}
