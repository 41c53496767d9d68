package sdk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/hops-dev/hops/sdk/jsonobj"
)

// Fields reads the members of one JSON object, a request body or an
// object nested in one, the way HarperDB (JavaScript) reads them: keys are
// exact ("ID" is not "id") and of duplicate keys the last wins. A handler
// reads every field it needs, then asks Err once:
//
//	f := req.Fields()
//	name := f.String("name", sdk.Required, sdk.MaxLength(100))
//	n, ok := f.Int("limit")
//	if err := f.Err(); err != nil {
//		return nil, err
//	}
//
// Each read checks its field and remembers every failure, worded as
// HarperDB's validator (Joi) words it ('x' is required, 'x' must be a
// string, ...); Err answers 400 with all of them joined by ". ", in the
// order they were read. A field that failed reads as its zero value.
//
// A field holding null is present and of the wrong type, as in HarperDB:
// String on "status": null fails with 'status' must be a string, not
// 'status' is required. Only an absent key is missing.
//
// A nested reader (Object) shares its parent's failures and names its
// fields by their path ('s3.bucket').
type Fields struct {
	path string // the prefix of the names in messages: "" or "s3."
	// An object of up to smallObject members is read from few, in the
	// order written; a larger one from members.
	few     []member
	members map[string]json.RawMessage
	errs    *fieldErrors
	// fewBuf holds few's members, so a small body costs no allocation of
	// its own.
	fewBuf [smallObject]member
	// ownErrs is what errs points at in a reader made by ReadFields (a
	// nested reader shares its parent's).
	ownErrs fieldErrors
}

// smallObject is the most members an object may have to be looked up
// by a scan rather than through a map: a scan of a few keys is cheaper
// than building the map, which most request bodies would need only for
// two or three reads.
const smallObject = 8

// member is one member of a small object: its key as written (quotes
// and escapes included) and its value's text.
type member struct {
	key []byte
	val json.RawMessage
}

// fieldErrors is what a reader and its nested readers collect.
type fieldErrors struct {
	// body is set when the body itself is not an object; every other
	// failure is then moot.
	body *Error
	msgs []string
}

// Field messages, as HarperDB's Joi validator words them (%s is the
// field's name).
const (
	MsgFieldRequired  = "'%s' is required"
	MsgFieldString    = "'%s' must be a string"
	MsgFieldEmpty     = "'%s' is not allowed to be empty"
	MsgFieldBool      = "'%s' must be a boolean"
	MsgFieldNumber    = "'%s' must be a number"
	MsgFieldInteger   = "'%s' must be an integer"
	MsgFieldArray     = "'%s' must be an array"
	MsgFieldStrings   = "'%s' must be an array of strings"
	MsgFieldObject    = "'%s' must be of type object"
	MsgFieldOneOf     = "'%s' must be one of [%s]"
	MsgFieldMaxLength = "'%s' length must be less than or equal to %d characters long"
	// MsgBodyNotObject answers a body that is not a JSON object.
	MsgBodyNotObject = "request body must be a JSON object"
)

// ReadFields returns a reader over obj, which should be one JSON object.
// Anything else makes Err answer MsgBodyNotObject (and every read yields
// its zero value). The values read are slices of obj, not copies.
func ReadFields(obj []byte) *Fields {
	f := &Fields{}
	f.errs = &f.ownErrs
	obj = bytes.TrimSpace(obj)
	if len(obj) == 0 || obj[0] != '{' || !json.Valid(obj) {
		f.errs.body = BadRequest(MsgBodyNotObject)
		return f
	}
	f.split(obj)
	return f
}

// split reads the members of a valid JSON object into few, or into
// members when there are more than smallObject of them.
func (f *Fields) split(obj []byte) {
	f.few = f.fewBuf[:0]
	for k, v := range jsonobj.Members(obj) {
		if f.members != nil {
			f.members[jsonobj.Key(k)] = v
			continue
		}
		if len(f.few) < smallObject {
			f.few = append(f.few, member{key: k, val: v})
			continue
		}
		f.members = make(map[string]json.RawMessage, 2*smallObject)
		for _, m := range f.few {
			f.members[jsonobj.Key(m.key)] = m.val
		}
		f.members[jsonobj.Key(k)] = v
		f.few = nil
	}
}

