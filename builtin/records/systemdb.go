package records

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"

	"github.com/hops-dev/hops/builtin/records/store"
	"github.com/hops-dev/hops/sdk"
)

// HarperDB's system database. Its tables hold what other parts of hops
// own: users and roles (the host's auth), jobs (the host's job store) and
// certificates (the certs family). The records family answers reads of
// them as of any table: each request builds the tables it reads from the
// owners' own operations, run through Host.Dispatch as the caller (so the
// owners' access rules hold: only a super user reads them), into a
// store.Memory. Writes are refused with HarperDB's message; users, roles
// and certificates change through their own operations only.

// systemDatabase is the system database's name.
const systemDatabase = "system"

// MsgSystemReadOnly is HarperDB 4.7.29's 403 for a write to, or a drop of,
// the system database.
const MsgSystemReadOnly = "The 'system' database, tables and records are used internally by HarperDB and cannot be updated or removed."

// MsgSystemMetadata is HarperDB 4.7.29's unauthorized_access entry for a
// role that describes the system database without a super user's rights.
const MsgSystemMetadata = "Your role does not have permission to view database metadata for 'system'"

// sysTable is one table of the system database: its shape, and the
// operation whose answer becomes its records.
type sysTable struct {
	pk    string
	attrs []string // in HarperDB's describe order
	// source is the operation that lists the table's rows; nil for a
	// table with fixed rows.
	source map[string]any
	// rows turns the source's answer into records.
	rows func(answer []byte) ([]map[string]any, error)
}

// systemTables are the tables of the system database hops serves. hdb_user
// never has a password hash, a token secret or a refresh token: hops shows
// none of them to anyone (HarperDB shows super users the hash).
var systemTables = map[string]sysTable{
	"hdb_user": {pk: "username", attrs: []string{"username", "__createdtime__", "__updatedtime__", "active", "role"},
		source: map[string]any{"operation": "list_users"}, rows: userRows},
	"hdb_role": {pk: "id", attrs: []string{"id", "__createdtime__", "__updatedtime__", "permission", "role"},
		source: map[string]any{"operation": "list_roles"}, rows: plainRows},
	"hdb_job": {pk: "id", attrs: []string{"id", "__createdtime__", "__updatedtime__", "created_datetime", "end_datetime",
		"message", "start_datetime", "status", "type", "user"},
		source: map[string]any{"operation": "search_jobs_by_start_date", "from_date": "1970-01-01T00:00:00.000Z", "to_date": "9999-12-31T23:59:59.999Z"},
		rows:   jobRows},
	"hdb_certificate": {pk: "name", attrs: []string{"name", "__updatedtime__", "certificate", "details", "is_authority",
		"is_self_signed", "private_key_name", "uses"},
		source: map[string]any{"operation": "list_certificates"}, rows: plainRows},
	"hdb_info": {pk: "info_id", attrs: []string{"info_id", "data_version_num", "hdb_version_num"},
		rows: func([]byte) ([]map[string]any, error) {
			return []map[string]any{{"info_id": float64(1), "data_version_num": hopsVersion(), "hdb_version_num": hopsVersion()}}, nil
		}},
	"hdb_nodes": {pk: "name", attrs: []string{"name", "subscriptions", "system_info", "url", "routes", "ca", "ca_info",
		"replicates", "revoked_certificates", "__createdtime__", "__updatedtime__"},
		rows: func([]byte) ([]map[string]any, error) { return nil, nil }},
}

// isSystem reports whether db is the system database.
func isSystem(db string) bool { return db == systemDatabase }

// systemReadOnly is the 403 for a write to the system database.
func systemReadOnly() error { return sdk.Errorf(http.StatusForbidden, MsgSystemReadOnly) }

