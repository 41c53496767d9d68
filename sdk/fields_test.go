package sdk_test

import (
	"strings"
	"testing"

	"github.com/hops-dev/hops/sdk"
)

// wantErr checks that f.Err() is a 400 with exactly msg ("" for none).
func wantErr(t *testing.T, f *sdk.Fields, msg string) {
	t.Helper()
	err := f.Err()
	if msg == "" {
		if err != nil {
			t.Fatalf("Err() = %v, want none", err)
		}
		return
	}
	e, ok := sdk.AsError(err)
	if !ok || e.Status != 400 || e.Message != msg {
		t.Fatalf("Err() = %v, want 400 %q", err, msg)
	}
}

func TestFieldsExactKeysLastDuplicateWins(t *testing.T) {
	f := sdk.ReadFields([]byte(` {"id":"a","ID":"b","Id":"x","id":"c","n":{"x":[1]}} `))
	if got := f.String("id"); got != "c" {
		t.Errorf("id = %q, want the last exact one, c", got)
	}
	if got := f.String("ID"); got != "b" {
		t.Errorf("ID = %q", got)
	}
	if f.Present("iD") || f.String("iD") != "" {
		t.Error("a key spelled in another case must not be read")
	}
	if raw, ok := f.Raw("n"); !ok || string(raw) != `{"x":[1]}` {
		t.Errorf("Raw(n) = %s %v", raw, ok)
	}
	wantErr(t, f, "")
	// Escaped keys are their decoded text.
	f = sdk.ReadFields([]byte(`{"\u0073ql":"one","sql":"two","s\u0071l":"three"}`))
	if got := f.String("sql"); got != "three" {
		t.Errorf("sql = %q, want three", got)
	}
}

func TestFieldsNullIsAWrongTypeNotMissing(t *testing.T) {
	f := sdk.ReadFields([]byte(`{"s":null,"b":null,"n":null,"i":null,"a":null,"o":null}`))
	if !f.Present("s") {
		t.Error("a null field is present")
	}
	f.String("s", sdk.Required)
	f.Bool("b", sdk.Required)
	f.Number("n")
	f.Int("i")
	f.Strings("a")
	f.Object("o")
	wantErr(t, f, "'s' must be a string. 'b' must be a boolean. 'n' must be a number. 'i' must be a number. "+
		"'a' must be an array. 'o' must be of type object")
}

func TestFieldsCollectEveryFailureInReadOrder(t *testing.T) {
	f := sdk.ReadFields([]byte(`{"a":5,"c":"","d":"x","e":"toolong","f":1.5}`))
	f.String("a")
	f.String("b", sdk.Required)
	f.String("c")
	f.String("d", sdk.OneOf("p", "q"))
	f.String("e", sdk.MaxLength(3))
	f.Int("f")
	wantErr(t, f, "'a' must be a string. 'b' is required. 'c' is not allowed to be empty. "+
		"'d' must be one of [p, q]. 'e' length must be less than or equal to 3 characters long. 'f' must be an integer")
}

func TestFieldsString(t *testing.T) {
	f := sdk.ReadFields([]byte(`{"e":"","u":"h\u00e9","k":"ké","id":3,"empty":""}`))
	if got := f.String("e", sdk.AllowEmpty); got != "" {
		t.Errorf("e = %q", got)
	}
	if got := f.String("u"); got != "hé" {
		t.Errorf("escaped = %q", got)
	}
	if got := f.String("k", sdk.MaxLength(2)); got != "ké" {
		t.Errorf("MaxLength counts characters: %q", got)
	}
	if got := f.String("missing"); got != "" {
		t.Errorf("absent = %q", got)
	}
	wantErr(t, f, "")
	// HarperDB's two messages for a value of the wrong type under OneOf.
	f.String("id", sdk.OneOf("primary", "maintenance"))
	wantErr(t, f, "'id' must be one of [primary, maintenance]. 'id' must be a string")
	g := sdk.ReadFields([]byte(`{"id":""}`))
	g.String("id", sdk.OneOf("primary"))
	wantErr(t, g, "'id' must be one of [primary]. 'id' is not allowed to be empty")
}

