package jobs

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/hops-dev/hops/sdk"
)

func TestOperationTable(t *testing.T) {
	s, _ := newStore(t)
	ops := s.Operations()
	got := map[string]sdk.Operation{}
	for _, l := range ops {
		if l.Op.Handler == nil || l.Public {
			t.Errorf("%s: handler %v public %v", l.Op.Name, l.Op.Handler != nil, l.Public)
		}
		got[l.Op.Name] = l.Op
	}
	if op := got["get_job"]; op.Access != sdk.AccessAuthenticated {
		t.Errorf("get_job access = %v", op.Access)
	}
	if op := got["search_jobs_by_start_date"]; op.Access != sdk.AccessSuperUser || op.RestrictedName != "handleGetJobsByStartDate" {
		t.Errorf("search_jobs_by_start_date = %+v", op)
	}
	if len(ops) != 2 {
		t.Errorf("%d operations, want 2", len(ops))
	}
}

func TestGetJob(t *testing.T) {
	s, c := newStore(t)
	id, _ := s.Start("records", "delete_records_before", "admin", []byte(`{"operation":"delete_records_before","table":"old"}`))
	plain := sdk.Caller{Username: "plain", Role: "reader"}

	resp, err := call(t, s, "get_job", `{"operation":"get_job","id":"`+id+`"}`, plain)
	if err != nil {
		t.Fatal(err)
	}
	ms := c.now().UnixMilli()
	want := fmt.Sprintf(`[{"id":%q,"type":"delete_records_before","status":"IN_PROGRESS","user":"admin","created_datetime":%d,"start_datetime":%d,"job_body":{"operation":"delete_records_before","table":"old"}}]`, id, ms, ms)
	if got := encode(t, resp); got != want {
		t.Fatalf("running job:\n got %s\nwant %s", got, want)
	}

	c.set(c.now().Add(time.Second))
	if err := s.Finish(id, true, "3 of 3 records successfully deleted", nil); err != nil {
		t.Fatal(err)
	}
	resp, _ = call(t, s, "get_job", `{"operation":"get_job","id":"`+id+`"}`, admin)
	var got []map[string]any
	if err := json.Unmarshal([]byte(encode(t, resp)), &got); err != nil || len(got) != 1 {
		t.Fatalf("finished job answer: %s %v", encode(t, resp), err)
	}
	if got[0]["status"] != "COMPLETE" || got[0]["message"] != "3 of 3 records successfully deleted" ||
		got[0]["end_datetime"] != float64(ms+1000) || got[0]["owner"] != nil || got[0]["result"] != nil {
		t.Fatalf("finished job = %v", got[0])
	}

	resp, err = call(t, s, "get_job", `{"operation":"get_job","id":"00000000-0000-4000-8000-000000000000"}`, admin)
	if err != nil || encode(t, resp) != "null" {
		t.Fatalf("unknown id answered %v %v, want null", resp, err)
	}
}

func TestGetJobErrors(t *testing.T) {
	s, _ := newStore(t)
	cases := []struct{ body, msg string }{
		{`{"operation":"get_job"}`, "'id' is required"},
		{`{"operation":"get_job","id":null}`, "Invalid job ID specified."},
		{`{"operation":"get_job","ID":"x"}`, "'id' is required"},
		{`{"operation":"get_job","id":""}`, "Invalid job ID specified."},
		{`{"operation":"get_job","id":5}`, "'id' must be a string"},
		{`{"operation":"get_job","id":{"a":1}}`, "'id' must be a string"},
		{`{"operation":"get_job","id":["x"]}`, "'id' must be a string"},
		{`[1]`, "request body must be a JSON object"},
	}
	for _, tc := range cases {
		_, err := call(t, s, "get_job", tc.body, admin)
		wantBadRequest(t, err, tc.msg)
	}
}

