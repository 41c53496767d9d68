// Package jsontest holds the test inputs for this module's JSON codecs
// (builtin/internal/fastjson, the records family's writer and store, the
// export family's value encoder) and the encoding/json references they are
// compared with. It is imported only by _test.go files; it is a plain
// package rather than a _test.go file because Go cannot share test files
// between packages.
//
// # Where to start
//
// [TrickyStrings], [TrickyFloats] and [TrickyNumbers] are the fixed inputs
// JSON writers get wrong; [RandomValue] builds random nested values from
// them, with each caller's own Go number kinds passed as leaves;
// [StdJSON] is what encoding/json writes for a value. [DecodeSeeds] are
// texts, valid and not, for decoders and fuzz tests, and [StdDecode] is
// encoding/json's decoding of one of them. [TrickyValues] puts the fixed
// inputs in objects and arrays, and [Stringify] is JavaScript's
// JSON.stringify of a string. For the writers that copy record text
// (records' whole-table reads, the export encoders): [LoaderRecord] is a
// benchmark record's text, and [Twist] rewrites a text in the ways they
// must notice.
//
// Only the standard library is used: the reference is encoding/json
// itself.
package jsontest
