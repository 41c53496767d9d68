package sqlq

// cmpOp is a comparison operator.
type cmpOp uint8

const (
	opEq cmpOp = iota
	opNe
	opLt
	opLe
	opGt
	opGe
	opNullSafeEq // <=>: like = but NULL <=> NULL is true and never unknown
)

// cmpCond compares two operands. NULL on either side makes it unknown. A
// number never equals a string, even one holding a number (equalExact): =
// is false and != is true across kinds, while <, <=, >, >= read a quoted
// number as a number and are false across other kinds (there is no order
// to use).
type cmpCond struct {
	op   cmpOp
	l, r operand
}

func (cc cmpCond) test(c *rowCtx) tri {
	a, b := cc.l.eval(c), cc.r.eval(c)
	if cc.op == opNullSafeEq {
		an, bn := a == nil, b == nil
		if an || bn {
			return triOf(an && bn)
		}
		return triOf(equalValues(a, b))
	}
	if a == nil || b == nil {
		return triUnknown
	}
	switch cc.op {
	case opEq:
		return triOf(equalExact(a, b))
	case opNe:
		return triOf(!equalExact(a, b))
	}
	n, ok := compareValues(a, b)
	if !ok {
		return triFalse
	}
	switch cc.op {
	case opLt:
		return triOf(n < 0)
	case opLe:
		return triOf(n <= 0)
	case opGt:
		return triOf(n > 0)
	}
	return triOf(n >= 0)
}

// equalValues reports whether two non-NULL values are the same SQL value.
// Objects and arrays are equal when their JSON text is.
func equalValues(a, b any) bool {
	if n, ok := compareValues(a, b); ok {
		return n == 0
	}
	ka, _ := classify(a)
	kb, _ := classify(b)
	return ka == kindOther && kb == kindOther && jsonText(a) == jsonText(b)
}

// equalExact is = and != of WHERE: equalValues, except that a number and
// a string never equal (id = '1' finds no key 1, as in HarperDB 4.7.29,
// whose = compares a quoted number with a stored number as different
// values, while IN ('1') and the ranges read the quoted number as one).
func equalExact(a, b any) bool {
	ka, _ := classify(a)
	kb, _ := classify(b)
	if ka == kindNumber && kb == kindString || ka == kindString && kb == kindNumber {
		return false
	}
	return equalValues(a, b)
}

// inCond is x IN (list) or x NOT IN (list), with SQL's NULL rules: NULL IN
// (...) is unknown, and a list holding NULL makes a miss unknown too.
type inCond struct {
	x    operand
	list []operand
	not  bool
}

func (in inCond) test(c *rowCtx) tri {
	v := in.x.eval(c)
	if v == nil {
		return triUnknown
	}
	res := triFalse
	for _, item := range in.list {
		w := item.eval(c)
		if w == nil {
			res = triUnknown
			continue
		}
		if equalValues(v, w) {
			res = triTrue
			break
		}
	}
	if in.not {
		return not(res)
	}
	return res
}

// betweenCond is lo <= x AND x <= hi (or its negation) in three-valued
// logic.
type betweenCond struct {
	x, lo, hi operand
	not       bool
}

func (b betweenCond) test(c *rowCtx) tri {
	ge := cmpCond{op: opGe, l: b.x, r: b.lo}
	le := cmpCond{op: opLe, l: b.x, r: b.hi}
	res := andCond{l: ge, r: le}.test(c)
	if b.not {
		return not(res)
	}
	return res
}

// likeCond is x LIKE pattern. pat is set when the pattern is a constant;
// otherwise patOp is evaluated and compiled per row.
type likeCond struct {
	x      operand
	pat    likePattern
	patOp  operand
	escape rune
	not    bool
}

func (l likeCond) test(c *rowCtx) tri {
	v := l.x.eval(c)
	if v == nil {
		return triUnknown
	}
	pat := l.pat
	if l.patOp != nil {
		pv := l.patOp.eval(c)
		if pv == nil {
			return triUnknown
		}
		text, ok := likeText(pv)
		if !ok {
			return triFalse
		}
		pat = compileLike(text, l.escape)
	}
	text, ok := likeText(v)
	res := triOf(ok && pat.match(text))
	if l.not {
		return not(res)
	}
	return res
}

// isKind is the test of an IS expression.
type isKind uint8

const (
	isNull isKind = iota
	isTrue
	isFalse
)

// isCond is x IS [NOT] NULL/TRUE/FALSE; it is never unknown. A missing
// attribute IS NULL.
type isCond struct {
	x    operand
	kind isKind
	not  bool
}

func (ic isCond) test(c *rowCtx) tri {
	v := ic.x.eval(c)
	var res bool
	switch ic.kind {
	case isNull:
		res = v == nil
	case isTrue:
		res = truthCond{x: literal{v: v}}.test(c) == triTrue
	case isFalse:
		res = truthCond{x: literal{v: v}}.test(c) == triFalse
	}
	return triOf(res != ic.not)
}

// regexpCond is x REGEXP pattern (RLIKE too): true when the pattern, a
// JavaScript-style regular expression, matches somewhere in x's text. An
// invalid pattern matches nothing.
type regexpCond struct {
	x, pat operand
	not    bool
}

func (r regexpCond) test(c *rowCtx) tri {
	v, p := r.x.eval(c), r.pat.eval(c)
	if v == nil || p == nil {
		return triUnknown
	}
	re, err := cachedRegexp(jsString(p))
	res := triOf(err == nil && re.MatchString(jsString(v)))
	if r.not {
		return not(res)
	}
	return res
}