// get returns the value of key, the last duplicate winning.
func (f *Fields) get(key string) (json.RawMessage, bool) {
	if f.members != nil {
		v, ok := f.members[key]
		return v, ok
	}
	for i := len(f.few) - 1; i >= 0; i-- {
		if jsonobj.KeyIs(f.few[i].key, key) {
			return f.few[i].val, true
		}
	}
	return nil, false
}

// A FieldOption says how a read checks its field. Options that do not
// apply to a kind of field (MaxLength on a Bool) are ignored.
type FieldOption func(*fieldRule)

// fieldRule is what the options of one read set.
type fieldRule struct {
	required   bool
	allowEmpty bool
	maxLength  int // 0: no limit
	oneOf      []string
	label      string // "": the key
}

// The options without arguments.
var (
	// Required makes an absent field a failure ('x' is required). Without
	// it an absent field reads as missing (ok false, or the zero value).
	Required FieldOption = func(r *fieldRule) { r.required = true }
	// AllowEmpty accepts "" for a string field. Without it "" fails with
	// 'x' is not allowed to be empty, as Joi's string() does.
	AllowEmpty FieldOption = func(r *fieldRule) { r.allowEmpty = true }
)

// MaxLength refuses a string longer than n characters (runes).
func MaxLength(n int) FieldOption { return func(r *fieldRule) { r.maxLength = n } }

// OneOf refuses a string that is none of values ('x' must be one of [a, b]).
func OneOf(values ...string) FieldOption { return func(r *fieldRule) { r.oneOf = values } }

// Label names the field label in messages instead of its key, as Joi's
// label() does (HarperDB reads primary_key as hash_attribute and names it
// so).
func Label(label string) FieldOption { return func(r *fieldRule) { r.label = label } }

func rules(opts []FieldOption) fieldRule {
	var r fieldRule
	for _, o := range opts {
		o(&r)
	}
	return r
}

// Name is the name messages give the field called key: its path from the
// body ("s3.bucket" in a reader Object returned for "s3").
func (f *Fields) Name(key string) string { return f.path + key }

// Fail records a failure of the reader's own wording: Err will answer it
// among the others, in the order it was recorded.
func (f *Fields) Fail(format string, args ...any) {
	if f.errs.body == nil {
		f.errs.msgs = append(f.errs.msgs, fmt.Sprintf(format, args...))
	}
}

// Err answers every failure recorded so far by this reader, its nested
// readers and its parent: nil when there is none, else a 400 *Error whose
// message joins them with ". " as HarperDB does ("'table' is required.
// 'records' is required").
func (f *Fields) Err() error {
	if f.errs.body != nil {
		return f.errs.body
	}
	if len(f.errs.msgs) == 0 {
		return nil
	}
	return BadRequest("%s", strings.Join(f.errs.msgs, ". "))
}

// Present reports whether the object has the key, whatever its value
// (null included).
func (f *Fields) Present(key string) bool {
	_, ok := f.get(key)
	return ok
}

// Raw returns the key's value as JSON text (null included) and whether the
// key is present. It checks nothing, except Required (and Label names it).
func (f *Fields) Raw(key string, opts ...FieldOption) (json.RawMessage, bool) {
	return f.lookup(key, rules(opts))
}

// FirstOf returns the first of aliases that is present ("database" or
// "schema"), or the first alias when none is, so that a missing field is
// named by its main name.
func (f *Fields) FirstOf(aliases ...string) string {
	for _, a := range aliases {
		if f.Present(a) {
			return a
		}
	}
	return aliases[0]
}

// lookup returns the key's value, recording 'x' is required when it is
// absent and required.
func (f *Fields) lookup(key string, r fieldRule) (json.RawMessage, bool) {
	raw, ok := f.get(key)
	if !ok && r.required {
		f.Fail(MsgFieldRequired, f.label(key, r))
	}
	return raw, ok
}

// label is the name messages give the field: its Label, or its Name.
func (f *Fields) label(key string, r fieldRule) string {
	if r.label != "" {
		return f.path + r.label
	}
	return f.Name(key)
}

// String reads a string field: "" when it is absent or fails. Options:
// Required, AllowEmpty, MaxLength, OneOf. A value that is not one of
// OneOf's is named first, then any other failure of the same field, as
// Joi lists them ('id' must be one of [a, b]. 'id' must be a string).
func (f *Fields) String(key string, opts ...FieldOption) string {
	r := rules(opts)
	raw, ok := f.lookup(key, r)
	if !ok {
		return ""
	}
	name := f.label(key, r)
	s, isString := stringValue(raw)
	valid := isString
	if r.oneOf != nil && (!isString || !contains(r.oneOf, s)) {
		f.Fail(MsgFieldOneOf, name, strings.Join(r.oneOf, ", "))
		valid = false
	}
	switch {
	case !isString:
		f.Fail(MsgFieldString, name)
	case s == "" && !r.allowEmpty:
		f.Fail(MsgFieldEmpty, name)
		valid = false
	case r.maxLength > 0 && utf8.RuneCountInString(s) > r.maxLength:
		f.Fail(MsgFieldMaxLength, name, r.maxLength)
		valid = false
	}
	if !valid {
		return ""
	}
	return s
}

