package records

import (
	"slices"
	"strconv"
	"testing"

	"github.com/hops-dev/hops/sdk"
)

func TestDescribeListsTheTable(t *testing.T) {
	e := newEnv(t, harnessOpts{})
	if e.h.Description.Name != "records" {
		t.Fatalf("name = %q", e.h.Description.Name)
	}
	want := map[string]struct {
		access     sdk.Access
		restricted string
		job        bool
	}{
		"create_database":       {sdk.AccessSuperUser, "createSchema", false},
		"create_schema":         {sdk.AccessSuperUser, "createSchema", false},
		"drop_database":         {sdk.AccessSuperUser, "dropSchema", false},
		"drop_schema":           {sdk.AccessSuperUser, "dropSchema", false},
		"create_table":          {sdk.AccessSuperUser, "createTable", false},
		"drop_table":            {sdk.AccessSuperUser, "dropTable", false},
		"describe_database":     {sdk.AccessPermissions, "", false},
		"describe_schema":       {sdk.AccessPermissions, "", false},
		"describe_table":        {sdk.AccessPermissions, "", false},
		"describe_all":          {sdk.AccessAuthenticated, "", false},
		"table_sizes":           {sdk.AccessSuperUser, "", false},
		"create_attribute":      {sdk.AccessPermissions, "", false},
		"drop_attribute":        {sdk.AccessSuperUser, "dropAttribute", false},
		"delete_files_before":   {sdk.AccessSuperUser, "deleteFilesBefore", true},
		"insert":                {sdk.AccessPermissions, "", false},
		"update":                {sdk.AccessPermissions, "", false},
		"upsert":                {sdk.AccessPermissions, "", false},
		"delete":                {sdk.AccessPermissions, "", false},
		"search_by_hash":        {sdk.AccessPermissions, "", false},
		"search_by_id":          {sdk.AccessPermissions, "", false},
		"search_by_value":       {sdk.AccessPermissions, "", false},
		"search_by_conditions":  {sdk.AccessPermissions, "", false},
		"sql":                   {sdk.AccessPermissions, "", false},
		"export_search":         {sdk.AccessPermissions, "", false},
		"delete_records_before": {sdk.AccessSuperUser, "deleteFilesBefore", true},
		"csv_data_load":         {sdk.AccessPermissions, "", true},
		"csv_file_load":         {sdk.AccessSuperUser, "", true},
		"csv_url_load":          {sdk.AccessPermissions, "", true},
		"import_from_s3":        {sdk.AccessPermissions, "", true},
		// Replication: internal (the router refuses them to HTTP clients).
		"repl_records_enable":     {sdk.AccessInternal, "", false},
		"repl_records_disable":    {sdk.AccessInternal, "", false},
		"repl_records_outbox":     {sdk.AccessInternal, "", false},
		"repl_records_outbox_ack": {sdk.AccessInternal, "", false},
		"repl_records_apply":      {sdk.AccessInternal, "", false},
		"repl_records_checksum":   {sdk.AccessInternal, "", false},
		"repl_records_status":     {sdk.AccessInternal, "", false},
		"table_checksum":          {sdk.AccessSuperUser, "", false},
	}
	if len(e.h.Description.Operations) != len(want) {
		t.Errorf("%d operations, want %d", len(e.h.Description.Operations), len(want))
	}
	for _, o := range e.h.Description.Operations {
		w, ok := want[o.Name]
		if !ok {
			t.Errorf("unexpected operation %s", o.Name)
			continue
		}
		restricted := o.RestrictedName
		if restricted == o.Name {
			restricted = ""
		}
		if o.Access != w.access || restricted != w.restricted || o.Job != w.job || o.Summary == "" {
			t.Errorf("%s = %+v, want %+v", o.Name, o, w)
		}
	}
}

