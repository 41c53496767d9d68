package export

import (
	"context"
	"testing"

	"github.com/hops-dev/hops/sdk"
)

func TestShutdownStopsARunningExportAndRemovesItsTempFile(t *testing.T) {
	// The search's answer reaches the export once the family has sent
	// its first chunk (plugin.ChunkSize bytes): hold it well after that.
	const heldAt = 50000
	reached := make(chan struct{})
	fake := newFake(100000)
	fake.written = func(ctx context.Context, i int) {
		if i == heldAt {
			close(reached)
			<-ctx.Done() // hold the search open until the export lets go
		}
	}
	f, h := newTestFamily(t, fake, nil)
	dir := t.TempDir()
	id := startJob(t, h, localBody(dir, "csv", "stopped", map[string]any{"operation": "sql", "sql": "SELECT * FROM dev.dogs"}))
	<-reached
	ctx, cancel := context.WithTimeout(context.Background(), jobTimeout)
	defer cancel()
	if err := f.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	// Shutdown waited for the job, so its end is already recorded.
	j, ok := h.Host.Job(id)
	if !ok || j.Status != "ERROR" || j.Message != MsgJobStopped {
		t.Fatalf("job %+v", j)
	}
	if names := dirEntries(t, dir); len(names) != 0 {
		t.Fatalf("a stopped export left %v", names)
	}
	r := h.Super(t, localBody(dir, "csv", "late", map[string]any{"operation": "sql", "sql": "SELECT * FROM dev.dogs"}))
	if r.Status != 503 || r.Error() != MsgShuttingDown {
		t.Fatalf("export after shutdown: %d %s", r.Status, r.Body)
	}
}

func TestExportWithoutAHostIsRefused(t *testing.T) {
	f, err := New()
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"operation":"export_local","format":"json","path":"` + t.TempDir() + `","search_operation":{"operation":"sql","sql":"SELECT 1"}}`)
	_, err = f.exportLocal(context.Background(), &sdk.Request{Operation: OpExportLocal, Body: body})
	if e, ok := sdk.AsError(err); !ok || e.Status != 503 || e.Message != MsgNoHost {
		t.Fatalf("err %v", err)
	}
}

func TestCheckSelect(t *testing.T) {
	cases := map[string]bool{
		"SELECT * FROM dev.dogs":                      true,
		"  select id from dev.dogs":                   true,
		"(SELECT id FROM dev.dogs)":                   true,
		"/* note */ SELECT 1":                         true,
		"-- note\nSELECT 1":                           true,
		"SELEC * FROM dev.dogs":                       true, // the parser's 400
		"":                                            true, // the search's 400
		"DELETE FROM dev.dogs":                        false,
		"  delete from dev.dogs":                      false,
		"/* x */ UPDATE dev.dogs SET a = 1":           false,
		"# c\n\tInsert INTO dev.dogs (id) VALUES (1)": false,
		"((replace into dev.dogs (id) values (1)":     false,
		"/* unterminated DELETE":                      true,
	}
	for sql, ok := range cases {
		err := checkSelect(sql)
		if (err == nil) != ok {
			t.Errorf("%q: err %v, want allowed=%v", sql, err, ok)
		}
		if err != nil && err.Error() != MsgSQLNotSelect {
			t.Errorf("%q: message %q", sql, err)
		}
	}
}
