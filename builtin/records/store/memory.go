package store

import (
	"context"
	"slices"
)

// MemTable is a read-only table held in memory: the records family
// serves HarperDB's system database (users, roles, jobs, certificates,
// built from what the host and the other families answer) through it, so
// the searches, SQL and describe read it as they read a stored table.
type MemTable struct {
	// Name is the table's name.
	Name string
	// PrimaryKey is the attribute that keys the records.
	PrimaryKey string
	// Attributes are the table's attributes in the order describe lists
	// them (the primary key among them).
	Attributes []string
	// Records are the table's records; Memory's methods read them in
	// primary key order.
	Records []map[string]any
}

// Memory is a read-only database of MemTables keyed by table name. Its
// methods have Store's signatures and answers, including the 404 for a
// table it does not have.
type Memory struct {
	// DB is the database's name.
	DB string
	// Tables holds the tables by name.
	Tables map[string]*MemTable
}

// table returns the named table sorted by primary key, or the 404.
func (m *Memory) table(db, name string) (*MemTable, error) {
	t, ok := m.Tables[name]
	if !ok || db != m.DB {
		return nil, errTableNotFound(db, name)
	}
	slices.SortStableFunc(t.Records, func(a, b map[string]any) int {
		return compareAny(a[t.PrimaryKey], b[t.PrimaryKey])
	})
	return t, nil
}

// PrimaryKey returns the table's primary key attribute.
func (m *Memory) PrimaryKey(db, table string) (string, error) {
	t, err := m.table(db, table)
	if err != nil {
		return "", err
	}
	return t.PrimaryKey, nil
}

// Attributes returns the table's attributes, sorted bytewise as Store's.
func (m *Memory) Attributes(db, table string) ([]string, error) {
	t, err := m.table(db, table)
	if err != nil {
		return nil, err
	}
	return slices.Sorted(slices.Values(t.Attributes)), nil
}

// Get calls fn with the record of each key that exists, in the order
// given.
func (m *Memory) Get(ctx context.Context, db, table string, keys []any, fn func(rec map[string]any) error) error {
	t, err := m.table(db, table)
	if err != nil {
		return err
	}
	for _, k := range keys {
		for _, rec := range t.Records {
			if equalValues(rec[t.PrimaryKey], k) {
				if err := fn(rec); err != nil {
					return err
				}
				break
			}
		}
	}
	return ctx.Err()
}

// Scan calls fn with every record in primary key order.
func (m *Memory) Scan(ctx context.Context, db, table string, fn func(rec map[string]any) error) error {
	t, err := m.table(db, table)
	if err != nil {
		return err
	}
	for _, rec := range t.Records {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
	return nil
}

// SearchByValue is Store.SearchByValue over the table.
func (m *Memory) SearchByValue(ctx context.Context, db, table, attr string, value any, page Page, fn func(map[string]any) error) error {
	if attr == "" {
		return badRequest(ErrMsgRequired, paramSearchAttribute)
	}
	if err := page.validate(); err != nil {
		return err
	}
	pk, err := m.PrimaryKey(db, table)
	if err != nil {
		return err
	}
	return m.run(ctx, db, table, plan{pred: valuePredicate(attr, valueMatcher(value)), order: valueOrder(attr, value, pk), page: page}, fn)
}

// SearchByConditions is Store.SearchByConditions over the table.
func (m *Memory) SearchByConditions(ctx context.Context, db, table string, q Conditions, fn func(map[string]any) error) error {
	pred, err := q.compile()
	if err != nil {
		return err
	}
	pk, err := m.PrimaryKey(db, table)
	if err != nil {
		return err
	}
	return m.run(ctx, db, table, plan{pred: pred, order: q.order(pk), page: q.page()}, fn)
}

// run executes p over the table's records.
func (m *Memory) run(ctx context.Context, db, table string, p plan, fn func(map[string]any) error) error {
	t, err := m.table(db, table)
	if err != nil {
		return err
	}
	scan := func(reverse bool, visit func(key []byte, rec map[string]any) error) error {
		n := len(t.Records)
		for i := range n {
			if err := ctx.Err(); err != nil {
				return err
			}
			rec := t.Records[i]
			if reverse {
				rec = t.Records[n-1-i]
			}
			if err := visit(nil, rec); err != nil {
				return err
			}
		}
		return nil
	}
	return execute(p, scan, nil, fn)
}

// DescribeTable describes the table as describe_table answers.
func (m *Memory) DescribeTable(db, table string) (TableInfo, error) {
	t, err := m.table(db, table)
	if err != nil {
		return TableInfo{}, err
	}
	info := TableInfo{Schema: m.DB, Name: t.Name, HashAttribute: t.PrimaryKey, Sources: []string{}, RecordCount: len(t.Records)}
	for _, a := range t.Attributes {
		info.Attributes = append(info.Attributes, AttributeInfo{Attribute: a, IsPrimaryKey: a == t.PrimaryKey})
	}
	return info, nil
}

// DescribeDatabase describes every table, keyed by name.
func (m *Memory) DescribeDatabase(db string) (map[string]TableInfo, error) {
	if db != m.DB {
		return nil, errDatabaseNotFound(db)
	}
	out := make(map[string]TableInfo, len(m.Tables))
	for name := range m.Tables {
		info, err := m.DescribeTable(db, name)
		if err != nil {
			return nil, err
		}
		out[name] = info
	}
	return out, nil
}
