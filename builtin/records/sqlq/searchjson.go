package sqlq

import (
	"encoding/json"
	"sync"
	"sync/atomic"

	jsonata "github.com/blues/jsonata-go"
)

// SEARCH_JSON(expression, value) evaluates a JSONata expression over a
// value (an attribute holding an object or array, or JSON text), as
// HarperDB does. No match, an invalid expression or an evaluation error is
// NULL.

func init() {
	scalarFuncs["search_json"] = &scalarFunc{min: 2, max: 2, strict: true, call: fnSearchJSON}
}

// jsonataCache keeps compiled expressions: the expression is usually a
// constant, compiled once rather than per row.
var (
	jsonataCache    sync.Map // string -> *jsonata.Expr
	jsonataCacheLen atomic.Int64
)

// jsonataCacheMax bounds the cache; past it expressions compile per use.
const jsonataCacheMax = 1024

func compiledJSONata(text string) (*jsonata.Expr, error) {
	if e, ok := jsonataCache.Load(text); ok {
		return e.(*jsonata.Expr), nil
	}
	e, err := jsonata.Compile(text)
	if err != nil {
		return nil, err
	}
	if jsonataCacheLen.Load() < jsonataCacheMax {
		if _, loaded := jsonataCache.LoadOrStore(text, e); !loaded {
			jsonataCacheLen.Add(1)
		}
	}
	return e, nil
}

func fnSearchJSON(a []any) (out any) {
	defer func() {
		if recover() != nil {
			out = nil // an expression the library cannot evaluate
		}
	}()
	e, err := compiledJSONata(jsString(a[0]))
	if err != nil {
		return nil
	}
	data, ok := plainJSON(a[1])
	if !ok {
		return nil
	}
	v, err := e.Eval(data)
	if err != nil {
		return nil
	}
	norm, ok := plainJSON(v)
	if !ok {
		return nil
	}
	return norm
}

// plainJSON returns v as encoding/json decodes it into an interface
// (float64 numbers, map[string]any, []any); a string holding an object or
// array is decoded.
func plainJSON(v any) (any, bool) {
	if s, isStr := v.(string); isStr {
		var out any
		if json.Unmarshal([]byte(s), &out) == nil {
			switch out.(type) {
			case map[string]any, []any:
				return out, true
			}
		}
		return s, true
	}
	text, err := json.Marshal(v)
	if err != nil {
		return nil, false
	}
	var out any
	if err := json.Unmarshal(text, &out); err != nil {
		return nil, false
	}
	return out, true
}