// checkSystemRead refuses a caller who is not a super user, as HarperDB
// does: a search names the table's read right, describe the metadata.
func checkSystemRead(c sdk.Caller, table string, describe bool) error {
	if permsOf(c).super {
		return nil
	}
	if describe {
		return sdk.Forbidden([]any{MsgSystemMetadata}, nil)
	}
	return sdk.Forbidden([]any{unauthorizedTable{Schema: systemDatabase, Table: table,
		RequiredTablePermissions: []right{rightRead}, RequiredAttributePermissions: []string{}}}, nil)
}

// systemMemory builds the named tables of the system database (all of
// them when names is empty) from their owners' answers, run as req's
// caller.
func systemMemory(ctx context.Context, req *sdk.Request, names ...string) (*store.Memory, error) {
	m := &store.Memory{DB: systemDatabase, Tables: map[string]*store.MemTable{}}
	if len(names) == 0 {
		for name := range systemTables {
			names = append(names, name)
		}
	}
	for _, name := range names {
		def, ok := systemTables[name]
		if !ok {
			continue // Memory answers the unknown table's 404
		}
		var answer []byte
		if def.source != nil {
			var err error
			if answer, err = dispatchJSON(ctx, req, def.source); err != nil {
				return nil, fmt.Errorf("system.%s: %w", name, err)
			}
		}
		recs, err := def.rows(answer)
		if err != nil {
			return nil, fmt.Errorf("system.%s: %w", name, err)
		}
		m.Tables[name] = &store.MemTable{Name: name, PrimaryKey: def.pk, Attributes: def.attrs, Records: recs}
	}
	return m, nil
}

// dispatchJSON runs body through the host as req's caller and returns the
// answer's bytes, or the answer's error as it was.
func dispatchJSON(ctx context.Context, req *sdk.Request, body map[string]any) ([]byte, error) {
	if req.Host == nil {
		return nil, sdk.Errorf(http.StatusServiceUnavailable, MsgNoHost)
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	reply, err := req.Host.Dispatch(ctx, req.Caller, b)
	if err != nil {
		return nil, err
	}
	if err := reply.Err(); err != nil {
		return nil, err
	}
	defer reply.Body.Close()
	return io.ReadAll(reply.Body)
}

// decodeRows decodes a JSON array of objects, numbers as float64 as the
// store's records hold them.
func decodeRows(answer []byte) ([]map[string]any, error) {
	var rows []map[string]any
	if err := json.Unmarshal(answer, &rows); err != nil {
		return nil, fmt.Errorf("decode rows: %w", err)
	}
	return rows, nil
}

// plainRows takes the answer's objects as the records.
func plainRows(answer []byte) ([]map[string]any, error) { return decodeRows(answer) }

// userRows turns list_users' users (role expanded) into hdb_user records
// (role as its id), keeping only the attributes hdb_user shows.
func userRows(answer []byte) ([]map[string]any, error) {
	users, err := decodeRows(answer)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(users))
	for _, u := range users {
		rec := map[string]any{}
		for _, k := range []string{"username", "active", "__createdtime__", "__updatedtime__"} {
			if v, ok := u[k]; ok {
				rec[k] = v
			}
		}
		if r, ok := u["role"].(map[string]any); ok {
			rec["role"] = r["id"]
		}
		out = append(out, rec)
	}
	return out, nil
}

// jobRows turns search_jobs_by_start_date's rows into hdb_job records:
// the ISO copies of the dates go, and the job's times are its
// __createdtime__ and __updatedtime__.
func jobRows(answer []byte) ([]map[string]any, error) {
	jobs, err := decodeRows(answer)
	if err != nil {
		return nil, err
	}
	for _, j := range jobs {
		delete(j, "start_datetime_converted")
		delete(j, "end_datetime_converted")
		j["__createdtime__"] = j["created_datetime"]
		if end, ok := j["end_datetime"]; ok {
			j["__updatedtime__"] = end
		} else {
			j["__updatedtime__"] = j["start_datetime"]
		}
	}
	return jobs, nil
}

// hopsVersion is the running binary's module version, hdb_info's version
// numbers ("(devel)" for a build from a work tree).
func hopsVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
