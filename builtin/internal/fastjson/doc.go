// Package fastjson decodes one JSON object into the map[string]any that
// encoding/json builds with Decoder.UseNumber (numbers as json.Number,
// arrays as []any, nested objects as map[string]any), several times faster.
//
// # Where to start
//
// [DecodeObject] is the whole API. The records family's store calls it on
// every stored record it reads back; the export family calls it on every
// element of a search's answer.
//
// # Why not encoding/json
//
// encoding/json's decoder is reflection-based and general: it spends about
// 6-8 µs on a typical 10-field record, and the records and export families
// decode millions of them. This is a plain recursive-descent parser over
// a []byte that knows the one target type, so it allocates little besides
// the maps, strings and json.Numbers themselves. Parsers are pooled
// (sync.Pool, so DecodeObject is safe for concurrent use) with two pieces
// of scratch: stacks that let each map and slice be made with its final
// size, and a bounded cache that hands out one string per repeated key
// (keys.go). About 2 µs instead of 8 for a typical 11-field record
// (BenchmarkDecodeObject against BenchmarkEncodingJSON).
//
// # The contract: accept only what it is sure of
//
// DecodeObject reports ok=false on anything unusual: invalid JSON, a value
// that is not an object, trailing data, invalid UTF-8, a lone surrogate
// \u escape (encoding/json replaces it with U+FFFD), nesting deeper than
// encoding/json allows. The caller then decodes the same bytes with
// encoding/json (UseNumber), which has the last word, and so both paths
// always agree: whenever DecodeObject says ok, encoding/json accepts the
// same bytes and builds a reflect.DeepEqual map. The fuzz test
// FuzzDecodeObject checks exactly that.
package fastjson
