package store

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
)

// dogs is the insert of the conformance case file (40-records.json).
const dogs = `[{"id": 1, "name": "Penny", "breed": "Mutt", "age": 5, "tags": ["a", "b"], "owner": {"first": "Kyle", "last": "B"}, "good": true},
 {"id": 2, "name": "Harper, Jr.", "breed": "Lab", "age": 3, "good": false},
 {"id": 3, "name": "Alby", "age": null, "weight": 12.5},
 {"id": "str-id", "name": "Str", "age": 7}]`

// dogsTable creates dev.dogs holding the conformance dogs.
func dogsTable(t *testing.T) (*Store, *clock) {
	t.Helper()
	s, clk, _ := newStore(t, Options{})
	mustTable(t, s, "dev", "dogs")
	if _, err := s.Insert("dev", "dogs", records(t, dogs)); err != nil {
		t.Fatal(err)
	}
	return s, clk
}

// count returns describe_table's record_count.
func count(t *testing.T, s *Store, db, table string) int {
	t.Helper()
	info, err := s.DescribeTable(db, table)
	if err != nil {
		t.Fatal(err)
	}
	return info.RecordCount
}

// getOne reads one record by key.
func getOne(t *testing.T, s *Store, key any) map[string]any {
	t.Helper()
	recs := collect(t, func(fn func(map[string]any) error) error {
		return s.Get(context.Background(), "dev", "dogs", []any{key}, fn)
	})
	if len(recs) != 1 {
		t.Fatalf("Get(%v) = %d records", key, len(recs))
	}
	return recs[0]
}

