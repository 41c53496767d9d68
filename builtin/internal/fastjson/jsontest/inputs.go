package jsontest

import (
	"encoding/json"
	"math"
)

// TrickyStrings hold what string escaping can get wrong: quotes,
// backslashes, every kind of control character, HTML characters (left
// alone by encoding/json with HTML escaping off), U+2028/2029 (escaped),
// invalid UTF-8 (written as U+FFFD) and a literal U+FFFD (kept).
var TrickyStrings = []string{"", "a", `"`, `\`, `\u2028`, "\b\f\n\r\t\x00\x1f\x7f", "<b>&amp;</b>", "\u2028x\u2029",
	"\xff", "\xc3", "\xed\xa0\x80", "\ufffd", "é✓𝄞", "key with spaces", "Z", "_", "aa", "a\x00"}

// TrickyFloats hold the float64 forms JSON writers get wrong: exponent
// bounds, negative zero, integers beyond 2^53, extremes.
var TrickyFloats = []float64{0, math.Copysign(0, -1), 1, -1.5, 0.1, 1e20, 1e21, 123456789e13, 1e-6, 1e-7,
	9.999999e-7, -1e-7, 1e100, 1e-100, 12345678901234567890, 1 << 53, 1<<53 + 2, math.MaxFloat64,
	math.SmallestNonzeroFloat64, -math.MaxFloat64}

// TrickyNumbers are valid json.Number texts, to be kept digit for digit
// ("" is encoding/json's 0).
var TrickyNumbers = []json.Number{"", "0", "-0", "1.50", "1e400", "-12.5E+3", "123456789012345678901234567890"}

// DecodeSeeds are JSON texts, valid and not, that decoders must read
// exactly as encoding/json does (or refuse), and the fuzz tests' seeds.
// The first five and the eighth are objects encoding/json accepts.
var DecodeSeeds = []string{
	`{}`,
	` { "a" : 1 , "b":[ ] ,"c":{}} `,
	`{"id":1,"n":-0.5e-3,"big":12345678901234567890123,"f":12.5,"z":0,"e":1E+2}`,
	`{"s":"plain","t":true,"f":false,"n":null,"arr":[1,"x",[true,null],{"k":"v"}]}`,
	`{"esc":"q\" b\\ s\/ \b\f\n\r\t","u":"\u00e9\u4e2d\ud83d\ude00","raw":"é中😀"}`,
	`{"lone":"\ud800x"}`,
	`{"bad":"\x"}`,
	`{"dup":1,"dup":2}`,
	`{"a":01}`,
	`{"a":1.}`,
	`{"a":-}`,
	`{"a":tru}`,
	`{"a":1}x`,
	`{"a":"unterminated}`,
	`{"a":[1,]}`,
	`{"a":1,}`,
	"{\"ctl\":\"a\x01b\"}",
	"{\"bad utf8\":\"\xff\"}",
	`[1,2]`,
	`"str"`,
}
