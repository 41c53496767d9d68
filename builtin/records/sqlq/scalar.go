package sqlq

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf16"
)

// Values computed by expressions follow alasql (JavaScript) where SQL has
// no answer of its own: + joins text when either side is a string, the
// other operators take numbers (a numeric string counts as its number),
// and a result JavaScript would write as NaN or Infinity is NULL, since
// JSON has neither. Any NULL operand makes the result NULL.

// arith is a binary arithmetic operator over two operands.
type arith struct {
	op   byte // + - * / %
	l, r operand
}

func (a arith) eval(c *rowCtx) any {
	x, y := a.l.eval(c), a.r.eval(c)
	if x == nil || y == nil {
		return nil
	}
	kx, _ := classify(x)
	ky, _ := classify(y)
	if a.op == '+' && (kx == kindString || ky == kindString) {
		return jsString(x) + jsString(y)
	}
	fx, okx := toNumber(x)
	fy, oky := toNumber(y)
	if !okx || !oky {
		return nil
	}
	var r float64
	switch a.op {
	case '+':
		r = fx + fy
	case '-':
		r = fx - fy
	case '*':
		r = fx * fy
	case '/':
		r = fx / fy
	case '%':
		r = math.Mod(fx, fy)
	}
	return finite(r)
}

// finite returns f, or NULL for NaN and ±Inf.
func finite(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return f
}

// toNumber converts v as JavaScript's Number() would for arithmetic: a
// number as is, a boolean as 0 or 1, a string holding a number as that
// number. ok is false otherwise.
func toNumber(v any) (float64, bool) {
	k, f := classify(v)
	switch k {
	case kindNumber:
		return f, true
	case kindBool:
		if v.(bool) {
			return 1, true
		}
		return 0, true
	case kindString:
		return numericString(v.(string))
	}
	return 0, false
}

// numericString parses s as a number the way a quoted number is compared
// with a stored one: blanks around it are ignored, an empty string is not
// a number.
func numericString(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s, "nN_xX") { // no NaN, Inf, 0x1p3 or 1_000
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !isRangeErr(err) {
		return 0, false
	}
	return f, true
}

// jsString writes v as JavaScript's String() does: numbers without a
// needless fraction, objects and arrays as JSON.
func jsString(v any) string {
	k, f := classify(v)
	switch k {
	case kindNull:
		return ""
	case kindString:
		return v.(string)
	case kindBool:
		return strconv.FormatBool(v.(bool))
	case kindNumber:
		return jsNumber(f)
	}
	return jsonText(v)
}

