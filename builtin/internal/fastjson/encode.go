package fastjson

import (
	"bytes"
	"cmp"
	"encoding/json"
	"math"
	"slices"
	"strconv"
)

// MaxDirectDepth is how many levels of nested objects and arrays an
// Encoder writes itself. Records nest a few levels at most; a deeper value
// goes to encoding/json, which notices a cycle (a map holding itself)
// instead of recursing until the stack overflows.
const MaxDirectDepth = 64

// maxRetainedMembers caps the member scratch an Encoder keeps between
// values: one object with a huge number of keys must not pin its scratch
// for as long as the Encoder lives.
const maxRetainedMembers = 1 << 12

// maxRetainedFallback caps the encoding/json buffer an Encoder keeps
// between values, for the same reason: one huge value of a type only
// encoding/json writes must not pin its buffer.
const maxRetainedFallback = 1 << 20

// Encoder appends values as encoding/json writes them with HTML escaping
// off, byte for byte, without its reflection: what a decoded record holds
// (nil, bool, string, json.Number, float64, int, int64, map[string]any,
// []any) directly, anything else (and NaN, ±Inf, an invalid json.Number,
// a value nested deeper than MaxDirectDepth) through encoding/json. The
// zero Encoder is ready to use; it reuses its scratch (the keys of the
// objects being written, encoding/json's buffer) from value to value, so
// one Encoder must not be used by two goroutines at once.
type Encoder struct {
	// MapOrder writes object members in map iteration order instead of
	// sorted by key, which saves the sort when the order does not matter
	// (the records store, whose bytes are only ever decoded again). The
	// output is then valid JSON equal to encoding/json's once decoded,
	// but not byte for byte.
	MapOrder bool
	// OuterMapOrder is MapOrder for the outermost object only: nested
	// objects are sorted, so their text is canonical (see Canonical) and
	// a reader that copies canonical values (a whole-table read of the
	// records store) copies them instead of decoding them. Sorting the few
	// keys of a nested object costs an insert little.
	OuterMapOrder bool
	// FirstKey, when set, writes the outermost object's member of that
	// name first and the others after it sorted (unless a map order is
	// asked for): the records store writes a record's primary key first,
	// the order its answers show the attributes in. The Encoder keeps the
	// last such order it wrote, and writes the next outermost object with
	// the same keys in it without sorting again (records of one table
	// mostly share their keys).
	FirstKey string
	// NilAsEmpty writes a nil map[string]any as {} and a nil []any as []
	// where encoding/json writes null: what the records store has always
	// stored, kept so that a stored record reads back as it always has.
	NilAsEmpty bool

	members []member
	fb      *fallback
	// order is the outermost object's key order FirstKey last made, and
	// orderFirst the FirstKey it was made with.
	order      []string
	orderFirst string
}

// member is one key and value of an object being written.
type member struct {
	key string
	val any
}

// fallback is the encoding/json encoder an Encoder reuses for the values
// it does not write itself, made on first use.
type fallback struct {
	buf bytes.Buffer
	enc *json.Encoder
}

// EncodeError is the error of AppendValue when encoding/json refuses a
// value (NaN, ±Inf, an invalid json.Number, a channel, a cycle). Its text
// is encoding/json's own; Value is the refused value (nested in the one
// given to AppendValue), for callers that name its type.
type EncodeError struct {
	Value any
	Err   error
}

// Error returns encoding/json's message.
func (e *EncodeError) Error() string { return e.Err.Error() }

// Unwrap returns encoding/json's error.
func (e *EncodeError) Unwrap() error { return e.Err }

// AppendValue appends v to dst as encoding/json writes it with HTML
// escaping off. On error (an *EncodeError) it returns dst with what was
// written before the refused value, which callers normally discard.
func (e *Encoder) AppendValue(dst []byte, v any) ([]byte, error) {
	return e.value(dst, v, 0)
}

// AppendObject appends m as AppendValue appends it. A caller holding the
// map uses it to spare the conversion to any, through which the map itself
// (not only its values) would escape to the heap.
func (e *Encoder) AppendObject(dst []byte, m map[string]any) ([]byte, error) {
	return e.object(dst, m, 0)
}

// value appends v, which sits depth objects or arrays deep.
func (e *Encoder) value(b []byte, v any, depth int) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return AppendString(b, x), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case json.Number:
		if x == "" {
			return append(b, '0'), nil // encoding/json's zero Number
		}
		if ValidNumber(string(x)) {
			return append(b, x...), nil
		}
	case float64:
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			return AppendFloat(b, x), nil
		}
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case map[string]any:
		if depth < MaxDirectDepth {
			return e.object(b, x, depth)
		}
	case []any:
		if depth < MaxDirectDepth {
			return e.array(b, x, depth)
		}
	}
	// Other types, NaN, ±Inf (refused), invalid numbers (refused), too deep.
	return e.encoded(b, v)
}

