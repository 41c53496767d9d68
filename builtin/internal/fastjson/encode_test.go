package fastjson

import (
	"github.com/hops-dev/hops/builtin/internal/fastjson/jsontest"

	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	cases := append([]string{"tab\tnew\nline\rcr", "\x00\x01\x1f\x7f", "bad \xff utf8 \xc3"}, jsontest.TrickyStrings...)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 3000; i++ {
		cases = append(cases, jsontest.RandomString(rng))
	}
	for _, s := range cases {
		if got, want := string(AppendString(nil, s)), jsontest.StdJSON(t, s); got != want {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
		}
		if got, want := string(AppendString([]byte("x"), s)), "x"+jsontest.StdJSON(t, s); got != want {
			t.Fatalf("AppendString after x (%q) = %s, want %s", s, got, want)
		}
	}
}

func TestAppendStringJSIsJSONStringify(t *testing.T) {
	cases := append([]string(nil), jsontest.TrickyStrings...)
	rng := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 3000; i++ {
		cases = append(cases, jsontest.RandomString(rng))
	}
	for _, s := range cases {
		if got, want := string(AppendStringJS(nil, s)), jsontest.Stringify(s); got != want {
			t.Fatalf("AppendStringJS(%q) = %s, want %s", s, got, want)
		}
	}
}

func TestAppendFloatMatchesEncodingJSON(t *testing.T) {
	cases := append([]float64(nil), jsontest.TrickyFloats...)
	rng := rand.New(rand.NewPCG(5, 6))
	for len(cases) < 5000 {
		if f := math.Float64frombits(rng.Uint64()); !math.IsNaN(f) && !math.IsInf(f, 0) {
			cases = append(cases, f)
		}
	}
	for _, f := range cases {
		if got, want := string(AppendFloat([]byte("x"), f)), "x"+jsontest.StdJSON(t, f); got != want {
			t.Fatalf("AppendFloat(%v) = %s, want %s", f, got, want)
		}
	}
}

func TestAppendValue(t *testing.T) {
	var e Encoder
	for v, want := range map[any]string{nil: "null", true: "true", json.Number("12.50"): "12.50", json.Number(""): "0",
		"a<b": `"a<b"`, 7: "7", int64(-3): "-3", 2.5: "2.5", uint8(3): "3"} {
		if got, err := e.AppendValue([]byte("x"), v); err != nil || string(got) != "x"+want {
			t.Errorf("AppendValue(%#v) = %s, %v; want x%s", v, got, err, want)
		}
	}
	if got, err := e.AppendValue(nil, map[string]any{"b": 1, "a": []any{nil, map[string]any(nil), []any(nil)}}); err != nil ||
		string(got) != `{"a":[null,null,null],"b":1}` {
		t.Errorf("object: %s, %v", got, err)
	}
}

func TestAppendValueNilAsEmpty(t *testing.T) {
	e := Encoder{NilAsEmpty: true}
	v := map[string]any{"m": map[string]any(nil), "s": []any{[]any(nil)}, "n": nil}
	if got, err := e.AppendValue(nil, v); err != nil || string(got) != `{"m":{},"n":null,"s":[[]]}` {
		t.Errorf("NilAsEmpty: %s, %v", got, err)
	}
	if got, err := e.AppendValue(nil, map[string]any(nil)); err != nil || string(got) != `{}` {
		t.Errorf("NilAsEmpty, top level: %s, %v", got, err)
	}
}

func TestAppendValueMatchesEncodingJSON(t *testing.T) {
	cases := jsontest.TrickyValues()
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 5000; i++ {
		cases = append(cases, randomValue(rng, 4))
	}
	var e Encoder
	for _, v := range cases {
		got, err := e.AppendValue(nil, v)
		if want := jsontest.StdJSON(t, v); err != nil || string(got) != want {
			t.Fatalf("AppendValue(%#v) = %s, %v\nencoding/json: %s", v, got, err, want)
		}
	}
}

func TestAppendValueMapOrderDecodesTheSame(t *testing.T) {
	e := Encoder{MapOrder: true}
	rng := rand.New(rand.NewPCG(11, 12))
	for i := 0; i < 2000; i++ {
		v := validKeys(map[string]any{"k": randomValue(rng, 4), "j": randomValue(rng, 2)})
		got, err := e.AppendValue(nil, v)
		if err != nil {
			t.Fatalf("AppendValue(%#v): %v", v, err)
		}
		mine, err := jsontest.StdDecode(got)
		if err != nil {
			t.Fatalf("invalid JSON %s: %v", got, err)
		}
		if theirs, _ := jsontest.StdDecode([]byte(jsontest.StdJSON(t, v))); !reflect.DeepEqual(mine, theirs) {
			t.Fatalf("MapOrder wrote %s, encoding/json %s", got, jsontest.StdJSON(t, v))
		}
	}
}

