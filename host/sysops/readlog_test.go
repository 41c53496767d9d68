package sysops

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hops-dev/hops/host/logging"
	"github.com/hops-dev/hops/sdk"
)

// HarperDB 4.7.29's answers to bad read_log fields, observed on a running
// instance (request body -> error).
var readLogBadInputs = map[string]string{
	`{"limit":"x"}`:               "'limit' must be a number",
	`{"limit":null}`:              "'limit' must be a number",
	`{"limit":0}`:                 "'limit' must be greater than or equal to 1",
	`{"limit":-1}`:                "'limit' must be greater than or equal to 1",
	`{"start":-1}`:                "'start' must be greater than or equal to 0",
	`{"start":"a"}`:               "'start' must be a number",
	`{"level":"bogus"}`:           "'level' must be one of [notify, fatal, error, warn, info, debug, trace]",
	`{"level":"INFO"}`:            "'level' must be one of [notify, fatal, error, warn, info, debug, trace]",
	`{"level":5}`:                 "'level' must be one of [notify, fatal, error, warn, info, debug, trace]",
	`{"order":"sideways"}`:        "'order' must be one of [asc, desc]",
	`{"order":"DESC"}`:            "'order' must be one of [asc, desc]",
	`{"from":"yesterday"}`:        "'from' date 'yesterday' is invalid.",
	`{"from":"2026-13-45"}`:       "'from' date '2026-13-45' is invalid.",
	`{"from":"2026-02-30"}`:       "'from' date '2026-02-30' is invalid.",
	`{"from":"2026-12-07T25:00"}`: "'from' date '2026-12-07T25:00' is invalid.",
	`{"until":"nope"}`:            "'until' date 'nope' is invalid.",
	`{"to":"nope"}`:               "'to' date 'nope' is invalid.",
	`{"from":12345}`:              "'from' date '12345' is invalid.",
	`{"from":true}`:               "'from' date 'true' is invalid.",
	`{"from":null}`:               "'from' date 'null' is invalid.",
	`{"from":{}}`:                 "'from' date '[object Object]' is invalid.",
	`{"from":[]}`:                 "'from' date '' is invalid.",
	`{"filter":5}`:                "'filter' must be a string",
	`{"filter":""}`:               "'filter' is not allowed to be empty",
	`{"log_name":"foo.log"}`:      "'log_name' 'foo.log' is invalid.",
	`{"log_name":"install.log"}`:  "'log_name' 'install.log' does not exist.",
	`{"limit":"x","level":"bogus","order":"z"}`: "'level' must be one of [notify, fatal, error, warn, info, debug, trace]. " +
		"'order' must be one of [asc, desc]. 'limit' must be a number",
}

func TestReadLogBadInput(t *testing.T) {
	for body, want := range readLogBadInputs {
		_, err := readLogQuery(sdk.ReadFields([]byte(body)))
		se, ok := sdk.AsError(err)
		if !ok || se.Status != http.StatusBadRequest || se.Message != want {
			t.Errorf("%s: %v, want 400 %q", body, err, want)
		}
	}
}

// TestReadLogReplicatedRefused: replicated true (other nodes' entries, in
// HarperDB) is refused naming it rather than answered with this node's
// entries alone; false is this node's log.
func TestReadLogReplicatedRefused(t *testing.T) {
	_, err := readLogQuery(sdk.ReadFields([]byte(`{"replicated":true}`)))
	if se, ok := sdk.AsError(err); !ok || se.Status != http.StatusBadRequest || se.Message != msgReadLogReplicated {
		t.Errorf("replicated true: %v", err)
	}
	if _, err := readLogQuery(sdk.ReadFields([]byte(`{"replicated":false}`))); err != nil {
		t.Errorf("replicated false: %v", err)
	}
}

func TestReadLogFields(t *testing.T) {
	for body, check := range map[string]func(q logging.ReadQuery) bool{
		`{}`:                        func(q logging.ReadQuery) bool { return q.Limit == 0 && q.Start == 0 && !q.Desc },
		`{"limit":"2","start":"1"}`: func(q logging.ReadQuery) bool { return q.Limit == 2 && q.Start == 1 },
		`{"limit":1.5,"start":1.5}`: func(q logging.ReadQuery) bool { return q.Limit == 2 && q.Start == 2 },
		`{"order":"desc","level":"warn","filter":"x"}`: func(q logging.ReadQuery) bool {
			return q.Desc && q.Level == "warn" && q.Filter == "x"
		},
		`{"until":"2026-01-02","to":"2026-01-03"}`: func(q logging.ReadQuery) bool {
			return q.Until.Equal(time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC))
		},
		`{"from":"2026-01-02","until":"2026-01-03","log_name":"hdb.log"}`: func(q logging.ReadQuery) bool {
			return q.From.Equal(time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)) && q.Until.Equal(time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC))
		},
	} {
		q, err := readLogQuery(sdk.ReadFields([]byte(body)))
		if err != nil || !check(q) {
			t.Errorf("%s: %+v, %v", body, q, err)
		}
	}
}

// read_log answers the host's log file, streamed, super users only.
func TestReadLogOperation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hops.log")
	lines := "2026-12-07T02:00:00.000Z [INFO]  hops: started\n2026-12-07T02:00:01.000Z [WARN]  hops.auth: careful\n"
	if err := os.WriteFile(path, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	o := New(Options{LogFile: path})
	var op *sdk.Operation
	for _, l := range o.Operations() {
		if l.Op.Name == "read_log" {
			op = &l.Op
		}
	}
	if op == nil || op.Access != sdk.AccessSuperUser || op.RestrictedName != "readLog" {
		t.Fatalf("read_log operation: %+v", op)
	}
	resp, err := op.Handler(context.Background(), &sdk.Request{Body: []byte(`{"operation":"read_log","order":"desc","limit":1}`)})
	if err != nil || resp.Stream == nil {
		t.Fatalf("read_log: %v, %+v", err, resp)
	}
	var buf bytes.Buffer
	if err := resp.Stream(&buf); err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil || len(got) != 1 || got[0]["message"] != "careful" ||
		got[0]["level"] != "warn" || got[0]["thread"] != "hops.auth" || got[0]["timestamp"] != "2026-12-07T02:00:01.000Z" {
		t.Fatalf("answer %s (%v)", buf.String(), err)
	}
}