func TestDatabasesAndTables(t *testing.T) {
	e := newEnv(t, harnessOpts{})
	wantJSON(t, e.super(op("create_database", "database", "dev")), `{"message":"database 'dev' successfully created"}`)
	wantError(t, e.super(op("create_database", "database", "dev")), 400, "database 'dev' already exists")
	wantError(t, e.super(op("create_schema", "schema", "dev")), 400, "database 'dev' already exists")
	wantJSON(t, e.super(op("create_table", "database", "dev", "table", "dogs", "primary_key", "id")),
		`{"message":"table 'dev.dogs' successfully created."}`)
	wantError(t, e.super(op("create_table", "schema", "dev", "table", "dogs", "hash_attribute", "id")),
		400, "Table 'dogs' already exists in 'dev'")
	// create_table creates a missing database; hash_attribute is primary_key.
	wantJSON(t, e.super(op("create_table", "schema", "other", "table", "cats", "hash_attribute", "name")),
		`{"message":"table 'other.cats' successfully created."}`)
	r := e.super(op("describe_table", "schema", "other", "table", "cats"))
	var info map[string]any
	r.JSON(t, &info)
	if info["hash_attribute"] != "name" || info["schema"] != "other" || info["name"] != "cats" {
		t.Errorf("describe_table = %s", r.Body)
	}
	// Without a database, create_database and create_table use "data".
	wantJSON(t, e.super(op("create_database")), `{"message":"database 'data' successfully created"}`)
	wantJSON(t, e.super(op("create_table", "table", "t", "primary_key", "id")), `{"message":"table 'data.t' successfully created."}`)

	wantJSON(t, e.super(op("drop_table", "database", "dev", "table", "dogs")), `{"message":"successfully deleted table 'dev.dogs'"}`)
	wantError(t, e.super(op("drop_table", "database", "dev", "table", "dogs")), 404, "Table 'dev.dogs' does not exist")
	wantJSON(t, e.super(op("drop_schema", "schema", "other")), `{"message":"successfully deleted 'other'"}`)
	wantError(t, e.super(op("drop_database", "database", "other")), 404, "database 'other' does not exist")
	wantError(t, e.super(op("describe_table", "database", "other", "table", "cats")), 404, "database 'other' does not exist")
}

func TestStructureErrors(t *testing.T) {
	e := newEnv(t, harnessOpts{})
	e.table("db", "t")
	cases := []struct {
		name   string
		body   map[string]any
		status int
		want   string
	}{
		{"create_table without primary_key", op("create_table", "database", "db", "table", "u"), 400, "'primary_key' is required"},
		{"create_table without table and key", op("create_table", "database", "db"), 400, "'table' is required. 'primary_key' is required"},
		{"create_table table not a string", op("create_table", "table", 5, "primary_key", "id"), 400, "'table' must be a string"},
		{"create_table bad name", op("create_table", "database", "a/b", "table", "t", "primary_key", "id"), 400, "'database' names cannot include backticks or forward slashes"},
		{"drop_table without table", op("drop_table", "database", "db"), 400, "'table' is required"},
		{"drop_database without database", op("drop_database"), 400, "'database' is required"},
		{"drop_database unknown", op("drop_database", "database", "nope"), 404, "database 'nope' does not exist"},
		{"describe_table without table", op("describe_table", "database", "db"), 400, "'table' is required"},
		{"describe_table unknown table", op("describe_table", "database", "db", "table", "nope"), 404, "Table 'db.nope' does not exist"},
		{"describe_database unknown", op("describe_database", "database", "nope"), 404, "database 'nope' does not exist"},
		{"database not a string", op("describe_database", "schema", true), 400, "'schema' must be a string"},
		{"body not an object", nil, 400, "request body must be a JSON object"},
		{"create_table with empty names", op("create_table", "database", "", "table", "", "primary_key", ""), 400,
			"'database' is not allowed to be empty. 'table' is not allowed to be empty. 'hash_attribute' is not allowed to be empty"},
		{"create_table null names", op("create_table", "database", nil, "table", nil, "primary_key", nil), 400,
			"'database' must be a string. 'table' must be a string. 'hash_attribute' must be a string"},
		{"create_table cased keys are not its fields", op("create_table", "Database", "db", "TABLE", "u", "Primary_Key", "id"), 400,
			"'table' is required. 'primary_key' is required"},
		{"drop_database null database", op("drop_database", "database", nil), 400, "'database' must be a string"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.body == nil {
				wantError(t, e.handle("describe_table", []byte(`[1]`)), c.status, c.want)
				return
			}
			wantError(t, e.super(c.body), c.status, c.want)
		})
	}
}