// TestOuterMapOrderSortsNestedObjects: only the outermost object is in
// map order; every member's value is encoding/json's text for it.
func TestOuterMapOrderSortsNestedObjects(t *testing.T) {
	e := Encoder{OuterMapOrder: true}
	rng := rand.New(rand.NewPCG(13, 14))
	for i := 0; i < 2000; i++ {
		v := validKeys(map[string]any{"k": randomValue(rng, 4), "j": randomValue(rng, 2), "m": map[string]any{"b": 1, "a": []any{map[string]any{"z": nil, "y": true}}}}).(map[string]any)
		got, err := e.AppendObject(nil, v)
		if err != nil {
			t.Fatalf("AppendObject(%#v): %v", v, err)
		}
		var members map[string]json.RawMessage
		if err := json.Unmarshal(got, &members); err != nil || len(members) != len(v) {
			t.Fatalf("invalid object %s: %v", got, err)
		}
		for k, raw := range members {
			if want := jsontest.StdJSON(t, v[k]); string(raw) != want {
				t.Fatalf("member %q: %s, encoding/json %s", k, raw, want)
			}
		}
	}
}

// TestFirstKey: FirstKey writes the outermost object's member of that
// name first and the others sorted after it; nested objects, and objects
// without that member, are sorted as encoding/json sorts them.
func TestFirstKey(t *testing.T) {
	e := Encoder{FirstKey: "id", NilAsEmpty: true}
	cases := []struct {
		v    map[string]any
		want string
	}{
		{map[string]any{"z": 1, "id": 2, "a": map[string]any{"id": 1, "b": 2}}, `{"id":2,"a":{"b":2,"id":1},"z":1}`},
		{map[string]any{"id": 1}, `{"id":1}`},
		{map[string]any{"a": 1, "id": 2}, `{"id":2,"a":1}`},
		{map[string]any{"j": 1, "k": 2, "zz": 3, "id": 4, "__createdtime__": 5, "Z": 6}, `{"id":4,"Z":6,"__createdtime__":5,"j":1,"k":2,"zz":3}`},
		{map[string]any{"b": 1, "a": 2}, `{"a":2,"b":1}`},
		{map[string]any{}, `{}`},
		{nil, `{}`},
	}
	for range 20 { // map order varies from run to run
		for _, c := range cases {
			got, err := e.AppendObject(nil, c.v)
			if err != nil || string(got) != c.want {
				t.Fatalf("AppendObject(%v) = %s, %v; want %s", c.v, got, err, c.want)
			}
		}
	}
	// The order kept from one object is used only for the same keys,
	// with the same FirstKey.
	seq := []struct {
		first string
		v     map[string]any
		want  string
	}{
		{"id", map[string]any{"id": 1, "b": 2}, `{"id":1,"b":2}`},
		{"id", map[string]any{"id": 3, "b": 4}, `{"id":3,"b":4}`},
		{"id", map[string]any{"a": 1, "b": 2}, `{"a":1,"b":2}`},
		{"id", map[string]any{"b": 1, "a": 2}, `{"a":2,"b":1}`},
		{"b", map[string]any{"b": 1, "a": 2}, `{"b":1,"a":2}`},
		{"a", map[string]any{"b": 1, "a": 2}, `{"a":2,"b":1}`},
		{"a", map[string]any{"b": 1, "a": 2, "c": map[string]any{"y": 1, "a": 2}}, `{"a":2,"b":1,"c":{"a":2,"y":1}}`},
		{"a", map[string]any{"b": 1, "a": 2, "c": map[string]any{"y": 1, "a": 2, "b": 3}}, `{"a":2,"b":1,"c":{"a":2,"b":3,"y":1}}`},
		{"a", map[string]any{"b": 1, "x": 2, "c": 3}, `{"b":1,"c":3,"x":2}`},
	}
	e2 := Encoder{}
	for _, c := range seq {
		e2.FirstKey = c.first
		if got, err := e2.AppendObject(nil, c.v); err != nil || string(got) != c.want {
			t.Fatalf("FirstKey %q, AppendObject(%v) = %s, %v; want %s", c.first, c.v, got, err, c.want)
		}
	}
	// An error in a value is the error of the object, whichever way it is
	// written.
	for range 2 {
		if _, err := e2.AppendObject(nil, map[string]any{"b": 1, "x": math.NaN(), "c": 3}); err == nil {
			t.Fatal("NaN encoded")
		}
	}
	e.OuterMapOrder = true // a map order wins over FirstKey
	if got, _ := e.AppendObject(nil, map[string]any{"id": 1}); string(got) != `{"id":1}` {
		t.Fatalf("OuterMapOrder: %s", got)
	}
}

