// Package fastjson decodes one JSON object into the map[string]any that
// encoding/json builds with Decoder.UseNumber (numbers as json.Number,
// arrays as []any, nested objects as map[string]any), several times
// faster, and writes such values back byte for byte as encoding/json
// writes them with HTML escaping off, without its reflection.
//
// # Where to start
//
// [DecodeObject] is the decoder. The records family's store calls it on
// every stored record it reads back.
//
// [Encoder.AppendValue] is the encoder (encode.go), with its pieces
// [AppendString], [AppendFloat] and [ValidNumber]; [AppendStringJS] is
// the JSON.stringify form the records family writes an export file's
// top-level strings in. The records family's answers, export files and
// its store's records are all written with them; raw.go's [Slots] lets
// the records family copy the values of a stored record that are
// already in the answer's form. Each caller
// keeps its own deliberate differences from encoding/json (a top-level
// json.Number unchecked, NaN as null) in its own code; the Encoder's
// options are the ones a walk over nested values needs (MapOrder,
// NilAsEmpty, FirstKey). The tests compare every piece with
// encoding/json on fixed tricky inputs and thousands of random ones.
//
// # Why not encoding/json
//
// encoding/json's decoder is reflection-based and general, and the records
// family decodes millions of records. This is a plain recursive-descent parser over
// a []byte that knows the one target type, so it allocates little besides
// the maps, strings and json.Numbers themselves. Parsers are pooled
// (sync.Pool, so DecodeObject is safe for concurrent use) with two pieces
// of scratch: stacks that let each map and slice be made with its final
// size, and a bounded cache that hands out one string per repeated key
// (keys.go). BenchmarkDecodeObject measures it against
// BenchmarkEncodingJSON (figures in docs/benchmarks.md). The Encoder is
// here for the same reason: it appends a decoded record's values with a
// type switch and no allocation, where encoding/json reflects on each.
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
