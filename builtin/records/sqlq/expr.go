package sqlq

// rowCtx is what an expression is evaluated against: a record, and in a
// grouped query the group's aggregate results (rec is then the group's
// first record). ORDER BY and HAVING name output columns by compiling to
// the column's own expression, so no output row is needed to sort.
// A join step tests its ON against the rows before as rec and the new
// table's record as ext, without merging them (see joinRow).
type rowCtx struct {
	rec  map[string]any
	aggs []any
	ext  *joinRow
}

// operand yields a value for a row; nil means SQL NULL.
type operand interface {
	eval(c *rowCtx) any
}

// colRef reads an attribute of the record; a missing one is NULL.
type colRef string

func (r colRef) eval(c *rowCtx) any {
	v, ok := c.rec[string(r)]
	if !ok && c.ext != nil {
		return c.ext.get(string(r))
	}
	return v
}

// aggRef reads the i-th aggregate result of the current group.
type aggRef int

func (r aggRef) eval(c *rowCtx) any { return c.aggs[r] }

// literal is a constant: float64, string, bool or nil.
type literal struct{ v any }

func (l literal) eval(*rowCtx) any { return l.v }

// negation is unary minus over a non-constant operand; it is NULL unless
// the operand is a number.
type negation struct{ x operand }

func (n negation) eval(c *rowCtx) any {
	if k, f := classify(n.x.eval(c)); k == kindNumber {
		return -f
	}
	return nil
}

// condValue uses a condition as a value: true, false or NULL (unknown).
type condValue struct{ c cond }

func (v condValue) eval(c *rowCtx) any {
	switch v.c.test(c) {
	case triTrue:
		return true
	case triFalse:
		return false
	}
	return nil
}

// tri is SQL's three-valued logic: a comparison with NULL is unknown, and
// WHERE keeps a row only when its condition is true.
type tri int8

const (
	triFalse tri = iota
	triTrue
	triUnknown
)

func triOf(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}

// cond is a compiled condition.
type cond interface {
	test(c *rowCtx) tri
}

type andCond struct{ l, r cond }

func (a andCond) test(c *rowCtx) tri {
	l := a.l.test(c)
	if l == triFalse {
		return triFalse
	}
	r := a.r.test(c)
	switch {
	case r == triFalse:
		return triFalse
	case l == triTrue && r == triTrue:
		return triTrue
	}
	return triUnknown
}

type orCond struct{ l, r cond }

func (o orCond) test(c *rowCtx) tri {
	l := o.l.test(c)
	if l == triTrue {
		return triTrue
	}
	r := o.r.test(c)
	switch {
	case r == triTrue:
		return triTrue
	case l == triFalse && r == triFalse:
		return triFalse
	}
	return triUnknown
}

type xorCond struct{ l, r cond }

func (x xorCond) test(c *rowCtx) tri {
	l, r := x.l.test(c), x.r.test(c)
	if l == triUnknown || r == triUnknown {
		return triUnknown
	}
	return triOf(l != r)
}

type notCond struct{ x cond }

func (n notCond) test(c *rowCtx) tri { return not(n.x.test(c)) }

func not(t tri) tri {
	switch t {
	case triTrue:
		return triFalse
	case triFalse:
		return triTrue
	}
	return triUnknown
}

// truthCond uses a value as a condition (WHERE flag): NULL is unknown, a
// boolean is itself, a number is true unless 0, anything else is false.
type truthCond struct{ x operand }

func (t truthCond) test(c *rowCtx) tri {
	v := t.x.eval(c)
	k, f := classify(v)
	switch k {
	case kindNull:
		return triUnknown
	case kindBool:
		return triOf(v.(bool))
	case kindNumber:
		return triOf(f != 0)
	}
	return triFalse
}
