package app

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/hops-dev/hops/host/config"
	"github.com/hops-dev/hops/host/supervisor"
)

// The host keeps families.<name>.maxProcs: it becomes GOMAXPROCS in that
// family's environment only, and the family's section never carries it.
func TestMaxProcsStaysWithTheHost(t *testing.T) {
	cfg, err := config.New(config.Options{
		Flags: map[string]any{"rootPath": t.TempDir()},
		Environ: func() []string {
			return []string{"FAMILIES_RECORDS_MAXPROCS=3", "FAMILIES_EXPORT_S3_ENDPOINT=http://minio:9000"}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	specs, err := familySpecs(cfg, Options{Executable: "/bin/hops", BuiltinFamilies: []string{"status", "records", "export"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"status": "GOMAXPROCS=1", "records": "GOMAXPROCS=3", "export": ""}
	for _, sp := range specs {
		var got string
		for _, kv := range sp.Env {
			if strings.HasPrefix(kv, "GOMAXPROCS=") {
				got = kv
			}
		}
		if got != want[sp.Name] {
			t.Errorf("%s env has %q, want %q", sp.Name, got, want[sp.Name])
		}
		var sec map[string]any
		if err := json.Unmarshal(sp.Section, &sec); err != nil {
			t.Fatalf("%s section %s: %v", sp.Name, sp.Section, err)
		}
		if _, ok := sec[maxProcsKey]; ok {
			t.Errorf("%s section carries %s: %s", sp.Name, maxProcsKey, sp.Section)
		}
	}
	exp := specs[slices.IndexFunc(specs, func(s supervisor.Spec) bool { return s.Name == "export" })]
	if string(exp.Section) != `{"s3":{"allowedEndpoints":[],"endpoint":"http://minio:9000"}}` {
		t.Errorf("export section = %s, want its own keys only", exp.Section)
	}
}
