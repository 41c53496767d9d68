package store

import "github.com/hops-dev/hops/builtin/internal/fastjson"

// appendJSONObject appends a record as a JSON object, through
// fastjson.Encoder (what a decoded request holds written directly, without
// encoding/json's reflection; anything else through encoding/json; strings
// escaped as encoding/json does with HTML escaping off). Two things differ
// from encoding/json on purpose: the record's own members are written in
// map order (OuterMapOrder: key order does not matter in storage, and
// sorting the keys is work an insert need not do; nested objects are
// sorted, so that whole-table reads copy them, see ScanRaw), and nil maps and
// slices, the record included, as {} and [] (NilAsEmpty), so stored
// records read back as they always have. An error carries encoding/json's
// own text, which ErrMsgUnencodable shows.
func appendJSONObject(b []byte, rec map[string]any) ([]byte, error) {
	enc := fastjson.Encoder{OuterMapOrder: true, NilAsEmpty: true}
	b, err := enc.AppendObject(b, rec)
	if err != nil {
		return nil, err
	}
	return b, nil
}
