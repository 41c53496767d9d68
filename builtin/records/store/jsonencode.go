package store

import (
	"sync"

	"github.com/hops-dev/hops/builtin/internal/fastjson"
)

// appendJSONObject appends a record as a JSON object, through
// fastjson.Encoder (what a decoded request holds written directly, without
// encoding/json's reflection; anything else through encoding/json; strings
// escaped as encoding/json does with HTML escaping off). Two things differ
// from encoding/json on purpose: the record's own members are written with
// the primary key pk first and the others after it sorted bytewise
// (FirstKey: the order a search answer shows them in, so an answer copies
// the text of a record that holds every column whole, and a reader that
// sorts members into columns finds them in the same order record after
// record; nested objects are sorted as encoding/json sorts them, so that
// reads copy them too, see ScanRaw), and nil maps and slices, the record
// included, as {} and [] (NilAsEmpty), so stored records read back as they
// always have. Records stored before with their members in map order read
// the same: no reader depends on the order. An error carries
// encoding/json's own text, which ErrMsgUnencodable shows.
func appendJSONObject(b []byte, rec map[string]any, pk string) ([]byte, error) {
	enc := encoders.Get().(*fastjson.Encoder)
	enc.FirstKey = pk
	b, err := enc.AppendObject(b, rec)
	encoders.Put(enc)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// encoders keeps the records' Encoders, so the member scratch each sorts
// a record's keys in is reused from record to record.
var encoders = sync.Pool{New: func() any { return &fastjson.Encoder{NilAsEmpty: true} }}
