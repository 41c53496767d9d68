package main

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

type logEntry struct {
	Timestamp string   `json:"timestamp"`
	Thread    string   `json:"thread"`
	Level     string   `json:"level"`
	Tags      []string `json:"tags"`
	Message   string   `json:"message"`
}

// read_log reads hops' own log file (text and JSON lines) with HarperDB's
// selectors, for super users only, and answers bad fields 400 with
// HarperDB's words.
func TestReadLog(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			in := startHops(t, "", "logging:\n  format: "+format+"\n")
			read := func(body map[string]any) []logEntry {
				t.Helper()
				body["operation"] = "read_log"
				r := in.admin(t, body)
				if r.Status != http.StatusOK {
					t.Fatalf("read_log %v: %d %s", body, r.Status, r.Raw)
				}
				var es []logEntry
				r.JSON(t, &es)
				return es
			}
			first := read(map[string]any{"limit": 1})
			if len(first) != 1 || !strings.HasPrefix(first[0].Message, "starting hops") || first[0].Thread != "hops" ||
				first[0].Level != "info" || first[0].Tags == nil {
				t.Fatalf("first entry %+v", first)
			}
			if _, err := time.Parse("2006-01-02T15:04:05.000Z", first[0].Timestamp); err != nil {
				t.Fatalf("timestamp %q: %v", first[0].Timestamp, err)
			}
			// A line with a marker: an unknown operation's name, which the
			// host logs.
			marker := "read_log_marker_" + format
			in.admin(t, map[string]any{"operation": marker})
			var newest []logEntry
			deadline := time.Now().Add(10 * time.Second)
			for time.Now().Before(deadline) {
				newest = read(map[string]any{"order": "desc", "limit": 5, "filter": marker})
				if len(newest) > 0 {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if len(newest) == 0 || !strings.Contains(newest[0].Message, marker) {
				t.Fatalf("the marker is not in the log: %+v", newest)
			}
			all := read(map[string]any{"limit": 100000})
			desc := read(map[string]any{"limit": 3, "order": "desc"})
			if len(all) < 3 || len(desc) != 3 {
				t.Fatalf("%d entries, %d desc", len(all), len(desc))
			}
			for _, e := range read(map[string]any{"level": "debug", "limit": 20}) {
				if e.Level != "debug" {
					t.Fatalf("level debug answered %+v", e)
				}
			}
			if es := read(map[string]any{"from": "2099-01-01", "limit": 5}); len(es) != 0 {
				t.Fatalf("entries from the future: %+v", es)
			}
			if es := read(map[string]any{"start": 1, "limit": 1}); len(es) != 1 || es[0].Message != all[1].Message {
				t.Fatalf("start 1: %+v, want %+v", es, all[1])
			}
			for body, want := range map[string]string{
				`{"operation":"read_log","limit":"x"}`:      "'limit' must be a number",
				`{"operation":"read_log","level":"bogus"}`:  "'level' must be one of [notify, fatal, error, warn, info, debug, trace]",
				`{"operation":"read_log","order":"up"}`:     "'order' must be one of [asc, desc]",
				`{"operation":"read_log","from":"someday"}`: "'from' date 'someday' is invalid.",
				`{"operation":"read_log","limit":-1}`:       "'limit' must be greater than or equal to 1",
			} {
				if r := in.admin(t, []byte(body)); r.Status != http.StatusBadRequest || r.Error() != want {
					t.Errorf("%s: %d %s, want 400 %q", body, r.Status, r.Raw, want)
				}
			}
			in.admin(t, map[string]any{"operation": "add_role", "role": "rl", "permission": map[string]any{"super_user": false}})
			in.admin(t, map[string]any{"operation": "add_user", "username": "ru", "password": "Pw#12345", "role": "rl", "active": true})
			if r := in.post(t, "ru", "Pw#12345", map[string]any{"operation": "read_log"}); r.Status != http.StatusForbidden ||
				!strings.Contains(string(r.Raw), "Operation 'readLog' is restricted to 'super_user' roles") {
				t.Fatalf("a non-super user: %d %s", r.Status, r.Raw)
			}
		})
	}
}
