package router

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestOperationNameAnswers: one Unmarshal answers what json.Valid and a
// second decode answered before, input by input.
func TestOperationNameAnswers(t *testing.T) {
	cases := map[string]string{ // body -> operation, or the error's start
		`{"operation":"get_status"}`:                              "get_status",
		" \n{ \"id\": 1, \"operation\" : \"x\" } ":                "x",
		`{"operation":"a\u00e9"}`:                                 "aé",
		`{"operation":"x","operation":"y"}`:                       "y",
		`{"Operation":"get_status"}`:                              "!" + MsgNoOperation,
		`{"OPERATION":"get_status"}`:                              "!" + MsgNoOperation,
		`{"operation":"x","OPERATION":"y"}`:                       "x",
		`{"a":{"operation":"no"},"operation":"x"}`:                "x",
		`{"a":{"operation":"no"}}`:                                "!" + MsgNoOperation,
		`{"a":"}\"{","b":[1,{"c":"]"}],"operation":"x","d":null}`: "x",
		`{"oper\u0061tion":"x"}`:                                  "x",
		`{"operation":"x\"y"}`:                                    "x\"y",
		`{}`:                                                      "!" + MsgNoOperation,
		`{"operation":true}`:                                      "!" + MsgNoOperation,
		`{"operation":""}`:                                        "",
		`{"operation":1}`:                                         "!" + MsgNoOperation,
		`{"operation":null}`:                                      "!" + MsgNoOperation,
		`{"op":"x"}`:                                              "!" + MsgNoOperation,
		`[{"operation":"x"}]`:                                     "!" + MsgNoOperation,
		`"operation"`:                                             "!" + MsgNoOperation,
		`1`:                                                       "!" + MsgNoOperation,
		`{"operation":"x"`:                                        "!Invalid JSON in the request body: unexpected end of JSON input",
		`{"operation":"x"} {}`:                                    "!Invalid JSON in the request body: invalid character '{' after top-level value",
		`[1,]`:                                                    "!Invalid JSON in the request body: invalid character ']'",
		`{'operation':'x'}`:                                       "!Invalid JSON in the request body: invalid character '\\''",
		"   ":                                                     "!" + MsgEmptyBody,
	}
	for body, want := range cases {
		op, err := OperationName([]byte(body))
		got := op
		if err != nil {
			got = "!" + err.Error()
		}
		if !strings.HasPrefix(got, want) || (err == nil) != !strings.HasPrefix(want, "!") {
			t.Errorf("OperationName(%s) = %q, want %q", body, got, want)
		}
	}
}

// FuzzOperationName checks the scanner against encoding/json decoding the
// body into a map (exact keys, the last duplicate wins): the same verdict
// on validity, and the same operation.
func FuzzOperationName(f *testing.F) {
	for _, s := range []string{`{"operation":"get_status"}`, `{"a":{"operation":"x"},"operation":"y"}`,
		`{"Operation":"x"}`, `{"oper\u0061tion":"x\"y"}`, `{"a":"}\"{","operation":[1]}`, `[1]`, `{"operation":"x"`,
		` {"b" : [ {"c":"]"} , 2 ] , "operation" : "z" } `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		op, err := OperationName(body)
		trimmed := bytes.TrimSpace(body)
		var wantOp, wantErr string // wantErr: the start of the error, "" for none
		var m map[string]json.RawMessage
		switch {
		case len(trimmed) == 0:
			wantErr = MsgEmptyBody
		case !json.Valid(trimmed):
			wantErr = "Invalid JSON in the request body"
		case json.Unmarshal(trimmed, &m) != nil || m == nil || trimmed[0] != '{':
			wantErr = MsgNoOperation
		default:
			raw, ok := m["operation"]
			if !ok || len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &wantOp) != nil {
				wantErr = MsgNoOperation
			}
		}
		switch {
		case wantErr == "" && (err != nil || op != wantOp):
			t.Fatalf("OperationName(%q) = %q, %v; want %q", body, op, err, wantOp)
		case wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), wantErr)):
			t.Fatalf("OperationName(%q) = %q, %v; want error %q", body, op, err, wantErr)
		}
	})
}

// BenchmarkOperationName reads the operation of a typical small body.
func BenchmarkOperationName(b *testing.B) {
	body := []byte(`{"operation":"search_by_value","database":"dev","table":"dog","search_attribute":"name","search_value":"Penny*","get_attributes":["*"]}`)
	b.ReportAllocs()
	for b.Loop() {
		if op, err := OperationName(body); err != nil || op != "search_by_value" {
			b.Fatal(op, err)
		}
	}
}

// FuzzTrustedOperationName: on a valid body TrustedOperationName answers
// what OperationName answers; on any body its errors are OperationName's.
func FuzzTrustedOperationName(f *testing.F) {
	for _, s := range []string{`{"operation":"get_status"}`, `{"a":{"operation":"x"},"operation":"y"}`,
		`{"Operation":"x"}`, `{"oper\u0061tion":"x\"y"}`, `{"a":"}\"{","operation":[1]}`, `[1]`, `{"operation":"x"`,
		` {"b" : [ {"c":"]"} , 2 ] , "operation" : "z" } `, `{"operation":"x","operation":"y"}`, `{"operation":""}`,
		`{"operation":"a\u00e9"}`, `{"operation":"x"} {}`, "   ", `{"operation":"abc`, `{"operation":"x",}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		op, err := TrustedOperationName(body)
		wantOp, wantErr := OperationName(body)
		if err != nil && (wantErr == nil || err.Error() != wantErr.Error()) {
			t.Fatalf("TrustedOperationName(%q) error %v, OperationName %q, %v", body, err, wantOp, wantErr)
		}
		if json.Valid(bytes.TrimSpace(body)) && (op != wantOp || (err == nil) != (wantErr == nil)) {
			t.Fatalf("TrustedOperationName(%q) = %q, %v; OperationName %q, %v", body, op, err, wantOp, wantErr)
		}
	})
}

// BenchmarkOperationNameLarge reads the operation of a 4 MiB body, as the
// clustering family's replicated batches are: validated (a client's
// body) and trusted (a builtin family's Dispatch).
func BenchmarkOperationNameLarge(b *testing.B) {
	entry := `{"seq":1,"ts":1795425470050,"node":"a","op":"put","database":"dev","table":"dog","key":"k","record":{"id":"k","name":"Penny","age":7}},`
	body := []byte(`{"operation":"repl_records_apply","origin":"a","entries":[` + strings.Repeat(entry, 4<<20/len(entry)) + `{}]}`)
	for name, read := range map[string]func([]byte) (string, error){"validated": OperationName, "trusted": TrustedOperationName} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if op, err := read(body); err != nil || op != "repl_records_apply" {
					b.Fatal(op, err)
				}
			}
		})
	}
}