func TestSearchJobsByStartDate(t *testing.T) {
	s, c := newStore(t)
	at := func(ts string) string {
		tm, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			t.Fatal(err)
		}
		c.set(tm)
		id, err := s.Start("export", "export_local", "admin", []byte(`{"secret_free":true}`))
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	// Started out of order, so the answer's order comes from the index.
	j2 := at("2026-01-02T00:00:00Z")
	j1 := at("2026-01-01T00:00:00Z")
	j3 := at("2026-01-03T10:30:00.250Z")
	c.set(time.Date(2026, 1, 4, 0, 0, 0, 0, time.UTC))
	if err := s.Finish(j3, true, "", []byte(`{"big":"result"}`)); err != nil {
		t.Fatal(err)
	}

	search := func(from, to string) []map[string]any {
		t.Helper()
		resp, err := call(t, s, "search_jobs_by_start_date",
			fmt.Sprintf(`{"operation":"search_jobs_by_start_date","from_date":%s,"to_date":%s}`, from, to), admin)
		if err != nil {
			t.Fatalf("search %s..%s: %v", from, to, err)
		}
		raw := encode(t, resp)
		var rows []map[string]any
		if err := json.Unmarshal([]byte(raw), &rows); err != nil || rows == nil {
			t.Fatalf("search %s..%s answered %s (%v), want an array", from, to, raw, err)
		}
		return rows
	}
	ids := func(rows []map[string]any) []any {
		var out []any
		for _, r := range rows {
			out = append(out, r["id"])
		}
		return out
	}
	eq := func(name string, got []any, want ...string) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: got %v, want %v", name, got, want)
		}
	}
	eq("date-only range", ids(search(`"2025-12-31"`, `"2026-12-31"`)), j1, j2, j3)
	eq("from is inclusive", ids(search(`"2026-01-01"`, `"2026-12-31"`)), j1, j2, j3)
	eq("from one ms later excludes", ids(search(`"2026-01-01T00:00:00.001Z"`, `"2026-12-31"`)), j2, j3)
	eq("to is exclusive", ids(search(`"2025-12-31"`, `"2026-01-02T00:00:00Z"`)), j1)
	eq("to one ms later includes", ids(search(`"2025-12-31"`, `"2026-01-02T00:00:00.001Z"`)), j1, j2)
	eq("ms precision", ids(search(`"2026-01-03T10:30:00.249Z"`, `"2026-01-03T10:30:00.251Z"`)), j3)
	eq("offset form", ids(search(`"2026-01-01T01:00:00+02:00"`, `"2026-01-01T23:00:00-01:00"`)), j1)
	eq("space separator", ids(search(`"2026-01-01 12:00:00Z"`, `"2026-01-03"`)), j2)
	eq("nothing in range", ids(search(`"2000-01-01"`, `"2000-01-02"`)))
	eq("from after to", ids(search(`"2027-01-01"`, `"2020-01-01"`)))

	rows := search(`"2026-01-03"`, `"2026-01-04"`)
	want := map[string]any{
		"id": j3, "type": "export_local", "status": "COMPLETE", "user": "admin",
		"message":                  "Successfully completed job: " + j3,
		"created_datetime":         float64(time.Date(2026, 1, 3, 10, 30, 0, 250e6, time.UTC).UnixMilli()),
		"start_datetime":           float64(time.Date(2026, 1, 3, 10, 30, 0, 250e6, time.UTC).UnixMilli()),
		"end_datetime":             float64(time.Date(2026, 1, 4, 0, 0, 0, 0, time.UTC).UnixMilli()),
		"start_datetime_converted": "2026-01-03T10:30:00.250Z",
		"end_datetime_converted":   "2026-01-04T00:00:00.000Z",
	}
	if fmt.Sprint(rows[0]) != fmt.Sprint(want) {
		t.Errorf("finished row:\n got %v\nwant %v", rows[0], want)
	}
	rows = search(`"2026-01-01T12:00:00Z"`, `"2026-01-02T12:00:00Z"`)
	if _, ok := rows[0]["end_datetime_converted"]; ok || rows[0]["start_datetime_converted"] != "2026-01-02T00:00:00.000Z" {
		t.Errorf("running row = %v", rows[0])
	}
}

func TestSearchJobsByStartDateErrors(t *testing.T) {
	s, _ := newStore(t)
	cases := []struct{ fields, msg string }{
		{`"to_date":"2099-12-31"`, "'from_date' is required"},
		{`"from_date":"2020-01-01"`, "'to_date' is required"},
		{`"from_date":null,"to_date":"2099-12-31"`, MsgBadFromDate},
		{`"From_date":"2020-01-01","to_date":"2099-12-31"`, "'from_date' is required"},
		{`"from_date":"notadate","to_date":"2099-12-31"`, MsgBadFromDate},
		{`"from_date":"","to_date":"2099-12-31"`, MsgBadFromDate},
		{`"from_date":20200101,"to_date":"2099-12-31"`, MsgBadFromDate},
		{`"from_date":true,"to_date":"2099-12-31"`, MsgBadFromDate},
		{`"from_date":"2020-01-01","to_date":"nope"`, MsgBadToDate},
		{`"from_date":"2020-01-01","to_date":1700000000000`, MsgBadToDate},
		{`"from_date":"2020-13-01","to_date":"2099-12-31"`, MsgBadFromDate},
		{`"from_date":"notadate","to_date":"nope"`, MsgBadFromDate},
	}
	for _, tc := range cases {
		_, err := call(t, s, "search_jobs_by_start_date", `{"operation":"search_jobs_by_start_date",`+tc.fields+`}`, admin)
		wantBadRequest(t, err, tc.msg)
	}
	if MsgBadFromDate != "Invalid 'from' date, must be in ISO-8601 format (YYYY-MM-DD)." ||
		MsgBadToDate != "Invalid 'to' date, must be in ISO-8601 format (YYYY-MM-DD)." {
		t.Error("the date messages are part of the contract")
	}
}
