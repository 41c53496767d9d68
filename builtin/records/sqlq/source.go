package sqlq

import "context"

// Source is the table store a statement reads. builtin/records/store
// satisfies it; tests use an in-memory fake.
//
// Records are JSON objects decoded into maps: numbers may be float64 or
// json.Number, and a primary key is a number or a string (a number never
// equals a string). An error a Source returns (an unknown table's 404, a
// cancelled context) reaches Run's caller unchanged.
type Source interface {
	// PrimaryKey returns the table's primary key attribute.
	PrimaryKey(db, table string) (string, error)
	// Attributes returns every attribute the table has seen, in any order.
	Attributes(db, table string) ([]string, error)
	// Scan calls fn with every record of the table, streaming. An error
	// from fn stops the scan and is returned as is.
	Scan(ctx context.Context, db, table string, fn func(rec map[string]any) error) error
	// Get calls fn with the record of each key that exists, in the order
	// given. Keys are float64 or string. An error from fn stops the read
	// and is returned as is. A join calls Get from inside Scan's fn (see
	// join.go): over a store whose nested reads could deadlock, run
	// statements that Join through a source that allows it
	// (store.Snapshot).
	Get(ctx context.Context, db, table string, keys []any, fn func(rec map[string]any) error) error
}

// AttrSource is a Source that can read only some attributes of each
// record. A join reads through it, when its Source is one, the attributes
// the statement names (store.Snapshot is one): decoding a few attributes
// of a wide record costs a fraction of decoding it all.
type AttrSource interface {
	Source
	// ScanAttrs is Scan with each record holding only attrs (those it
	// has), a map fn may keep and change.
	ScanAttrs(ctx context.Context, db, table string, attrs []string, fn func(rec map[string]any) error) error
	// GetAttrs is Get with ScanAttrs' records.
	GetAttrs(ctx context.Context, db, table string, keys []any, attrs []string, fn func(rec map[string]any) error) error
}

// KeyedAttrSource is an AttrSource whose key reads say which key each
// record is for (store.Snapshot is one): a join by key then places each
// record without reading its key back, and when it needs no attribute
// of the table, reads only which keys exist.
type KeyedAttrSource interface {
	AttrSource
	// GetAttrsAt is GetAttrs calling fn with the index in keys of each
	// key that exists; with attrs empty (not nil) rec is nil and no
	// record is decoded.
	GetAttrsAt(ctx context.Context, db, table string, keys []any, attrs []string, fn func(i int, rec map[string]any) error) error
}

// KeyKinder is a Source that tells which kinds of primary key a table
// holds; a join by key then looks a value up only in the forms a key may
// have (store.Snapshot is one).
type KeyKinder interface {
	KeyKinds(db, table string) (numbers, strings bool, err error)
}