// jsNumber formats f as JavaScript's Number.prototype.toString.
func jsNumber(f float64) string {
	if a := math.Abs(f); a != 0 && (a >= 1e21 || a < 1e-6) {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		return strings.Replace(s, "e+0", "e+", 1)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// caseOp is CASE [base] WHEN ... THEN ... [ELSE ...] END.
type caseOp struct {
	base  operand // nil: searched CASE (WHEN conditions)
	whens []caseArm
	els   operand // nil: NULL
}

type caseArm struct {
	cond  cond    // searched CASE
	match operand // simple CASE: compared with base
	val   operand
}

func (cs caseOp) eval(c *rowCtx) any {
	var b any
	if cs.base != nil {
		b = cs.base.eval(c)
	}
	for _, w := range cs.whens {
		if cs.base != nil {
			m := w.match.eval(c)
			if b != nil && m != nil && equalValues(b, m) {
				return w.val.eval(c)
			}
			continue
		}
		if w.cond.test(c) == triTrue {
			return w.val.eval(c)
		}
	}
	if cs.els != nil {
		return cs.els.eval(c)
	}
	return nil
}

// funcCall is a scalar function applied to its arguments.
type funcCall struct {
	fn   *scalarFunc
	args []operand
}

func (f funcCall) eval(c *rowCtx) any {
	var buf [4]any
	vals := buf[:0]
	for _, a := range f.args {
		vals = append(vals, a.eval(c))
	}
	if f.fn.strict {
		for _, v := range vals {
			if v == nil {
				return nil
			}
		}
	}
	return f.fn.call(vals)
}

// scalarFunc is one function of HarperDB's SQL reference.
type scalarFunc struct {
	min, max int  // argument counts; max -1 for any number
	strict   bool // NULL when any argument is NULL
	volatile bool // a new value every call (RANDOM, NOW): never folded
	call     func(args []any) any
}

// scalarFuncs maps lower-cased names to functions; date and time ones are
// added by datefn.go.
var scalarFuncs = map[string]*scalarFunc{
	// CAST(x AS type), which rewriteSQL turns into CAST(x, 'type'[, size[, precision]]).
	"cast": {min: 2, max: 4, call: fnCast},
	// String functions.
	"concat":      {min: 1, max: -1, call: fnConcat},
	"concat_ws":   {min: 2, max: -1, call: fnConcatWS},
	"len":         {min: 1, max: 1, strict: true, call: fnLen},
	"length":      {min: 1, max: 1, strict: true, call: fnLen},
	"char_length": {min: 1, max: 1, strict: true, call: fnLen},
	"lower":       {min: 1, max: 1, strict: true, call: strFn(strings.ToLower)},
	"lcase":       {min: 1, max: 1, strict: true, call: strFn(strings.ToLower)},
	"upper":       {min: 1, max: 1, strict: true, call: strFn(strings.ToUpper)},
	"ucase":       {min: 1, max: 1, strict: true, call: strFn(strings.ToUpper)},
	"trim":        {min: 1, max: 1, strict: true, call: strFn(strings.TrimSpace)},
	"ltrim":       {min: 1, max: 1, strict: true, call: strFn(func(s string) string { return strings.TrimLeft(s, " \t\n\r\v\f") })},
	"rtrim":       {min: 1, max: 1, strict: true, call: strFn(func(s string) string { return strings.TrimRight(s, " \t\n\r\v\f") })},
	"replace":     {min: 3, max: 3, strict: true, call: fnReplace},
	"substring":   {min: 2, max: 3, strict: true, call: fnSubstring},
	"substr":      {min: 2, max: 3, strict: true, call: fnSubstring},
	"mid":         {min: 2, max: 3, strict: true, call: fnSubstring},
	"left":        {min: 2, max: 2, strict: true, call: fnLeft},
	"right":       {min: 2, max: 2, strict: true, call: fnRight},
	"instr":       {min: 2, max: 2, strict: true, call: fnInstr},
	"regexp_like": {min: 2, max: 3, strict: true, call: fnRegexpLike},
	// Math functions.
	"abs":     {min: 1, max: 1, strict: true, call: mathFn(math.Abs)},
	"ceil":    {min: 1, max: 1, strict: true, call: mathFn(math.Ceil)},
	"ceiling": {min: 1, max: 1, strict: true, call: mathFn(math.Ceil)},
	"floor":   {min: 1, max: 1, strict: true, call: mathFn(math.Floor)},
	"exp":     {min: 1, max: 1, strict: true, call: mathFn(math.Exp)},
	"log":     {min: 1, max: 1, strict: true, call: mathFn(math.Log)},
	"ln":      {min: 1, max: 1, strict: true, call: mathFn(math.Log)},
	"log10":   {min: 1, max: 1, strict: true, call: mathFn(math.Log10)},
	"sqrt":    {min: 1, max: 1, strict: true, call: mathFn(math.Sqrt)},
	"sign":    {min: 1, max: 1, strict: true, call: mathFn(sign)},
	"power":   {min: 2, max: 2, strict: true, call: math2Fn(math.Pow)},
	"pow":     {min: 2, max: 2, strict: true, call: math2Fn(math.Pow)},
	"mod":     {min: 2, max: 2, strict: true, call: math2Fn(math.Mod)},
	"round":   {min: 1, max: 2, strict: true, call: fnRound},
	"trunc":   {min: 1, max: 2, strict: true, call: fnTrunc},
	"random":  {min: 0, max: 1, volatile: true, call: fnRandom},
	// Conditional functions.
	"coalesce": {min: 1, max: -1, call: fnCoalesce},
	"ifnull":   {min: 2, max: 2, call: fnCoalesce},
	"nullif":   {min: 2, max: 2, call: fnNullIf},
	"iif":      {min: 3, max: 3, call: fnIf},
	"if":       {min: 3, max: 3, call: fnIf},
}

func strFn(f func(string) string) func([]any) any {
	return func(a []any) any { return f(jsString(a[0])) }
}

func mathFn(f func(float64) float64) func([]any) any {
	return func(a []any) any {
		x, ok := toNumber(a[0])
		if !ok {
			return nil
		}
		return finite(f(x))
	}
}

func math2Fn(f func(x, y float64) float64) func([]any) any {
	return func(a []any) any {
		x, okx := toNumber(a[0])
		y, oky := toNumber(a[1])
		if !okx || !oky {
			return nil
		}
		return finite(f(x, y))
	}
}

func sign(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// fnConcat joins its arguments as text; a NULL adds nothing (alasql joins
// them as JavaScript's Array.join does).
func fnConcat(a []any) any {
	var b strings.Builder
	for _, v := range a {
		b.WriteString(jsString(v))
	}
	return b.String()
}

// fnConcatWS joins the arguments after the first with the first between
// them, skipping NULLs; a NULL separator makes the result NULL.
func fnConcatWS(a []any) any {
	if a[0] == nil {
		return nil
	}
	parts := make([]string, 0, len(a)-1)
	for _, v := range a[1:] {
		if v != nil {
			parts = append(parts, jsString(v))
		}
	}
	return strings.Join(parts, jsString(a[0]))
}

// utf16Of returns s in UTF-16 code units: JavaScript's lengths and
// positions count those.
func utf16Of(s string) []uint16 { return utf16.Encode([]rune(s)) }

func fnLen(a []any) any { return float64(len(utf16Of(jsString(a[0])))) }

func fnReplace(a []any) any {
	return strings.ReplaceAll(jsString(a[0]), jsString(a[1]), jsString(a[2]))
}

// fnSubstring is SUBSTRING(s, start[, length]) with start counted from 1;
// a start of 0 or below counts from the end as JavaScript's substr does.
func fnSubstring(a []any) any {
	u := utf16Of(jsString(a[0]))
	start, ok := toNumber(a[1])
	if !ok {
		return nil
	}
	// alasql's SUBSTRING(s, a, n) is JavaScript's s.substr(a - 1, n): a
	// start before the first character counts from the end
	// (SUBSTRING('hello', 0, 2) is "o", SUBSTRING('hello', -3, 2) "el").
	from := int(math.Trunc(start)) - 1
	if from < 0 {
		from = max(len(u)+from, 0)
	}
	from = min(from, len(u))
	end := len(u)
	if len(a) == 3 {
		n, ok := toNumber(a[2])
		if !ok {
			return nil
		}
		end = min(from+max(int(math.Trunc(n)), 0), len(u))
	}
	return string(utf16.Decode(u[from:end]))
}

func fnLeft(a []any) any {
	u := utf16Of(jsString(a[0]))
	n, ok := toNumber(a[1])
	if !ok {
		return nil
	}
	return string(utf16.Decode(u[:min(max(int(n), 0), len(u))]))
}

func fnRight(a []any) any {
	u := utf16Of(jsString(a[0]))
	n, ok := toNumber(a[1])
	if !ok {
		return nil
	}
	k := min(max(int(n), 0), len(u))
	return string(utf16.Decode(u[len(u)-k:]))
}

// fnInstr returns the 1-based position of the second string in the first,
// or 0 when it is not there.
func fnInstr(a []any) any {
	s, sub := utf16Of(jsString(a[0])), utf16Of(jsString(a[1]))
	for i := 0; i+len(sub) <= len(s); i++ {
		if equalUnits(s[i:i+len(sub)], sub) {
			return float64(i + 1)
		}
	}
	return float64(0)
}

func equalUnits(a, b []uint16) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// fnRegexpLike is REGEXP_LIKE(s, pattern[, flags]); flags i, m and s as in
// JavaScript. An invalid pattern is NULL.
func fnRegexpLike(a []any) any {
	flags := ""
	if len(a) == 3 {
		flags = jsString(a[2])
	}
	re, err := compileRegexp(jsString(a[1]), flags)
	if err != nil {
		return nil
	}
	return re.MatchString(jsString(a[0]))
}

// compileRegexp compiles a JavaScript-style pattern with its flags.
func compileRegexp(pattern, flags string) (*regexp.Regexp, error) {
	prefix := ""
	for _, f := range flags {
		if strings.ContainsRune("ims", f) && !strings.ContainsRune(prefix, f) {
			prefix += string(f)
		}
	}
	if prefix != "" {
		pattern = "(?" + prefix + ")" + pattern
	}
	return regexp.Compile(pattern)
}

// fnRound is ROUND(x[, digits]), halves rounded up as JavaScript's
// Math.round does (ROUND(-2.5) is -2).
func fnRound(a []any) any {
	return atDigits(a, func(x float64) float64 { return math.Floor(x + 0.5) })
}

// fnTrunc is TRUNC(x[, digits]): x cut toward zero.
func fnTrunc(a []any) any { return atDigits(a, math.Trunc) }

// atDigits applies cut to x = a[0] at a[1] decimal digits (default 0,
// fractional digits truncated): cut(x*10^d)/10^d; NULL when either is not
// a number.
func atDigits(a []any, cut func(float64) float64) any {
	x, ok := toNumber(a[0])
	if !ok {
		return nil
	}
	p := 1.0
	if len(a) == 2 {
		d, ok := toNumber(a[1])
		if !ok {
			return nil
		}
		p = math.Pow(10, math.Trunc(d))
	}
	return finite(cut(x*p) / p)
}

// fnRandom is RANDOM(): a number in [0, 1); RANDOM(n) a whole number in
// [0, n).
func fnRandom(a []any) any {
	if len(a) == 1 && a[0] != nil {
		if n, ok := toNumber(a[0]); ok && n >= 1 && n < 1<<62 {
			return float64(rand.N(int64(n)))
		}
	}
	return rand.Float64()
}

func fnCoalesce(a []any) any {
	for _, v := range a {
		if v != nil {
			return v
		}
	}
	return nil
}

func fnNullIf(a []any) any {
	if a[0] != nil && a[1] != nil && equalValues(a[0], a[1]) {
		return nil
	}
	return a[0]
}

func fnIf(a []any) any {
	if (truthCond{x: literal{v: a[0]}}).test(nil) == triTrue {
		return a[1]
	}
	return a[2]
}

// regexpCache keeps compiled REGEXP patterns: the pattern is usually a
// constant, compiled once rather than per row.
var regexpCache sync.Map // string -> *regexp.Regexp

// regexpCacheMax bounds the cache; past it patterns are compiled per use.
const regexpCacheMax = 1024

var regexpCacheLen atomic.Int64

func cachedRegexp(p string) (*regexp.Regexp, error) {
	if re, ok := regexpCache.Load(p); ok {
		return re.(*regexp.Regexp), nil
	}
	re, err := compileRegexp(p, "")
	if err != nil {
		return nil, err
	}
	if regexpCacheLen.Load() < regexpCacheMax {
		if _, loaded := regexpCache.LoadOrStore(p, re); !loaded {
			regexpCacheLen.Add(1)
		}
	}
	return re, nil
}

// fnCast is CAST(x AS type) as alasql converts (stdfn.CONVERT): INT and
// its kin truncate the number to 32 bits (x | 0: not a number is 0),
// NUMBER, FLOAT, DECIMAL and NUMERIC read a number (with a size, to that
// many significant digits; with a precision, that many decimals),
// STRING and VARCHAR write text (cut to a size), CHAR pads or cuts to its
// size, BOOLEAN is JavaScript's truthiness, JSON parses text; any other
// type leaves x as it is. NULL converts as JavaScript's null does (0 as a
// number, "null" as text, false).
func fnCast(a []any) any {
	v := a[0]
	text := "null"
	if v != nil {
		text = jsString(v)
	}
	typ := strings.ToUpper(jsString(a[1]))
	size, hasSize := -1, len(a) > 2 && a[2] != nil
	if hasSize {
		if n, ok := toNumber(a[2]); ok {
			size = int(n)
		}
	}
	switch typ {
	case "INT", "INTEGER", "SMALLINT", "BIGINT", "SERIAL", "SMALLSERIAL", "BIGSERIAL":
		f, ok := jsNumberOf(v)
		if !ok || math.IsInf(f, 0) {
			return float64(0)
		}
		return float64(int32(uint32(int64(math.Trunc(math.Mod(f, 1<<32))))))
	case "NUMBER", "FLOAT", "DECIMAL", "NUMERIC":
		f, ok := jsNumberOf(v)
		switch {
		case v == nil:
			f = 0
		case !ok:
			return nil // NaN
		}
		if hasSize && size > 0 {
			f, _ = strconv.ParseFloat(strconv.FormatFloat(f, 'g', size, 64), 64)
		}
		if len(a) > 3 && a[3] != nil {
			if p, ok := toNumber(a[3]); ok && p >= 0 {
				f, _ = strconv.ParseFloat(strconv.FormatFloat(f, 'f', int(p), 64), 64)
			}
		}
		return f
	case "STRING", "VARCHAR", "NVARCHAR":
		if hasSize && size >= 0 {
			u := utf16Of(text)
			text = string(utf16.Decode(u[:min(size, len(u))]))
		}
		return text
	case "CHAR", "CHARACTER", "NCHAR":
		if !hasSize || size < 0 {
			return ""
		}
		u := utf16Of(text + strings.Repeat(" ", size))
		return string(utf16.Decode(u[:size]))
	case "BOOLEAN":
		return jsTruthy(v)
	case "JSON":
		text, ok := v.(string)
		if !ok {
			return v
		}
		var out any
		if json.Unmarshal([]byte(text), &out) != nil {
			return nil
		}
		return out
	}
	return v
}

// jsNumberOf is JavaScript's Number(v): numbers as they are, booleans 1
// and 0, text read as a number ("" and blanks are 0); ok is false for NaN.
func jsNumberOf(v any) (float64, bool) {
	if s, ok := v.(string); ok && strings.TrimSpace(s) == "" {
		return 0, true
	}
	return toNumber(v)
}

// jsTruthy is JavaScript's !!v.
func jsTruthy(v any) bool {
	k, f := classify(v)
	switch k {
	case kindNull:
		return false
	case kindBool:
		return v.(bool)
	case kindNumber:
		return f != 0 && !math.IsNaN(f)
	case kindString:
		return v.(string) != ""
	}
	return true
}
