package system

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hops-dev/hops/sdk/sdktest"
)

// chattyBytes is how much the fake npm prints for "chatty": more than
// maxNpmOutput, so the cap shows (the script below prints this many).
const chattyBytes = 2000000

// fakeNpm is an npm that logs its folder and arguments to $FAKE_NPM_LOG
// and behaves by the folder's name: "broken" fails, "chatty" floods
// stdout, "slow" hangs in a child, anything else reports JSON.
const fakeNpm = `#!/bin/sh
echo "$(basename "$PWD") $*" >> "$FAKE_NPM_LOG"
case "$(basename "$PWD")" in
broken) echo "not json output"; echo "npm ERR! code E404" >&2; exit 3 ;;
chatty) head -c 2000000 /dev/zero | tr '\0' 'x'; exit 0 ;;
slow) sleep 300 & wait ;;
*) echo '{"added":1,"audited":2}' ;;
esac
`

// modulesSetup makes a components root with the given projects (each with a
// package.json) and, when withNpm, puts the fake npm first on PATH. It
// returns the harness and the npm log path.
func modulesSetup(t *testing.T, withNpm bool, projects ...string) (*sdktest.Harness, string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fake npm is a shell script")
	}
	root := t.TempDir()
	comps := filepath.Join(root, defaultComponentsDir)
	for _, p := range projects {
		if err := os.MkdirAll(filepath.Join(comps, p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(comps, p, "package.json"), []byte(`{"name":"`+p+`"}`), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(root, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if withNpm {
		if err := os.WriteFile(filepath.Join(bin, "npm"), []byte(fakeNpm), 0o755); err != nil {
			t.Fatal(err)
		}
		t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	} else {
		t.Setenv("PATH", bin)
	}
	log := filepath.Join(root, "npm.log")
	t.Setenv("FAKE_NPM_LOG", log)
	_, h := newHarness(t, sdktest.Options{RootPath: root})
	return h, log
}

// npmLog returns the fake npm's log lines ("<project> <args>").
func npmLog(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

type npmEntry struct {
	NpmOutput json.RawMessage `json:"npm_output"`
	NpmError  json.RawMessage `json:"npm_error"`
	DryRun    bool            `json:"dry_run"`
	ExitCode  int             `json:"exit_code"`
}

func TestInstallNodeModulesValidation(t *testing.T) {
	h, log := modulesSetup(t, true, "good", "warning")
	comps := filepath.Join(h.RootPath, defaultComponentsDir)
	if err := os.MkdirAll(filepath.Join(comps, "nopkg"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(comps, "plainfile"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		body map[string]any
		want string
	}{
		"missing":          {map[string]any{}, MsgProjectsRequired},
		"null":             {map[string]any{"projects": nil}, MsgProjectsNotArray},
		"cased key":        {map[string]any{"Projects": []string{"good"}}, MsgProjectsRequired},
		"string":           {map[string]any{"projects": "good"}, MsgProjectsNotArray},
		"object":           {map[string]any{"projects": map[string]any{"good": true}}, MsgProjectsNotArray},
		"empty":            {map[string]any{"projects": []string{}}, MsgProjectsEmpty},
		"number item":      {map[string]any{"projects": []any{1}}, fmt.Sprintf(MsgProjectNotString, 0)},
		"null item":        {map[string]any{"projects": []any{"good", nil}}, fmt.Sprintf(MsgProjectNotString, 1)},
		"empty item":       {map[string]any{"projects": []string{""}}, fmt.Sprintf(MsgProjectEmptyName, 0)},
		"dotdot":           {map[string]any{"projects": []string{".."}}, fmt.Sprintf(MsgProjectNotAName, "..")},
		"dot":              {map[string]any{"projects": []string{"."}}, fmt.Sprintf(MsgProjectNotAName, ".")},
		"escape":           {map[string]any{"projects": []string{"../bin"}}, fmt.Sprintf(MsgProjectNotAName, "../bin")},
		"absolute":         {map[string]any{"projects": []string{"/etc"}}, fmt.Sprintf(MsgProjectNotAName, "/etc")},
		"nested":           {map[string]any{"projects": []string{"good/sub"}}, fmt.Sprintf(MsgProjectNotAName, "good/sub")},
		"backslash":        {map[string]any{"projects": []string{`..\x`}}, fmt.Sprintf(MsgProjectNotAName, `..\x`)},
		"unknown":          {map[string]any{"projects": []string{"good", "nosuch"}}, fmt.Sprintf(MsgProjectNotFound, "nosuch")},
		"a file":           {map[string]any{"projects": []string{"plainfile"}}, fmt.Sprintf(MsgProjectNotFound, "plainfile")},
		"no package.json":  {map[string]any{"projects": []string{"good", "nopkg"}}, fmt.Sprintf(MsgProjectNoPackage, "nopkg")},
		"reserved name":    {map[string]any{"projects": []string{"warning"}}, fmt.Sprintf(MsgProjectReserved, "warning")},
		"dry_run a string": {map[string]any{"projects": []string{"good"}, "dry_run": "true"}, "'dry_run' must be a boolean"},
		"dryRun a number":  {map[string]any{"projects": []string{"good"}, "dryRun": 1}, "'dryRun' must be a boolean"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			c.body["operation"] = "install_node_modules"
			r := h.Super(t, c.body)
			if r.Status != http.StatusBadRequest || r.Error() != c.want {
				t.Fatalf("%d %s, want 400 %q", r.Status, r.Body, c.want)
			}
		})
	}
	if lines := npmLog(t, log); len(lines) != 0 {
		t.Fatalf("npm ran for refused requests: %v", lines)
	}
}

func TestInstallNodeModulesRunsNpm(t *testing.T) {
	h, log := modulesSetup(t, true, "web", "broken", "api")
	r := h.Super(t, map[string]any{"operation": "install_node_modules", "projects": []string{"web", "broken", "web", "api"}})
	if r.Status != http.StatusOK {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if keys := topKeys(t, r.Body); !slices.Equal(keys, []string{"web", "broken", "api", "warning"}) {
		t.Errorf("keys = %v, want the projects in request order, once each, then warning", keys)
	}
	var got map[string]json.RawMessage
	r.JSON(t, &got)
	var warning string
	_ = json.Unmarshal(got["warning"], &warning)
	if warning != MsgDeprecated {
		t.Errorf("warning = %q", warning)
	}
	entry := func(name string) npmEntry {
		var e npmEntry
		if err := json.Unmarshal(got[name], &e); err != nil {
			t.Fatalf("%s: %s: %v", name, got[name], err)
		}
		return e
	}
	web := entry("web")
	if string(web.NpmOutput) != `{"added":1,"audited":2}` || string(web.NpmError) != "null" || web.ExitCode != 0 || web.DryRun {
		t.Errorf("web = %s, want npm's JSON report, no error, exit 0", got["web"])
	}
	broken := entry("broken")
	if string(broken.NpmOutput) != `"not json output"` || string(broken.NpmError) != `"npm ERR! code E404"` || broken.ExitCode != 3 {
		t.Errorf("broken = %s, want its text output, stderr as npm_error, exit 3", got["broken"])
	}
	want := []string{"web install --force --omit=dev --json", "broken install --force --omit=dev --json", "api install --force --omit=dev --json"}
	if lines := npmLog(t, log); !slices.Equal(lines, want) {
		t.Errorf("npm calls = %q, want %q", lines, want)
	}
}

func TestInstallNodeModulesDryRun(t *testing.T) {
	for _, field := range []string{"dry_run", "dryRun"} {
		t.Run(field, func(t *testing.T) {
			h, log := modulesSetup(t, true, "web")
			r := h.Super(t, map[string]any{"operation": "install_node_modules", "projects": []string{"web"}, field: true})
			var got map[string]json.RawMessage
			r.JSON(t, &got)
			var web npmEntry
			if err := json.Unmarshal(got["web"], &web); err != nil || r.Status != http.StatusOK || !web.DryRun || web.ExitCode != 0 {
				t.Fatalf("%d %s, want dry_run true", r.Status, r.Body)
			}
			if lines := npmLog(t, log); !slices.Equal(lines, []string{"web install --force --omit=dev --json --dry-run"}) {
				t.Errorf("npm calls = %q, want one with --dry-run", lines)
			}
		})
	}
}

func TestInstallNodeModulesCapsOutput(t *testing.T) {
	h, _ := modulesSetup(t, true, "chatty")
	r := h.Super(t, map[string]any{"operation": "install_node_modules", "projects": []string{"chatty"}})
	var all map[string]json.RawMessage
	var chatty struct {
		NpmOutput string `json:"npm_output"`
		ExitCode  int    `json:"exit_code"`
	}
	if err := json.Unmarshal(r.Body, &all); err != nil {
		t.Fatalf("status %d, %d bytes: %v", r.Status, len(r.Body), err)
	}
	if err := json.Unmarshal(all["chatty"], &chatty); err != nil {
		t.Fatalf("chatty entry: %v", err)
	}
	out := chatty.NpmOutput
	note := fmt.Sprintf("\n[%d more bytes of output dropped]", chattyBytes-maxNpmOutput)
	if r.Status != http.StatusOK || chatty.ExitCode != 0 || out != strings.Repeat("x", maxNpmOutput)+note {
		t.Fatalf("%d, output of %d bytes ending %q, want %d bytes kept and %q", r.Status, len(out), out[max(0, len(out)-60):], maxNpmOutput, note)
	}
}

func TestInstallNodeModulesWithoutNpm(t *testing.T) {
	h, _ := modulesSetup(t, false, "web", "api")
	r := h.Super(t, map[string]any{"operation": "install_node_modules", "projects": []string{"web", "api"}, "dry_run": true})
	if r.Status != http.StatusOK {
		t.Fatalf("%d %s, want 200 with per-project errors", r.Status, r.Body)
	}
	var got map[string]json.RawMessage
	r.JSON(t, &got)
	for _, p := range []string{"web", "api"} {
		var e struct {
			NpmOutput any    `json:"npm_output"`
			NpmError  string `json:"npm_error"`
			DryRun    bool   `json:"dry_run"`
			ExitCode  int    `json:"exit_code"`
		}
		if err := json.Unmarshal(got[p], &e); err != nil {
			t.Fatalf("%s: %s", p, got[p])
		}
		if !strings.HasPrefix(e.NpmError, MsgNpmNotFound) || e.ExitCode != exitNotRun || e.NpmOutput != nil || !e.DryRun {
			t.Errorf("%s = %s, want npm_error %q and exit_code %d", p, got[p], MsgNpmNotFound, exitNotRun)
		}
	}
}

// TestRunNpmTimeoutKillsTheGroup runs the fake npm that waits on a child
// past its deadline: the answer names the timeout, and it comes at once,
// because the whole process group is killed (not after npmWaitDelay).
func TestRunNpmTimeoutKillsTheGroup(t *testing.T) {
	h, log := modulesSetup(t, true, "slow")
	dir := filepath.Join(h.RootPath, defaultComponentsDir, "slow")
	npm := filepath.Join(h.RootPath, "bin", "npm")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	res := runNpm(ctx, npm, dir, false)
	elapsed := time.Since(start)
	if res.ExitCode != exitNotRun || res.NpmError != fmt.Sprintf(MsgNpmTimeout, npmTimeout) {
		t.Errorf("result = %+v, want the timeout message and exit %d", res, exitNotRun)
	}
	if elapsed >= npmWaitDelay {
		t.Errorf("took %s: the child kept npm's pipes open, the group was not killed", elapsed)
	}
	if lines := npmLog(t, log); len(lines) != 1 {
		t.Errorf("npm calls = %q, want one", lines)
	}
}
