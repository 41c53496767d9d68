package store

import (
	"fmt"
	"net/http"
	"sort"

	bolt "go.etcd.io/bbolt"
)

// TableInfo is describe_table's answer for one table.
type TableInfo struct {
	// Schema is the database name (HarperDB still calls it schema).
	Schema string `json:"schema"`
	// Name is the table name.
	Name string `json:"name"`
	// HashAttribute is the primary key attribute.
	HashAttribute string `json:"hash_attribute"`
	// Audit is always false: the store keeps no audit log.
	Audit bool `json:"audit"`
	// SchemaDefined is always false: tables are schemaless.
	SchemaDefined bool `json:"schema_defined"`
	// Attributes lists every attribute ever written, sorted.
	Attributes []AttributeInfo `json:"attributes"`
	// DBSize is the size in bytes of the database's file.
	DBSize int64 `json:"db_size"`
	// Sources is always empty (HarperDB lists replication sources here).
	Sources []string `json:"sources"`
	// RecordCount is the number of records, kept exactly.
	RecordCount int `json:"record_count"`
	// TableSize estimates the table's bytes: keys, values and index keys.
	TableSize int64 `json:"table_size"`
	// DBAuditSize is always 0 (no audit log).
	DBAuditSize int64 `json:"db_audit_size"`
	// LastUpdatedRecord is the epoch ms of the last write, or 0.
	LastUpdatedRecord int64 `json:"last_updated_record"`
	// Created is the epoch ms the table was created (not in HarperDB's answer).
	Created int64 `json:"-"`
}

// AttributeInfo is one entry of TableInfo.Attributes.
type AttributeInfo struct {
	// Attribute is the attribute name.
	Attribute string `json:"attribute"`
	// IsPrimaryKey marks the primary key.
	IsPrimaryKey bool `json:"is_primary_key,omitempty"`
	// Indexed marks __createdtime__, the only attribute with an index
	// besides the primary key.
	Indexed bool `json:"indexed,omitempty"`
}

// TableSize is one entry of TableSizes (system_information's table_size).
type TableSize struct {
	// Database is the database name.
	Database string `json:"database"`
	// Table is the table name.
	Table string `json:"table"`
	// TableSize estimates the table's bytes, as TableInfo.TableSize.
	TableSize int64 `json:"table_size"`
	// RecordCount is the number of records.
	RecordCount int `json:"record_count"`
}

// DescribeTable describes one table.
func (s *Store) DescribeTable(db, table string) (TableInfo, error) {
	var info TableInfo
	err := s.viewTable(db, table, func(t *tableTx) error {
		info = t.describe()
		return nil
	})
	return info, err
}

// DescribeDatabase describes every table of db, keyed by table name.
func (s *Store) DescribeDatabase(db string) (map[string]TableInfo, error) {
	if err := validateName(paramDatabase, db); err != nil {
		return nil, err
	}
	out := map[string]TableInfo{}
	err := s.view(db, func(tx *bolt.Tx) error {
		return forEachTable(tx, db, func(t *tableTx) error {
			out[t.name] = t.describe()
			return nil
		})
	})
	return out, err
}

// DescribeAll describes every table of every database: database -> table
// -> info. A database without tables maps to an empty map.
func (s *Store) DescribeAll() (map[string]map[string]TableInfo, error) {
	out := map[string]map[string]TableInfo{}
	for _, db := range s.Databases() {
		tables, err := s.DescribeDatabase(db)
		if StatusOf(err) == http.StatusNotFound {
			continue // dropped meanwhile
		}
		if err != nil {
			return nil, err
		}
		out[db] = tables
	}
	return out, nil
}

// TableSizes lists every table's size and record count, sorted by database
// then table. It reads only the tables' meta records.
func (s *Store) TableSizes() ([]TableSize, error) {
	var out []TableSize
	for _, db := range s.Databases() {
		err := s.view(db, func(tx *bolt.Tx) error {
			return forEachTable(tx, db, func(t *tableTx) error {
				out = append(out, TableSize{Database: db, Table: t.name,
					TableSize: t.meta.Bytes, RecordCount: t.meta.RecordCount})
				return nil
			})
		})
		if StatusOf(err) == http.StatusNotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Database < out[j].Database })
	return out, nil
}

// PrimaryKey returns the primary key attribute of a table.
func (s *Store) PrimaryKey(db, table string) (string, error) {
	var pk string
	err := s.viewTable(db, table, func(t *tableTx) error {
		pk = t.meta.PrimaryKey
		return nil
	})
	return pk, err
}

// Attributes returns every attribute ever written to a table, sorted
// bytewise; it includes the primary key, __createdtime__ and __updatedtime__.
func (s *Store) Attributes(db, table string) ([]string, error) {
	var attrs []string
	err := s.viewTable(db, table, func(t *tableTx) error {
		attrs = t.attributeNames()
		return nil
	})
	return attrs, err
}

// attributeNames lists the attribute set; bbolt keeps it sorted.
func (t *tableTx) attributeNames() []string {
	var names []string
	c := t.attrs.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		names = append(names, string(k))
	}
	return names
}

// describe builds the TableInfo of t.
func (t *tableTx) describe() TableInfo {
	info := TableInfo{Schema: t.db, Name: t.name, HashAttribute: t.meta.PrimaryKey,
		Sources: []string{}, RecordCount: t.meta.RecordCount, TableSize: t.meta.Bytes,
		LastUpdatedRecord: t.meta.LastUpdated, Created: t.meta.Created,
		DBSize: t.root.Tx().Size(), Attributes: []AttributeInfo{}}
	for _, name := range t.attributeNames() {
		info.Attributes = append(info.Attributes, AttributeInfo{Attribute: name,
			IsPrimaryKey: name == t.meta.PrimaryKey, Indexed: name == CreatedTimeAttr})
	}
	return info
}

// forEachTable calls fn for every table of the database tx reads, in name order.
func forEachTable(tx *bolt.Tx, db string, fn func(t *tableTx) error) error {
	return tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
		if isReplBucket(name) {
			return nil
		}
		t, err := openTable(tx, db, string(name))
		if err != nil {
			return fmt.Errorf("describing %s.%s: %w", db, name, err)
		}
		return fn(t)
	})
}