func TestInsert(t *testing.T) {
	s, _, _ := newStore(t, Options{})
	mustTable(t, s, "dev", "dogs")
	in := records(t, dogs)
	res, err := s.Insert("dev", "dogs", in)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"message":"inserted 4 of 4 records","inserted_hashes":[1,2,3,"str-id"],"skipped_hashes":[]}`
	if got := toJSON(t, res); got != want {
		t.Fatalf("insert\n got %s\nwant %s", got, want)
	}
	if _, ok := in[0][CreatedTimeAttr]; ok {
		t.Fatal("Insert modified the caller's record")
	}
	res, err = s.Insert("dev", "dogs", records(t, `[{"id": 1, "name": "dup"}]`))
	if err != nil {
		t.Fatal(err)
	}
	want = `{"message":"inserted 0 of 1 records","inserted_hashes":[],"skipped_hashes":[1]}`
	if got := toJSON(t, res); got != want {
		t.Fatalf("insert existing\n got %s\nwant %s", got, want)
	}
	got := getOne(t, s, 1)
	wantRec := `{"__createdtime__":1700000000000,"__updatedtime__":1700000000000,"age":5,"breed":"Mutt","good":true,"id":1,"name":"Penny","owner":{"first":"Kyle","last":"B"},"tags":["a","b"]}`
	if toJSON(t, got) != wantRec {
		t.Fatalf("stored record\n got %s\nwant %s", toJSON(t, got), wantRec)
	}
	if w := toJSON(t, getOne(t, s, 3)["weight"]); w != "12.5" {
		t.Fatalf("weight came back as %s", w)
	}
	if n := count(t, s, "dev", "dogs"); n != 4 {
		t.Fatalf("record_count = %d", n)
	}
	_, err = s.Insert("dev", "nope", records(t, `[{"id":1}]`))
	wantError(t, err, 404, "Table 'dev.nope' does not exist")
}

func TestInsertGeneratesKeys(t *testing.T) {
	s, _, _ := newStore(t, Options{})
	mustTable(t, s, "dev", "dogs")
	res, err := s.Insert("dev", "dogs", records(t, `[{"name":"a"},{"id":null,"name":"b"},{"id":"","name":"c"}]`))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Inserted) != 3 || res.Message() != "inserted 3 of 3 records" {
		t.Fatalf("result %+v", res)
	}
	for _, k := range res.Inserted {
		id, ok := k.(string)
		if _, err := uuid.Parse(id); !ok || err != nil {
			t.Fatalf("generated key %v is not a UUID string", k)
		}
		if rec := getOne(t, s, id); rec["id"] != id {
			t.Fatalf("record under %s has id %v", id, rec["id"])
		}
	}
}

func TestNumberAndStringKeysDiffer(t *testing.T) {
	s, _, _ := newStore(t, Options{})
	mustTable(t, s, "dev", "dogs")
	res, err := s.Insert("dev", "dogs", records(t, `[{"id":1,"v":"num"},{"id":"1","v":"str"},{"id":1.0,"v":"dup"}]`))
	if err != nil {
		t.Fatal(err)
	}
	if got := toJSON(t, res); got != `{"message":"inserted 2 of 3 records","inserted_hashes":[1,"1"],"skipped_hashes":[1.0]}` {
		t.Fatalf("insert = %s", got)
	}
	if v := getOne(t, s, 1)["v"]; v != "num" {
		t.Fatalf("Get(1).v = %v", v)
	}
	if v := getOne(t, s, "1")["v"]; v != "str" {
		t.Fatalf(`Get("1").v = %v`, v)
	}
	if v := getOne(t, s, float64(1))["v"]; v != "num" {
		t.Fatalf("Get(float64 1).v = %v", v)
	}
}

func TestInvalidKeysAndAttributes(t *testing.T) {
	s, _, _ := newStore(t, Options{})
	mustTable(t, s, "dev", "dogs")
	cases := []struct{ recs, msg string }{
		{`[{"id":1},{"id":{"a":1}}]`, `Invalid hash value: '{"a":1}' is not a valid hash attribute value, check log for more info`},
		{`[{"id":true}]`, "Invalid hash value: 'true' is not a valid hash attribute value, check log for more info"},
		{`[{"id":"null"}]`, "Invalid hash value: 'null' is not a valid hash attribute value, check log for more info"},
		{`[{"id":"undefined"}]`, "Invalid hash value: 'undefined' is not a valid hash attribute value, check log for more info"},
		{`[{"id":1e999}]`, "Invalid hash value: '1e999' is not a valid hash attribute value, check log for more info"},
		{`[{"id":"` + strings.Repeat("k", MaxKeyBytes+1) + `"}]`, "Invalid hash value: primary key values cannot be longer than 1978 bytes"},
		{`[{"id":7},{"id":8,"a/b":1}]`, "Attribute names cannot include backticks or forward slashes"},
	}
	for _, c := range cases {
		_, err := s.Insert("dev", "dogs", records(t, c.recs))
		wantError(t, err, 400, c.msg)
	}
	if n := count(t, s, "dev", "dogs"); n != 0 {
		t.Fatalf("a failed insert wrote %d records", n)
	}
	if attrs, _ := s.Attributes("dev", "dogs"); len(attrs) != 3 {
		t.Fatalf("a failed insert added attributes: %v", attrs)
	}
	if _, err := s.Insert("dev", "dogs", records(t, `[{"id":"`+strings.Repeat("k", MaxKeyBytes)+`"}]`)); err != nil {
		t.Fatalf("a key of MaxKeyBytes: %v", err)
	}
}

func TestUpdate(t *testing.T) {
	s, clk := dogsTable(t)
	clk.set(startMs + 1000)
	res, err := s.Update("dev", "dogs", records(t, `[{"id": 2, "age": 4, "breed": null, "__createdtime__": 5}]`))
	if err != nil {
		t.Fatal(err)
	}
	if got := toJSON(t, res); got != `{"message":"updated 1 of 1 records","update_hashes":[2],"skipped_hashes":[]}` {
		t.Fatalf("update = %s", got)
	}
	rec := getOne(t, s, 2)
	want := `{"__createdtime__":1700000000000,"__updatedtime__":1700000001000,"age":4,"breed":null,"good":false,"id":2,"name":"Harper, Jr."}`
	if got := toJSON(t, rec); got != want {
		t.Fatalf("merged record\n got %s\nwant %s", got, want)
	}
	res, err = s.Update("dev", "dogs", records(t, `[{"id": 99, "name": "x"}]`))
	if err != nil {
		t.Fatal(err)
	}
	if got := toJSON(t, res); got != `{"message":"updated 0 of 1 records","update_hashes":[],"skipped_hashes":[99]}` {
		t.Fatalf("update unknown = %s", got)
	}
	// A record without its key fails the whole call: the first is not written.
	_, err = s.Update("dev", "dogs", records(t, `[{"id": 1, "name": "changed"}, {"name": "nokey"}]`))
	wantError(t, err, 400, "a valid hash attribute must be provided with update record, check log for more info")
	if name := getOne(t, s, 1)["name"]; name != "Penny" {
		t.Fatalf("failed update was partly written: name = %v", name)
	}
	if n := count(t, s, "dev", "dogs"); n != 4 {
		t.Fatalf("record_count = %d", n)
	}
}

func TestUpsert(t *testing.T) {
	s, clk := dogsTable(t)
	clk.set(startMs + 7)
	res, err := s.Upsert("dev", "dogs", records(t, `[{"id": 3, "name": "Alby II"}, {"id": 5, "name": "Rex"}, {"id": 6, "name": "Fido"}, {"id": 5, "name": "again"}]`))
	if err != nil {
		t.Fatal(err)
	}
	// A repeated key merges again, in order (HarperDB 4.7.29: upsert of
	// [{"id":700,"a":1,"b":1},{"id":700,"a":2}] answers "upserted 2 of 2
	// records", upserted_hashes [700,700], and stores a 2, b 1).
	if got := toJSON(t, res); got != `{"message":"upserted 4 of 4 records","upserted_hashes":[3,5,6,5]}` {
		t.Fatalf("upsert = %s", got)
	}
	if got := toJSON(t, getOne(t, s, 3)); got != `{"__createdtime__":1700000000000,"__updatedtime__":1700000000007,"age":null,"id":3,"name":"Alby II","weight":12.5}` {
		t.Fatalf("merged = %s", got)
	}
	if rec := getOne(t, s, 5); rec["name"] != "again" || toJSON(t, rec[CreatedTimeAttr]) != "1700000000007" {
		t.Fatalf("inserted = %v", rec)
	}
	if n := count(t, s, "dev", "dogs"); n != 6 {
		t.Fatalf("record_count = %d", n)
	}
	res, err = s.Upsert("dev", "dogs", records(t, `[{"name":"generated"}]`))
	if err != nil || len(res.Upserted) != 1 || count(t, s, "dev", "dogs") != 7 {
		t.Fatalf("upsert without key: %+v, %v", res, err)
	}
}

func TestDelete(t *testing.T) {
	s, _ := dogsTable(t)
	res, err := s.Delete("dev", "dogs", values(t, `[1, "str-id", 99, "1", {"x":1}]`))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"message":"2 of 5 records successfully deleted","deleted_hashes":[1,"str-id"],"skipped_hashes":[99,"1",{"x":1}]}`
	if got := toJSON(t, res); got != want {
		t.Fatalf("delete\n got %s\nwant %s", got, want)
	}
	if got := ids(t, scanAll(t, s, "dev", "dogs")); got != `[2,3]` {
		t.Fatalf("left: %s", got)
	}
	if n := count(t, s, "dev", "dogs"); n != 2 {
		t.Fatalf("record_count = %d", n)
	}
	_, err = s.Delete("dev", "nope", values(t, `[1]`))
	wantError(t, err, 404, "Table 'dev.nope' does not exist")
}