// object appends m with its keys sorted bytewise, as encoding/json does
// (or in map order with MapOrder).
func (e *Encoder) object(b []byte, m map[string]any, depth int) ([]byte, error) {
	if m == nil && !e.NilAsEmpty {
		return append(b, "null"...), nil
	}
	if e.MapOrder || (e.OuterMapOrder && depth == 0) {
		return e.unsortedObject(b, m, depth)
	}
	if depth == 0 && e.FirstKey != "" {
		if b, ok, err := e.lastOrderObject(b, m); ok || err != nil {
			return b, err
		}
	}
	start := len(e.members)
	for k, v := range m {
		e.members = append(e.members, member{k, v})
	}
	// Deeper objects append past these members (or to a new array), so
	// ms stays intact while they are written.
	ms := e.members[start:]
	slices.SortFunc(ms, func(x, y member) int { return cmp.Compare(x.key, y.key) })
	if depth == 0 && e.FirstKey != "" {
		moveFirst(ms, e.FirstKey)
		e.keepOrder(ms)
	}
	b = append(b, '{')
	var err error
	for i, kv := range ms {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, kv.key)
		b = append(b, ':')
		if b, err = e.value(b, kv.val, depth+1); err != nil {
			break
		}
	}
	clear(ms) // drop the references to the record's values
	e.members = e.members[:start]
	if start == 0 && cap(e.members) > maxRetainedMembers {
		e.members = nil // the outermost object is done
	}
	if err != nil {
		return b, err
	}
	return append(b, '}'), nil
}

// lastOrderObject appends m in the key order e.order when m's keys are
// exactly those: ok=false (and b as it was) when they are not.
func (e *Encoder) lastOrderObject(b []byte, m map[string]any) (_ []byte, ok bool, err error) {
	if len(m) == 0 || len(m) != len(e.order) || e.orderFirst != e.FirstKey {
		return b, false, nil
	}
	start := len(b)
	b = append(b, '{')
	for i, k := range e.order {
		v, found := m[k]
		if !found {
			return b[:start], false, nil
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, k)
		b = append(b, ':')
		if b, err = e.value(b, v, 1); err != nil {
			return b, true, err
		}
	}
	return append(b, '}'), true, nil
}

// keepOrder keeps the key order of ms, an outermost object's members in
// FirstKey's order, for lastOrderObject.
func (e *Encoder) keepOrder(ms []member) {
	if len(ms) > maxRetainedMembers {
		e.order = nil
		return
	}
	e.order = e.order[:0]
	for _, m := range ms {
		e.order = append(e.order, m.key)
	}
	e.orderFirst = e.FirstKey
}

// moveFirst moves the member named key of the sorted ms to the front,
// keeping the others in order.
func moveFirst(ms []member, key string) {
	i, found := slices.BinarySearchFunc(ms, key, func(m member, k string) int { return cmp.Compare(m.key, k) })
	if !found || i == 0 {
		return
	}
	first := ms[i]
	copy(ms[1:i+1], ms[:i])
	ms[0] = first
}

// unsortedObject appends m in map iteration order.
func (e *Encoder) unsortedObject(b []byte, m map[string]any, depth int) ([]byte, error) {
	b = append(b, '{')
	first := true
	for k, v := range m {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = AppendString(b, k)
		b = append(b, ':')
		var err error
		if b, err = e.value(b, v, depth+1); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// array appends s.
func (e *Encoder) array(b []byte, s []any, depth int) ([]byte, error) {
	if s == nil && !e.NilAsEmpty {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	for i, v := range s {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = e.value(b, v, depth+1); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

// encoded appends v through encoding/json with HTML escaping off.
func (e *Encoder) encoded(b []byte, v any) ([]byte, error) {
	if e.fb == nil {
		e.fb = &fallback{}
		e.fb.enc = json.NewEncoder(&e.fb.buf)
		e.fb.enc.SetEscapeHTML(false)
	}
	e.fb.buf.Reset()
	if err := e.fb.enc.Encode(v); err != nil {
		return b, &EncodeError{Value: v, Err: err}
	}
	b = append(b, bytes.TrimSuffix(e.fb.buf.Bytes(), []byte("\n"))...)
	if e.fb.buf.Cap() > maxRetainedFallback {
		e.fb = nil
	}
	return b, nil
}
