package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/hops-dev/hops/sdk"
)

// Permission object keys that are not database names.
const (
	permSuperUser     = "super_user"
	permClusterUser   = "cluster_user"
	permStructureUser = "structure_user"
	permTables        = "tables"
	permAttributes    = "attribute_permissions"
	permAttrName      = "attribute_name"
)

// crudKeys are the table rights, in HarperDB's order; attribute rights are
// the first three (an attribute's "delete" is tolerated and ignored).
var crudKeys = []string{"read", "insert", "update", "delete"}

// roleNamePattern is HarperDB's role name format.
var roleNamePattern = regexp.MustCompile(`^[\w-]+$`)

// allowedRoleBodyKeys are the fields add_role and alter_role accept.
var allowedRoleBodyKeys = []string{"operation", "role", "id", "permission"}

// permErrors collects validation failures in HarperDB's two buckets:
// main_permissions, and schema_permissions keyed "<database>_<table>".
type permErrors struct {
	main   []string
	schema map[string][]string
}

func (p *permErrors) add(format string, args ...any) {
	p.main = append(p.main, fmt.Sprintf(format, args...))
}

func (p *permErrors) addTable(db, table, format string, args ...any) {
	if p.schema == nil {
		p.schema = map[string][]string{}
	}
	k := db + "_" + table
	p.schema[k] = append(p.schema[k], fmt.Sprintf(format, args...))
}

// err is HarperDB's 400 for a bad role, or nil.
func (p *permErrors) err() error {
	if len(p.main) == 0 && len(p.schema) == 0 {
		return nil
	}
	main, schema := p.main, p.schema
	if main == nil {
		main = []string{}
	}
	if schema == nil {
		schema = map[string][]string{}
	}
	return &sdk.Error{Status: http.StatusBadRequest, Message: msgRolePermsError,
		Extra: map[string]any{"main_permissions": main, "schema_permissions": schema}}
}

// checkBodyKeys refuses fields add_role and alter_role do not know.
func checkBodyKeys(fields *sdk.Fields, pe *permErrors) {
	var bad []string
	for _, k := range fields.Keys() {
		if !slices.Contains(allowedRoleBodyKeys, k) {
			bad = append(bad, k)
		}
	}
	sort.Strings(bad)
	switch {
	case len(bad) == 1:
		pe.add(fmtInvalidBodyKey, bad[0])
	case len(bad) > 1:
		pe.add(fmtInvalidBodyKeys, strings.Join(bad, "', '"))
	}
}

// checkRoleName validates a role name; ok is false when it is unusable.
func checkRoleName(name string, pe *permErrors) bool {
	if strings.TrimSpace(name) == "" {
		pe.add(msgRoleBlank)
		return false
	}
	if !roleNamePattern.MatchString(name) {
		pe.add(msgRoleInvalid)
		return false
	}
	return true
}

// objectOf decodes raw as a JSON object; ok is false for anything else.
func objectOf(raw json.RawMessage) (map[string]json.RawMessage, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil, false
	}
	return m, true
}

// boolOf reports whether raw is a JSON boolean, and its value.
func boolOf(raw json.RawMessage) (v, ok bool) {
	switch string(bytes.TrimSpace(raw)) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// checkPermission validates a permission object as HarperDB does. The error
// returned is an internal fault (the schema lookup failed); validation
// failures go to pe.
func (s *Service) checkPermission(ctx context.Context, raw json.RawMessage, pe *permErrors) error {
	perm, ok := objectOf(raw)
	if !ok {
		pe.add(msgPermissionObject)
		return nil
	}
	flags := map[string]bool{}
	for _, k := range []string{permSuperUser, permClusterUser} {
		if !sdkPresent(perm[k]) {
			continue
		}
		b, isBool := boolOf(perm[k])
		if !isBool {
			pe.add(fmtRoleTypeBool, k)
		}
		flags[k] = b
	}
	if (flags[permSuperUser] || flags[permClusterUser]) && len(perm) > 1 {
		if flags[permSuperUser] && flags[permClusterUser] {
			pe.add(msgSUCUCombined)
		} else if flags[permSuperUser] {
			pe.add(fmtRoleTypeNoPerms, permSuperUser)
		} else {
			pe.add(fmtRoleTypeNoPerms, permClusterUser)
		}
	}
	for _, k := range sortedKeys(perm) {
		var err error
		switch k {
		case permSuperUser, permClusterUser:
		case permStructureUser:
			err = s.checkStructureUser(ctx, perm[k], pe)
		default:
			err = s.checkDatabase(ctx, k, perm[k], pe)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// checkStructureUser: a boolean, or a list of existing databases.
func (s *Service) checkStructureUser(ctx context.Context, raw json.RawMessage, pe *permErrors) error {
	if _, ok := boolOf(raw); ok {
		return nil
	}
	var dbs []string
	if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) && json.Unmarshal(raw, &dbs) == nil {
		for _, db := range dbs {
			exists, err := s.databaseExists(ctx, db)
			if err != nil {
				return err
			}
			if !exists {
				pe.add(fmtDatabaseNotFound, db)
			}
		}
		return nil
	}
	pe.add(fmtStructureUserType, permStructureUser)
	return nil
}

func (s *Service) databaseExists(ctx context.Context, db string) (bool, error) {
	if s.opts.Schema == nil {
		return true, nil
	}
	ok, err := s.opts.Schema.DatabaseExists(ctx, db)
	if err != nil {
		return false, fmt.Errorf("auth: look up database %q: %w", db, err)
	}
	return ok, nil
}

func (s *Service) tableAttributes(ctx context.Context, db, table string) ([]string, bool, error) {
	if s.opts.Schema == nil {
		return nil, true, nil
	}
	attrs, ok, err := s.opts.Schema.TableAttributes(ctx, db, table)
	if err != nil {
		return nil, false, fmt.Errorf("auth: look up table %q.%q: %w", db, table, err)
	}
	return attrs, ok, nil
}

// checkDatabase validates {"tables": {...}} of one database.
func (s *Service) checkDatabase(ctx context.Context, db string, raw json.RawMessage, pe *permErrors) error {
	exists, err := s.databaseExists(ctx, db)
	if err != nil {
		return err
	}
	if db == "" || !exists {
		pe.add(fmtDatabaseNotFound, db)
		return nil
	}
	dbPerm, ok := objectOf(raw)
	if !ok {
		pe.add(fmtDatabasePermsObject, db)
		return nil
	}
	if !sdkPresent(dbPerm[permTables]) {
		return nil
	}
	tables, ok := objectOf(dbPerm[permTables])
	if !ok {
		pe.add(fmtTablesObject, db)
		return nil
	}
	for _, t := range sortedKeys(tables) {
		attrs, exists, err := s.tableAttributes(ctx, db, t)
		if err != nil {
			return err
		}
		if t == "" || !exists {
			pe.add(fmtTableNotFound, db, t)
			continue
		}
		checkTable(db, t, tables[t], attrs, pe)
	}
	return nil
}