func TestTableSizeFollowsWrites(t *testing.T) {
	s, _ := dogsTable(t)
	size := func() int64 {
		info, err := s.DescribeTable("dev", "dogs")
		if err != nil {
			t.Fatal(err)
		}
		return info.TableSize
	}
	full := size()
	if _, err := s.Update("dev", "dogs", records(t, `[{"id":1,"notes":"`+strings.Repeat("n", 500)+`"}]`)); err != nil {
		t.Fatal(err)
	}
	if grown := size(); grown < full+500 {
		t.Fatalf("size %d -> %d after adding 500 bytes", full, grown)
	}
	if _, err := s.Delete("dev", "dogs", values(t, `[1,2,3,"str-id"]`)); err != nil {
		t.Fatal(err)
	}
	if empty := size(); empty != 0 {
		t.Fatalf("size of an emptied table = %d", empty)
	}
}

func TestWriteResultMessages(t *testing.T) {
	cases := []struct {
		r    WriteResult
		want string
	}{
		{WriteResult{Op: OpInsert, Total: 2, Inserted: []any{1}, Skipped: []any{2}}, "inserted 1 of 2 records"},
		{WriteResult{Op: OpUpdate, Total: 1, Updated: []any{"a"}}, "updated 1 of 1 records"},
		{WriteResult{Op: OpUpsert, Total: 3, Upserted: []any{1, 2, 3}}, "upserted 3 of 3 records"},
		{WriteResult{Op: OpDelete, Total: 2}, "0 of 2 records successfully deleted"},
	}
	for _, c := range cases {
		if got := c.r.Message(); got != c.want {
			t.Fatalf("Message = %q, want %q", got, c.want)
		}
	}
	for _, c := range []struct {
		deleted, total int
		want           string
	}{{0, 0, "No records found to delete"}, {1, 1, "1 of 1 record successfully deleted"}, {5, 6, "5 of 6 records successfully deleted"}} {
		if got := DeleteBeforeMessage(c.deleted, c.total); got != c.want {
			t.Fatalf("DeleteBeforeMessage(%d, %d) = %q, want %q", c.deleted, c.total, got, c.want)
		}
	}
	if got := fmt.Sprintf(MsgTableCreated, "d", "t"); got != "table 'd.t' successfully created." {
		t.Fatalf("MsgTableCreated = %q", got)
	}
	if got := fmt.Sprintf(MsgDatabaseCreated, "d") + "|" + fmt.Sprintf(MsgDatabaseDropped, "d") + "|" + fmt.Sprintf(MsgTableDropped, "d", "t"); got != "database 'd' successfully created|successfully deleted 'd'|successfully deleted table 'd.t'" {
		t.Fatalf("messages = %q", got)
	}
}