// stringValue decodes raw when it is a JSON string.
func stringValue(raw json.RawMessage) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	if jsonobj.PlainASCII(raw) {
		return string(raw[1 : len(raw)-1]), true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Bool reads a boolean field (JSON true or false only); ok is false when
// it is absent or fails. Options: Required.
func (f *Fields) Bool(key string, opts ...FieldOption) (b, ok bool) {
	r := rules(opts)
	raw, present := f.lookup(key, r)
	if !present {
		return false, false
	}
	switch string(raw) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	f.Fail(MsgFieldBool, f.label(key, r))
	return false, false
}

// Number reads a number field; ok is false when it is absent or fails.
// Options: Required.
func (f *Fields) Number(key string, opts ...FieldOption) (n float64, ok bool) {
	r := rules(opts)
	raw, present := f.lookup(key, r)
	if !present {
		return 0, false
	}
	if len(raw) == 0 || raw[0] != '-' && (raw[0] < '0' || raw[0] > '9') || json.Unmarshal(raw, &n) != nil {
		f.Fail(MsgFieldNumber, f.label(key, r))
		return 0, false
	}
	return n, true
}

// maxSafeInteger is the largest whole number a JSON client (JavaScript)
// holds exactly; Int refuses larger ones as not integers, as Joi does.
const maxSafeInteger = 1<<53 - 1

// Int reads a whole number field; ok is false when it is absent or fails
// ('x' must be a number, 'x' must be an integer). Options: Required.
func (f *Fields) Int(key string, opts ...FieldOption) (n int, ok bool) {
	x, ok := f.Number(key, opts...)
	if !ok {
		return 0, false
	}
	if x != math.Trunc(x) || math.Abs(x) > maxSafeInteger {
		f.Fail(MsgFieldInteger, f.label(key, rules(opts)))
		return 0, false
	}
	return int(x), true
}

// Strings reads an array of strings; ok is false when it is absent or
// fails ('x' must be an array, 'x' must be an array of strings). Options:
// Required.
func (f *Fields) Strings(key string, opts ...FieldOption) (ss []string, ok bool) {
	r := rules(opts)
	raw, present := f.lookup(key, r)
	if !present {
		return nil, false
	}
	if len(raw) == 0 || raw[0] != '[' {
		f.Fail(MsgFieldArray, f.label(key, r))
		return nil, false
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		f.Fail(MsgFieldArray, f.label(key, r))
		return nil, false
	}
	ss = make([]string, 0, len(items))
	for _, item := range items {
		s, isString := stringValue(item)
		if !isString {
			f.Fail(MsgFieldStrings, f.label(key, r))
			return nil, false
		}
		ss = append(ss, s)
	}
	return ss, true
}

// Object reads a nested object and returns a reader over it, with the same
// rules (exact keys, the last duplicate wins, null is a wrong type) and
// the same failures; its fields are named "key.field". When the field is
// absent or not an object ('x' must be of type object), ok is false and
// the reader returned is empty (every read of it yields its zero value).
// Options: Required.
func (f *Fields) Object(key string, opts ...FieldOption) (obj *Fields, ok bool) {
	r := rules(opts)
	obj = &Fields{path: f.label(key, r) + ".", errs: f.errs}
	raw, present := f.lookup(key, r)
	if !present {
		return obj, false
	}
	if len(raw) == 0 || raw[0] != '{' {
		f.Fail(MsgFieldObject, f.label(key, r))
		return obj, false
	}
	obj.split(raw)
	return obj, true
}

// Keys returns the object's keys, in no particular order.
func (f *Fields) Keys() []string {
	if f.members == nil {
		keys := make([]string, 0, len(f.few))
		for _, m := range f.few {
			if k := jsonobj.Key(m.key); !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
		return keys
	}
	keys := make([]string, 0, len(f.members))
	for k := range f.members {
		keys = append(keys, k)
	}
	return keys
}