// validKeys returns v with invalid UTF-8 in its keys replaced by U+FFFD:
// keys "\xff" and "\ufffd" both decode to "\ufffd", and which one wins
// then depends on the order they are written in.
func validKeys(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[strings.ToValidUTF8(k, "\ufffd")] = validKeys(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = validKeys(e)
		}
		return s
	}
	return v
}

func TestAppendValueDeepCyclicOrRefused(t *testing.T) {
	var e Encoder
	// Past MaxDirectDepth encoding/json writes the rest, the same text.
	for _, n := range []int{MaxDirectDepth - 1, MaxDirectDepth, MaxDirectDepth + 1, 3 * MaxDirectDepth} {
		v := jsontest.NestedArrays(n, map[string]any{"x": "<\u2028\xff>"})
		if got, err := e.AppendValue(nil, v); err != nil || string(got) != jsontest.StdJSON(t, v) {
			t.Errorf("%d levels: %.80s..., %v", n, got, err)
		}
	}
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	ch := make(chan int)
	for _, c := range []struct{ v, refused any }{
		{cyclic, cyclic}, {math.NaN(), math.NaN()}, {[]any{math.Inf(-1)}, math.Inf(-1)},
		{map[string]any{"n": json.Number("0x10")}, json.Number("0x10")}, {[]any{1, map[string]any{"c": ch}}, ch},
	} {
		got, err := e.AppendValue([]byte("x"), c.v)
		var ee *EncodeError
		if err == nil || !errors.As(err, &ee) || !strings.HasPrefix(string(got), "x") {
			t.Fatalf("AppendValue(%#v) = %s, %v; want what came before and an *EncodeError", c.v, got, err)
		}
		_, want := json.Marshal(c.refused)
		if reflect.TypeOf(ee.Value) != reflect.TypeOf(c.refused) || want == nil || !strings.HasPrefix(err.Error(), strings.SplitN(want.Error(), ":", 2)[0]) {
			t.Errorf("AppendValue(%#v): refused %#v (%v), encoding/json: %v", c.v, ee.Value, err, want)
		}
		if errors.Unwrap(err) != ee.Err {
			t.Errorf("%v does not unwrap to encoding/json's error", err)
		}
	}
	// The encoder still works after an error mid-object, its scratch empty.
	if got, err := e.AppendValue(nil, map[string]any{"b": 1, "a": []any{"x"}}); err != nil || string(got) != `{"a":["x"],"b":1}` {
		t.Errorf("after errors: %s, %v", got, err)
	}
	if len(e.members) != 0 {
		t.Errorf("member scratch left with %d entries", len(e.members))
	}
}

func TestEncoderDropsHugeScratch(t *testing.T) {
	var e Encoder
	wide := map[string]any{}
	for i := 0; i <= maxRetainedMembers; i++ {
		wide[fmt.Sprint(i)] = i
	}
	if _, err := e.AppendValue(nil, wide); err != nil || cap(e.members) > maxRetainedMembers {
		t.Errorf("after a wide object: cap %d, %v", cap(e.members), err)
	}
	big := []string{strings.Repeat("x", maxRetainedFallback)} // only encoding/json writes a []string
	if got, err := e.AppendValue(nil, big); err != nil || len(got) != maxRetainedFallback+4 || e.fb != nil {
		t.Errorf("after a huge fallback value: %d bytes, kept %v, %v", len(got), e.fb != nil, err)
	}
}

func TestAppendObjectIsAppendValue(t *testing.T) {
	var e Encoder
	rng := rand.New(rand.NewPCG(13, 14))
	for i := 0; i < 1000; i++ {
		m := map[string]any{"k": randomValue(rng, 3), "a": randomValue(rng, 2)}
		got, err := e.AppendObject([]byte("x"), m)
		if want := "x" + jsontest.StdJSON(t, m); err != nil || string(got) != want {
			t.Fatalf("AppendObject(%#v) = %s, %v; want %s", m, got, err, want)
		}
	}
	if got, err := e.AppendObject(nil, nil); err != nil || string(got) != "null" {
		t.Errorf("AppendObject(nil) = %s, %v", got, err)
	}
}

func TestAppendValueDoesNotAllocate(t *testing.T) {
	rec := map[string]any{"id": json.Number("12"), "n": json.Number("-1.5e3"), "f": 0.1, "i": 7, "b": true, "z": nil,
		"s": "héllo \"x\"\n", "tags": []any{"a", json.Number("3")}, "addr": map[string]any{"city": "Denver", "zip": "80202"}}
	var e Encoder
	buf := make([]byte, 0, 1024)
	e.AppendValue(buf, rec) // warm the member scratch
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := e.AppendValue(buf[:0], rec); err != nil {
			t.Fatal(err)
		}
		if _, err := e.AppendObject(buf[:0], rec); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per record, want 0", allocs)
	}
}
