package exporter

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/hops-dev/hops/builtin/internal/fastjson"
)

// valueEncoder turns one record value into JSON text. Output matches
// JavaScript's JSON.stringify (what HarperDB writes): no HTML escaping,
// numbers in ECMAScript form, NaN and ±Inf as null. What a JSON-decoded
// record holds is appended directly with no allocation: scalars, and
// objects and arrays, which fastjson.Encoder writes byte for byte as
// encoding/json writes them (they went through it before; the output must
// not change): keys sorted bytewise, strings escaped as
// fastjson.AppendString does. Anything else goes through encoding/json.
type valueEncoder struct {
	enc     fastjson.Encoder
	scratch []byte
}

// newValueEncoder returns a valueEncoder with its reusable buffers.
func newValueEncoder() *valueEncoder { return &valueEncoder{} }

// appendJSON appends the JSON text of x to dst.
func (v *valueEncoder) appendJSON(dst []byte, x any) ([]byte, error) {
	// At the top level this family writes what JSON.stringify writes,
	// deliberately unlike encoding/json: strings with invalid UTF-8 and
	// U+2028/2029 raw (AppendStringJS), NaN and ±Inf as null (encoding/json
	// refuses them), and a few more Go number types directly.
	switch t := x.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return appendString(dst, t), nil
	case bool:
		return strconv.AppendBool(dst, t), nil
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return append(dst, "null"...), nil
		}
		return fastjson.AppendFloat(dst, t), nil
	case float32:
		if f := float64(t); math.IsNaN(f) || math.IsInf(f, 0) {
			return append(dst, "null"...), nil
		}
		return fastjson.AppendFloat32(dst, t), nil
	case int:
		return strconv.AppendInt(dst, int64(t), 10), nil
	case int64:
		return strconv.AppendInt(dst, t, 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(t), 10), nil
	case uint64:
		return strconv.AppendUint(dst, t, 10), nil
	case uint32:
		return strconv.AppendUint(dst, uint64(t), 10), nil
	}
	// json.Number (what a json.Decoder with UseNumber yields: the export
	// family decodes dispatched search results so), objects, arrays and
	// anything else, as encoding/json writes them.
	dst, err := v.enc.AppendValue(dst, x)
	if err != nil {
		return dst, wrapEncodeError(err)
	}
	return dst, nil
}

// wrapEncodeError gives err (fastjson's *EncodeError) the text this family
// has always given, naming the refused type. It is apart from the hot path
// because errors.As makes its target escape, an allocation per value.
func wrapEncodeError(err error) error {
	var ee *fastjson.EncodeError
	if errors.As(err, &ee) {
		return fmt.Errorf("encode %T value: %w", ee.Value, ee.Err)
	}
	return err
}

// cell is the CSV text of x: strings as they are, null/missing empty,
// numbers and booleans as in JSON, objects and arrays as their JSON text.
func (v *valueEncoder) cell(x any) (string, error) {
	switch t := x.(type) {
	case nil:
		return "", nil
	case string:
		return t, nil
	case bool:
		if t {
			return "true", nil
		}
		return "false", nil
	case json.Number:
		if validNumber(string(t)) {
			return string(t), nil // the text appendJSON writes, not copied
		}
	}
	b, err := v.appendJSON(v.scratch[:0], x)
	v.scratch = b
	if err != nil {
		return "", err
	}
	switch {
	case string(b) == "null":
		return "", nil
	case len(b) > 0 && b[0] == '"':
		// A type that marshals to a JSON string (time.Time, say): its text.
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return "", fmt.Errorf("decode %T text: %w", x, err)
		}
		return s, nil
	}
	return string(b), nil
}

// appendString appends s as a JSON string the way JSON.stringify writes
// it (fastjson.AppendStringJS): this family's top-level strings.
func appendString(dst []byte, s string) []byte { return fastjson.AppendStringJS(dst, s) }

// validNumber reports whether s is a JSON number, so a json.Number's text
// can be written as it is.
func validNumber(s string) bool { return fastjson.ValidNumber(s) }
