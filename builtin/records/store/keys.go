package store

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"strconv"
)

// A stored primary key is a type byte followed by an order-preserving
// encoding of the value, so the number 1 and the string "1" are different
// records, every number sorts before every string, numbers sort
// numerically and strings bytewise.
const (
	keyTypeNumber byte = 0x01
	keyTypeString byte = 0x02
)

// numberKeyLen is the type byte plus the 8 bytes of a float64.
const numberKeyLen = 1 + 8

// MaxKeyBytes bounds a string primary key. It is the largest key lmdb-js
// (HarperDB's storage) accepts, so a key HarperDB stores fits here too, and
// it keeps index keys far below bbolt's 32 KiB key limit.
const MaxKeyBytes = 1978

// keyKind classifies a primary key value from a record or a request.
type keyKind int

const (
	keyMissing keyKind = iota // absent, null or "": generate one (insert/upsert)
	keyValid                  // a string or a finite number
	keyInvalid                // anything else: a 400
)

// encodeKey returns the stored form of a primary key value. Numbers are
// JSON numbers (json.Number) or any Go integer or float type; every number
// is compared as a float64, as HarperDB (JavaScript) does.
func encodeKey(v any) ([]byte, keyKind, error) {
	return appendKey(nil, v)
}

// appendKey appends the stored form of a primary key value to dst (see
// encodeKey); only a valid key appends anything.
func appendKey(dst []byte, v any) ([]byte, keyKind, error) {
	switch x := v.(type) {
	case nil:
		return dst, keyMissing, nil
	case string:
		return appendStringKey(dst, x)
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return dst, keyInvalid, badRequest(ErrMsgInvalidHash, x)
		}
		return appendNumberKey(dst, f)
	case float64:
		return appendNumberKey(dst, x)
	case float32:
		return appendNumberKey(dst, float64(x))
	case int:
		return appendNumberKey(dst, float64(x))
	case int64:
		return appendNumberKey(dst, float64(x))
	case int32:
		return appendNumberKey(dst, float64(x))
	case uint:
		return appendNumberKey(dst, float64(x))
	case uint64:
		return appendNumberKey(dst, float64(x))
	case uint32:
		return appendNumberKey(dst, float64(x))
	}
	return dst, keyInvalid, badRequest(ErrMsgInvalidHash, jsonText(v))
}

// encodeStringKey encodes a string key; "" counts as missing, and the
// strings "null" and "undefined" are refused as HarperDB refuses them.
func encodeStringKey(s string) ([]byte, keyKind, error) {
	return appendStringKey(nil, s)
}

// appendStringKey is encodeStringKey appending to dst.
func appendStringKey(dst []byte, s string) ([]byte, keyKind, error) {
	switch {
	case s == "":
		return dst, keyMissing, nil
	case s == "null" || s == "undefined":
		return dst, keyInvalid, badRequest(ErrMsgInvalidHash, s)
	case len(s) > MaxKeyBytes:
		return dst, keyInvalid, badRequest(ErrMsgHashTooLong)
	}
	dst = append(dst, keyTypeString)
	return append(dst, s...), keyValid, nil
}

// encodeNumberKey encodes a finite float64 so that bytewise order is
// numeric order: flip every bit of a negative number, only the sign bit of
// a positive one. -0 is stored as 0.
func encodeNumberKey(f float64) ([]byte, keyKind, error) {
	return appendNumberKey(nil, f)
}

// appendNumberKey is encodeNumberKey appending to dst.
func appendNumberKey(dst []byte, f float64) ([]byte, keyKind, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, keyInvalid, badRequest(ErrMsgInvalidHash, f)
	}
	if f == 0 {
		f = 0 // turns -0 into +0
	}
	bits := math.Float64bits(f)
	if bits&(1<<63) != 0 {
		bits = ^bits
	} else {
		bits |= 1 << 63
	}
	dst = append(dst, keyTypeNumber)
	return binary.BigEndian.AppendUint64(dst, bits), keyValid, nil
}

// jsonText renders a value for an error message.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	return string(b)
}