func TestDescribe(t *testing.T) {
	e := withDogs(t)
	e.clock.set(startMs + 5)
	e.insert("db", "dogs", `[{"id": 9, "late": 1}]`)
	r := e.super(op("describe_table", "database", "db", "table", "dogs"))
	var info struct {
		Schema            string `json:"schema"`
		Name              string `json:"name"`
		HashAttribute     string `json:"hash_attribute"`
		RecordCount       int    `json:"record_count"`
		TableSize         int64  `json:"table_size"`
		LastUpdatedRecord int64  `json:"last_updated_record"`
		Attributes        []struct {
			Attribute string `json:"attribute"`
		} `json:"attributes"`
	}
	r.JSON(t, &info)
	var names []string
	for _, a := range info.Attributes {
		names = append(names, a.Attribute)
	}
	wantAttrs := []string{"__createdtime__", "__updatedtime__", "age", "breed", "good", "id", "late", "name", "owner", "tags", "weight"}
	if info.Schema != "db" || info.Name != "dogs" || info.HashAttribute != "id" || info.RecordCount != 5 ||
		info.TableSize <= 0 || info.LastUpdatedRecord != startMs+5 || !slices.Equal(names, wantAttrs) {
		t.Errorf("describe_table = %s", r.Body)
	}

	e.table("db", "cats")
	e.ok(op("create_database", "database", "empty"))
	var db map[string]map[string]any
	e.ok(op("describe_database", "database", "db")).JSON(t, &db)
	if len(db) != 2 || db["dogs"]["record_count"] != 5.0 || db["cats"]["hash_attribute"] != "id" {
		t.Errorf("describe_database = %v", db)
	}
	var all map[string]map[string]map[string]any
	e.ok(op("describe_all")).JSON(t, &all)
	if len(all) != 2 || len(all["db"]) != 2 || all["empty"] == nil || len(all["empty"]) != 0 {
		t.Errorf("describe_all = %v", all)
	}

	r = e.ok(op("table_sizes"))
	wantSizes := `[{"database":"db","table":"cats","table_size":0,"record_count":0},
		{"database":"db","table":"dogs","table_size":` + strconv.FormatInt(info.TableSize, 10) + `,"record_count":5}]`
	wantJSON(t, r, wantSizes)
}

func TestTableSizesEmpty(t *testing.T) {
	e := newEnv(t, harnessOpts{})
	wantJSON(t, e.super(op("table_sizes")), `[]`)
}

func TestRestartKeepsTables(t *testing.T) {
	root := t.TempDir()
	e := newEnv(t, harnessOpts{rootPath: root})
	e.table("db", "dogs")
	e.insert("db", "dogs", `[{"id": 1, "name": "Penny"}]`)
	if err := e.shutdown(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	// After Shutdown the family refuses work instead of crashing.
	wantError(t, e.super(op("describe_all")), 503, MsgNotOpen)

	e2 := newEnv(t, harnessOpts{rootPath: root})
	wantJSON(t, e2.super(op("search_by_hash", "database", "db", "table", "dogs", "hash_values", []any{1}, "get_attributes", []string{"id", "name"})),
		`[{"id":1,"name":"Penny"}]`)
	var all map[string]map[string]any
	e2.ok(op("describe_all")).JSON(t, &all)
	if _, ok := all["db"]["dogs"]; !ok {
		t.Errorf("describe_all after restart = %v", all)
	}
}
