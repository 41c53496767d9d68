package records

import (
	"context"
	"fmt"

	"github.com/hops-dev/hops/builtin/records/store"
	"github.com/hops-dev/hops/sdk"
)

// createDatabase: create_database / create_schema {database}. Without a
// database it creates "data", as HarperDB does.
func (f *Family) createDatabase(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	st, fields, err := f.begin(req)
	if err != nil {
		return nil, err
	}
	db := database(fields)
	if err := fields.Err(); err != nil {
		return nil, err
	}
	if isSystem(db) {
		return nil, systemReadOnly()
	}
	if err := st.CreateDatabase(db); err != nil {
		return nil, err
	}
	return sdk.Message(fmt.Sprintf(store.MsgDatabaseCreated, db)), nil
}

// dropDatabase: drop_database / drop_schema {database} (required).
func (f *Family) dropDatabase(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	st, fields, err := f.begin(req)
	if err != nil {
		return nil, err
	}
	db := database(fields, sdk.Required)
	if err := fields.Err(); err != nil {
		return nil, err
	}
	if isSystem(db) {
		return nil, systemReadOnly()
	}
	if err := st.DropDatabase(db); err != nil {
		return nil, err
	}
	return sdk.Message(fmt.Sprintf(store.MsgDatabaseDropped, db)), nil
}

// createTable: create_table {database, table, primary_key}. table and
// primary_key are both checked so that both are named when both miss.
func (f *Family) createTable(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	st, fields, err := f.begin(req)
	if err != nil {
		return nil, err
	}
	db := database(fields)
	table := fields.String(fieldTable, sdk.Required)
	pk := fields.String(fields.FirstOf(aliasPrimaryKey...), primaryKeyOptions(fields)...)
	if err := fields.Err(); err != nil {
		return nil, err
	}
	if isSystem(db) {
		return nil, systemReadOnly()
	}
	if err := st.CreateTable(db, table, pk); err != nil {
		return nil, err
	}
	return sdk.Message(fmt.Sprintf(store.MsgTableCreated, db, table)), nil
}

// primaryKeyOptions are the checks of create_table's primary key. HarperDB
// reads primary_key as hash_attribute before it validates, so a given but
// invalid key is named 'hash_attribute', a missing one 'primary_key'.
func primaryKeyOptions(fields *sdk.Fields) []sdk.FieldOption {
	if fields.Present(aliasPrimaryKey[0]) || fields.Present(aliasPrimaryKey[1]) {
		return []sdk.FieldOption{sdk.Required, sdk.Label(aliasPrimaryKey[1])}
	}
	return []sdk.FieldOption{sdk.Required}
}

// dropTable: drop_table {database, table}.
func (f *Family) dropTable(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	st, fields, err := f.begin(req)
	if err != nil {
		return nil, err
	}
	t := readTarget(fields)
	if err := fields.Err(); err != nil {
		return nil, err
	}
	if isSystem(t.db) {
		return nil, systemReadOnly()
	}
	if err := st.DropTable(t.db, t.table); err != nil {
		return nil, err
	}
	return sdk.Message(fmt.Sprintf(store.MsgTableDropped, t.db, t.table)), nil
}

// createAttribute: create_attribute {database, table, attribute}; needs
// insert on the table, as in HarperDB (an insert creates attributes too).
// describe lists the attribute and records read it as null.
func (f *Family) createAttribute(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	st, t, attr, err := f.attributeTarget(req)
	if err != nil {
		return nil, err
	}
	if err := permsOf(req.Caller).checkTable(t, rightInsert); err != nil {
		return nil, err
	}
	if err := st.CreateAttribute(t.db, t.table, attr); err != nil {
		return nil, err
	}
	return sdk.Message(fmt.Sprintf(store.MsgAttributeCreated, t.db, t.table, attr)), nil
}

// dropAttribute: drop_attribute {database, table, attribute}: the
// attribute leaves describe and every stored record.
func (f *Family) dropAttribute(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	st, t, attr, err := f.attributeTarget(req)
	if err != nil {
		return nil, err
	}
	if err := st.DropAttribute(t.db, t.table, attr); err != nil {
		return nil, err
	}
	return sdk.Message(fmt.Sprintf(store.MsgAttributeDropped, attr)), nil
}

