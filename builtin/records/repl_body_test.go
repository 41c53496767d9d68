package records

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/hops-dev/hops/builtin/records/store"
)

// readApplyBody reads what encoding/json reads, or declines: bodies as
// the clustering family writes them, and odd ones (whitespace, escapes,
// members in another order, unknown members, nested records, numbers in
// several forms).
func TestReadApplyBodyMatchesEncodingJSON(t *testing.T) {
	bodies := []string{
		`{"operation":"repl_records_apply","source":"records","origin":"node-a","entries":[]}`,
		`{"operation":"repl_records_apply","source":"records","origin":"node-a","entries":[` +
			`{"seq":1,"ts":1700000000000.125,"node":"node-a","op":"put","database":"db","table":"t","primary_key":"id","key":1,"record":{"id":1,"name":"x","__createdtime__":1700000000000,"__updatedtime__":1700000000000}},` +
			`{"seq":2,"ts":1700000000001,"node":"node-a","op":"delete","database":"db","table":"t","primary_key":"id","key":"k\"q"},` +
			`{"seq":3,"ts":1.7e12,"node":"node-a","op":"create_table","database":"db","table":"u","primary_key":"id","attributes":["id","a b"]},` +
			`{"seq":4,"ts":1700000000002,"node":"n\u00e9","op":"create_attribute","database":"db","table":"u","attribute":"x"},` +
			`{"ts":1700000000003,"seq":5,"op":"put","extra":{"a":[1,2,{"b":null}]},"database":"db","table":"t","primary_key":"id","key":2.5,"record":{"id":2.5,"nested":{"z":[1,"two",{"three":3}]},"s":"a\\b","u":"\u2028"}}]}`,
		`{"entries":[ {"seq":1,"ts":1,"op":"put","database":"db","table":"t","primary_key":"id","key":1,"record":{"id":1}} ],"origin":"x"}`,
		`{"origin":"x","entries":[{"seq":1,"ts":"1","op":"put"},{"seq":-1,"ts":1,"op":"put"},{"seq":1,"ts":1e400,"op":"put"}]}`,
		` {"origin" : "x", "entries" : [] } `,
	}
	for _, body := range bodies {
		origin, entries, ok := readApplyBody([]byte(body))
		var want replApplyBody
		if err := json.Unmarshal([]byte(body), &want); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if !ok {
			continue // declined: encoding/json reads it
		}
		if origin != want.Origin || len(entries) != len(want.Entries) {
			t.Fatalf("%s: origin %q, %d entries; want %q, %d", body, origin, len(entries), want.Origin, len(want.Entries))
		}
		for i, raw := range want.Entries {
			var we store.ReplEntry
			decodeEntry(raw, &we)
			if !sameEntry(entries[i], we) {
				t.Errorf("%s: entry %d\n got %+v\nwant %+v", body, i, entries[i], we)
			}
		}
	}
}

// sameEntry compares the members of two entries, JSON texts by value.
func sameEntry(a, b store.ReplEntry) bool {
	same := func(x, y json.RawMessage) bool {
		if len(x) == 0 || len(y) == 0 {
			return len(x) == len(y)
		}
		var u, v any
		return json.Unmarshal(x, &u) == nil && json.Unmarshal(y, &v) == nil && reflect.DeepEqual(u, v)
	}
	return a.Seq == b.Seq && a.Ts == b.Ts && a.Node == b.Node && a.Op == b.Op && a.Database == b.Database &&
		a.Table == b.Table && a.PrimaryKey == b.PrimaryKey && same(a.Key, b.Key) && same(a.Record, b.Record) &&
		reflect.DeepEqual(a.Attributes, b.Attributes) && a.Attribute == b.Attribute
}

// An entry that is not JSON is unreadable on its own: the others in the
// body are still read (and applied).
func TestReadApplyBodyBadEntry(t *testing.T) {
	body := `{"origin":"x","entries":[{"seq":1,"ts":1,"op":"put"},{"seq":2,"ts":0x10,"op":"put"},{"seq":3,"ts":3,"op":"delete"}]}`
	_, entries, ok := readApplyBody([]byte(body))
	if !ok || len(entries) != 3 || entries[0].Seq != 1 || entries[2].Seq != 3 || entries[2].Op != "delete" {
		t.Fatalf("read %v %+v", ok, entries)
	}
	if op := entries[1].Op; len(op) < 10 || op[:10] != "unreadable" {
		t.Errorf("the bad entry's op is %q, want unreadable: ...", op)
	}
}