func TestFieldsBoolNumberInt(t *testing.T) {
	f := sdk.ReadFields([]byte(`{"t":true,"f":false,"s":"true","n":-2.5e1,"i":7,"big":9007199254740993,"ns":"5"}`))
	if b, ok := f.Bool("t"); !b || !ok {
		t.Error("t")
	}
	if b, ok := f.Bool("f"); b || !ok {
		t.Error("f")
	}
	if _, ok := f.Bool("absent"); ok {
		t.Error("absent bool is not ok")
	}
	if n, ok := f.Number("n"); !ok || n != -25 {
		t.Errorf("n = %v %v", n, ok)
	}
	if i, ok := f.Int("i", sdk.Required); !ok || i != 7 {
		t.Errorf("i = %v %v", i, ok)
	}
	wantErr(t, f, "")
	f.Bool("s")
	f.Int("big")
	f.Number("ns")
	f.Int("gone", sdk.Required)
	wantErr(t, f, "'s' must be a boolean. 'big' must be an integer. 'ns' must be a number. 'gone' is required")
}

func TestFieldsStrings(t *testing.T) {
	f := sdk.ReadFields([]byte(`{"a":["x","y"],"e":[],"s":"x","m":["x",1]}`))
	if ss, ok := f.Strings("a"); !ok || strings.Join(ss, ",") != "x,y" {
		t.Errorf("a = %v %v", ss, ok)
	}
	if ss, ok := f.Strings("e"); !ok || ss == nil || len(ss) != 0 {
		t.Errorf("e = %#v %v", ss, ok)
	}
	f.Strings("s")
	f.Strings("m")
	f.Strings("none", sdk.Required)
	wantErr(t, f, "'s' must be an array. 'm' must be an array of strings. 'none' is required")
}

func TestFieldsObjectReadsNestedFieldsTheSameWay(t *testing.T) {
	f := sdk.ReadFields([]byte(`{"s3":{"bucket":"a","Bucket":"b","bucket":"c","key":null},"x":[1],"name":5}`))
	s3, ok := f.Object("s3", sdk.Required)
	if !ok {
		t.Fatal("s3 is an object")
	}
	if got := s3.String("bucket"); got != "c" {
		t.Errorf("s3.bucket = %q, want the last exact one", got)
	}
	s3.String("key")
	s3.String("region", sdk.Required)
	x, ok := f.Object("x")
	if ok || x.String("y") != "" {
		t.Error("an array is not an object, and its reader is empty")
	}
	f.String("name")
	// The nested reader shares its parent's failures, named by path.
	wantErr(t, s3, "'s3.key' must be a string. 's3.region' is required. 'x' must be of type object. 'name' must be a string")
	wantErr(t, f, "'s3.key' must be a string. 's3.region' is required. 'x' must be of type object. 'name' must be a string")
	if got := s3.Name("bucket"); got != "s3.bucket" {
		t.Errorf("Name = %q", got)
	}
	_, ok = f.Object("absent", sdk.Required)
	if ok {
		t.Error("absent object")
	}
}

func TestFieldsFirstOfAndFail(t *testing.T) {
	f := sdk.ReadFields([]byte(`{"schema":"dev","hash_values":null}`))
	if got := f.FirstOf("database", "schema"); got != "schema" {
		t.Errorf("FirstOf = %q", got)
	}
	if got := f.FirstOf("table", "name"); got != "table" {
		t.Errorf("FirstOf of none = %q, want the first alias", got)
	}
	// null counts as present: the null alias is the one read (and refused).
	if got := f.FirstOf("ids", "hash_values"); got != "hash_values" {
		t.Errorf("FirstOf null = %q", got)
	}
	f.Fail("%s is odd", "this")
	f.String("table", sdk.Required)
	wantErr(t, f, "this is odd. 'table' is required")
}

func TestFieldsBodyNotAnObject(t *testing.T) {
	for _, body := range []string{``, `null`, `[{"a":1}]`, `"x"`, `{"a":1`, `{"a":1}x`, `  `} {
		f := sdk.ReadFields([]byte(body))
		f.String("a", sdk.Required)
		f.Fail("ignored")
		wantErr(t, f, sdk.MsgBodyNotObject)
	}
	f := sdk.ReadFields([]byte(`{}`))
	if f.Present("a") || len(f.Keys()) != 0 {
		t.Error("{} has no fields")
	}
	wantErr(t, f, "")
}