func TestConcurrentWritersKeepCounts(t *testing.T) {
	s, _, _ := newStore(t, Options{})
	mustTable(t, s, "dev", "dogs")
	const writers, perWriter = 8, 50
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				key := w*perWriter + i
				if _, err := s.Insert("dev", "dogs", []map[string]any{{"id": key}, {"id": "shared"}}); err != nil {
					errs <- err
					return
				}
				if i%2 == 1 { // delete every other record again
					if _, err := s.Delete("dev", "dogs", []any{key}); err != nil {
						errs <- err
						return
					}
				}
				if _, err := s.Upsert("dev", "dogs", []map[string]any{{"id": "shared", "by": w}}); err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	want := writers*perWriter/2 + 1
	if n := count(t, s, "dev", "dogs"); n != want {
		t.Fatalf("record_count = %d, want %d", n, want)
	}
	if n := len(scanAll(t, s, "dev", "dogs")); n != want {
		t.Fatalf("scan found %d records, want %d", n, want)
	}
}

// An attribute name over 250 bytes is refused with HarperDB 4.7.29's
// message, and nothing of the write is stored; 250 bytes is accepted.
func TestAttributeNameLength(t *testing.T) {
	s, _, _ := newStore(t, Options{})
	mustTable(t, s, "dev", "t")
	long := strings.Repeat("a", MaxAttributeNameBytes+1)
	_, err := s.Insert("dev", "t", []map[string]any{{"id": 1.0, "ok": 1.0}, {"id": 2.0, long: 1.0}})
	if StatusOf(err) != 400 || err.Error() != "transaction aborted due to attribute name "+long+" being too long. Attribute names cannot be longer than 250 bytes." {
		t.Fatalf("long attribute: %v", err)
	}
	if n := count(t, s, "dev", "t"); n != 0 {
		t.Fatalf("%d records stored by a refused write", n)
	}
	if _, err := s.Insert("dev", "t", []map[string]any{{"id": 3.0, long[1:]: 1.0}}); err != nil {
		t.Fatalf("250 bytes: %v", err)
	}
}