// attributeTarget reads create_attribute's and drop_attribute's fields:
// the table, then the attribute (HarperDB words a missing one
// differently for each: drop_attribute's validator says 'attribute' is
// required, create_attribute's Attribute name is required).
func (f *Family) attributeTarget(req *sdk.Request) (*store.Store, target, string, error) {
	st, fields, err := f.begin(req)
	if err != nil {
		return nil, target{}, "", err
	}
	t := readTarget(fields)
	var attr string
	if req.Operation == "create_attribute" && !fields.Present(fieldAttribute) {
		fields.Fail(store.ErrMsgAttributeRequired)
	} else {
		attr = fields.String(fieldAttribute, sdk.Required)
	}
	if err := fields.Err(); err != nil {
		return nil, target{}, "", err
	}
	if isSystem(t.db) {
		return nil, target{}, "", systemReadOnly()
	}
	return st, t, attr, nil
}

// describeTable: describe_table {database, table}; needs read.
func (f *Family) describeTable(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	st, fields, err := f.begin(req)
	if err != nil {
		return nil, err
	}
	t := readTarget(fields)
	if err := fields.Err(); err != nil {
		return nil, err
	}
	if isSystem(t.db) {
		if err := checkSystemRead(req.Caller, t.table, true); err != nil {
			return nil, err
		}
		mem, err := systemMemory(ctx, req, t.table)
		if err != nil {
			return nil, err
		}
		info, err := mem.DescribeTable(t.db, t.table)
		if err != nil {
			return nil, err
		}
		return sdk.OK(info), nil
	}
	if err := permsOf(req.Caller).checkTable(t, rightRead); err != nil {
		return nil, err
	}
	info, err := st.DescribeTable(t.db, t.table)
	if err != nil {
		return nil, err
	}
	permsOf(req.Caller).hideAttributes(&info)
	return sdk.OK(info), nil
}

// describeDatabase: describe_database / describe_schema {database}: every
// table the caller may read, keyed by name. A caller who may read no
// table of the database is told it does not exist (403), as for tables.
func (f *Family) describeDatabase(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	st, fields, err := f.begin(req)
	if err != nil {
		return nil, err
	}
	db := database(fields)
	if err := fields.Err(); err != nil {
		return nil, err
	}
	if isSystem(db) {
		if err := checkSystemRead(req.Caller, "", true); err != nil {
			return nil, err
		}
		mem, err := systemMemory(ctx, req)
		if err != nil {
			return nil, err
		}
		tables, err := mem.DescribeDatabase(db)
		if err != nil {
			return nil, err
		}
		return sdk.OK(tables), nil
	}
	p := permsOf(req.Caller)
	if !p.readsAny(db) {
		return nil, sdk.Forbidden(nil, []string{fmt.Sprintf(store.ErrMsgDatabaseNotFound, db)})
	}
	tables, err := st.DescribeDatabase(db)
	if err != nil {
		return nil, err
	}
	for name, info := range tables {
		if !p.canRead(db, name) {
			delete(tables, name)
			continue
		}
		p.hideAttributes(&info)
		tables[name] = info
	}
	return sdk.OK(tables), nil
}

// describeAll: describe_all: database -> table -> description, filtered to
// the tables the caller may read (a database with none left is omitted
// for such callers; a super user sees empty databases too).
func (f *Family) describeAll(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	st, err := f.store()
	if err != nil {
		return nil, err
	}
	all, err := st.DescribeAll()
	if err != nil {
		return nil, err
	}
	p := permsOf(req.Caller)
	if !p.super {
		for db, tables := range all {
			for name, info := range tables {
				if !p.canRead(db, name) {
					delete(tables, name)
					continue
				}
				p.hideAttributes(&info)
				tables[name] = info
			}
			if len(tables) == 0 {
				delete(all, db)
			}
		}
	}
	return sdk.OK(all), nil
}

// tableSizes: table_sizes: every table's size and record count, for the
// system family's system_information (reached through Dispatch).
func (f *Family) tableSizes(_ context.Context, _ *sdk.Request) (*sdk.Response, error) {
	st, err := f.store()
	if err != nil {
		return nil, err
	}
	sizes, err := st.TableSizes()
	if err != nil {
		return nil, err
	}
	if sizes == nil {
		sizes = []store.TableSize{}
	}
	return sdk.OK(sizes), nil
}

// begin returns the store and the request's fields, the first step of
// most handlers.
func (f *Family) begin(req *sdk.Request) (*store.Store, *sdk.Fields, error) {
	st, err := f.store()
	if err != nil {
		return nil, nil, err
	}
	return st, req.Fields(), nil
}
