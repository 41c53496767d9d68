package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRequestDuringFamilyStartWaits: hops serves HTTP while its families
// start. A plugin whose process takes seconds to start (a wrapper that
// sleeps, then executes the example plugin) is still starting when
// /health first answers: GET /ready says so (503, "starting"), a request
// for its operation waits and is answered by it, a request for a builtin
// is answered meanwhile, and /ready is 200 once it serves.
func TestRequestDuringFamilyStartWaits(t *testing.T) {
	dir := t.TempDir()
	wrapper := filepath.Join(dir, "slow-example")
	script := fmt.Sprintf("#!/bin/sh\nsleep 3\nexec %s \"$@\"\n", exampleBin)
	if err := os.WriteFile(wrapper, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`plugins:
  - name: example
    path: %s
families:
  example:
    greeting: Howdy
`, wrapper)
	in := prepareHops(t, "", cfg)
	in.launch()
	t.Cleanup(in.stop)
	in.waitUntil(in.healthy, "answer /health")

	st, body := in.getPath(t, "/ready", "", "")
	if st != 503 || !strings.Contains(body, `"example":"starting"`) {
		t.Fatalf("/ready while the plugin starts: %d %s", st, body)
	}
	if r := in.admin(t, map[string]any{"operation": "get_status"}); r.Status != 200 {
		t.Fatalf("a builtin while the plugin starts: %d %s", r.Status, r.Raw)
	}
	r := in.admin(t, map[string]any{"operation": "example_greet", "name": "early"})
	if r.Status != 200 || !strings.Contains(string(r.Raw), "Howdy, early!") {
		t.Fatalf("the plugin's operation asked during its start: %d %s", r.Status, r.Raw)
	}
	if st, body := in.getPath(t, "/ready", "", ""); st != 200 {
		t.Fatalf("/ready once the plugin serves: %d %s", st, body)
	}
}
