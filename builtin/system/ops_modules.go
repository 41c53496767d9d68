package system

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	"github.com/hops-dev/hops/sdk"
)

// Messages install_node_modules answers; the field messages are worded as
// HarperDB's validator words them.
const (
	// MsgDeprecated is the reply's top-level "warning", HarperDB's text.
	MsgDeprecated = "install_node_modules is deprecated. Dependencies are automatically installed on deploy, and install_node_modules can lead to inconsistent behavior"

	MsgProjectsRequired = "'projects' is required"
	MsgProjectsNotArray = "'projects' must be an array"
	MsgProjectsEmpty    = "'projects' must contain at least 1 items"
	// MsgProjectNotString: %d is the item's index.
	MsgProjectNotString = "'projects[%d]' must be a string"
	// MsgProjectEmptyName: %d is the item's index.
	MsgProjectEmptyName = "'projects[%d]' is not allowed to be empty"
	// MsgProjectNotAName: %s is the project as sent.
	MsgProjectNotAName = "project '%s' must be the name of a folder directly inside the components root (no path separators, '.' or '..')"
	// MsgProjectNotFound: %s is the project name.
	MsgProjectNotFound = "project '%s' is not a folder in the components root"
	// MsgProjectNoPackage: %s is the project name.
	MsgProjectNoPackage = "project '%s' has no package.json"
	// MsgProjectReserved: %s is the project name.
	MsgProjectReserved = "project '%s' cannot be installed with this operation: its name is the reply's warning field"
)

// Request fields of install_node_modules.
const (
	fieldProjects = "projects"
	fieldDryRun   = "dry_run"
	// fieldDryRunAlias is what HarperDB's code actually reads (its
	// validator checks dry_run and then ignores it); both are accepted.
	fieldDryRunAlias = "dryRun"
	// replyWarningKey is the reply's top-level deprecation field.
	replyWarningKey = "warning"
)

// installNodeModules answers install_node_modules: every project is
// checked before npm runs anywhere, then npm runs in each folder in turn.
// Calls are serialized: two npm runs in the same folder would race.
func (f *Family) installNodeModules(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	_, root, log, err := f.state()
	if err != nil {
		return nil, err
	}
	fields := req.Fields()
	projects := readProjects(fields)
	dryRun, _ := fields.Bool(fields.FirstOf(fieldDryRun, fieldDryRunAlias))
	if err := fields.Err(); err != nil {
		return nil, err
	}
	for _, p := range projects {
		if err := checkProject(root, p); err != nil {
			return nil, err
		}
	}

	f.installMu.Lock()
	defer f.installMu.Unlock()
	reply := modulesReply{names: projects, results: make(map[string]npmResult, len(projects))}
	npm, lookErr := lookNpm()
	for _, p := range projects {
		if lookErr != nil {
			reply.results[p] = npmResult{NpmError: lookErr.Error(), DryRun: dryRun, ExitCode: exitNotRun}
			continue
		}
		res := runNpm(ctx, npm, filepath.Join(root, p), dryRun)
		if res.ExitCode != 0 {
			log.Warn("npm install failed", "project", p, "exit_code", res.ExitCode, "request_id", req.ID)
		}
		reply.results[p] = res
	}
	return sdk.OK(reply), nil
}

// readProjects reads `projects`: a non-empty array of strings, returned
// without duplicates, in request order.
func readProjects(fields *sdk.Fields) []string {
	raw, ok := fields.Raw(fieldProjects, sdk.Required)
	if !ok {
		return nil
	}
	var items []json.RawMessage
	if len(raw) == 0 || raw[0] != '[' || json.Unmarshal(raw, &items) != nil {
		fields.Fail(MsgProjectsNotArray)
		return nil
	}
	if len(items) == 0 {
		fields.Fail(MsgProjectsEmpty)
		return nil
	}
	seen := make(map[string]bool, len(items))
	out := make([]string, 0, len(items))
	for i, item := range items {
		var name string
		item = bytes.TrimSpace(item)
		if len(item) == 0 || item[0] != '"' || json.Unmarshal(item, &name) != nil {
			fields.Fail(MsgProjectNotString, i)
			return nil
		}
		if name == "" {
			fields.Fail(MsgProjectEmptyName, i)
			return nil
		}
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}

// checkProject refuses a name that is not a plain folder name, a folder
// that does not exist under root, and one without a package.json.
func checkProject(root, name string) error {
	if name == "." || name == ".." || strings.ContainsAny(name, `/\`+"\x00") ||
		filepath.IsAbs(name) || filepath.VolumeName(name) != "" {
		return sdk.BadRequest(MsgProjectNotAName, name)
	}
	if name == replyWarningKey {
		return sdk.BadRequest(MsgProjectReserved, name)
	}
	dir := filepath.Join(root, name)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return sdk.BadRequest(MsgProjectNotFound, name)
	}
	if st, err := os.Stat(filepath.Join(dir, "package.json")); err != nil || !st.Mode().IsRegular() {
		return sdk.BadRequest(MsgProjectNoPackage, name)
	}
	return nil
}

// modulesReply is the answer: one entry per project in request order,
// then the deprecation warning, as HarperDB orders them.
type modulesReply struct {
	names   []string
	results map[string]npmResult
}

// MarshalJSON writes the projects in request order, then "warning".
func (r modulesReply) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	buf.WriteByte('{')
	for _, name := range r.names {
		if err := enc.Encode(name); err != nil {
			return nil, err
		}
		buf.WriteByte(':')
		if err := enc.Encode(r.results[name]); err != nil {
			return nil, err
		}
		buf.WriteByte(',')
	}
	if err := enc.Encode(replyWarningKey); err != nil {
		return nil, err
	}
	buf.WriteByte(':')
	if err := enc.Encode(MsgDeprecated); err != nil {
		return nil, err
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}
