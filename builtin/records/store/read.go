package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
)

// ctxCheckEvery is how many records a read visits between checks of its
// context: often enough to stop a cancelled export within milliseconds,
// rarely enough that the check costs nothing measurable.
const ctxCheckEvery = 1024

// Get calls fn with the record of each key, in the order given. Unknown
// keys, and values that cannot be keys, are skipped. See the package doc
// for what fn may do.
func (s *Store) Get(ctx context.Context, db, table string, keys []any, fn func(rec map[string]any) error) error {
	return s.viewTable(db, table, func(t *tableTx) error {
		return t.get(ctx, keys, fn)
	})
}

// get reads the records of keys from t, in the order given.
func (t *tableTx) get(ctx context.Context, keys []any, fn func(rec map[string]any) error) error {
	return t.eachStored(ctx, keys, func(_ int, v []byte) error {
		rec, err := decodeValue(v)
		if err != nil {
			return fmt.Errorf("table %s.%s: %w", t.db, t.name, err)
		}
		return fn(rec)
	})
}

// eachStored calls fn with the index in keys and the stored value of each
// key of keys found in t, in the order given, checking ctx every ctxCheckEvery keys. Unknown
// keys, and values that cannot be keys, are skipped. The one key lookup
// loop behind Get, GetRaw and Snapshot.GetAttrs. One cursor seeks every
// key: Bucket.Get would allocate a cursor and its page stack per key.
func (t *tableTx) eachStored(ctx context.Context, keys []any, fn func(i int, v []byte) error) error {
	c := t.recs.Cursor()
	var buf []byte // each key's stored form, in turn
	for i, k := range keys {
		if i%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		enc, kind, _ := appendKey(buf[:0], k)
		if kind != keyValid {
			continue
		}
		buf = enc
		found, v := c.Seek(enc)
		if v == nil || !bytes.Equal(found, enc) {
			continue // absent (or a nested bucket's name)
		}
		if err := fn(i, v); err != nil {
			return err
		}
	}
	return nil
}

// GetRaw is Get yielding each found record's stored JSON text, as ScanRaw
// does, for answers that copy what is already in their form. fn must not
// keep raw after it returns.
func (s *Store) GetRaw(ctx context.Context, db, table string, keys []any, fn func(raw []byte) error) error {
	return s.viewTable(db, table, func(t *tableTx) error {
		return t.eachStored(ctx, keys, func(_ int, v []byte) error {
			text, err := valueText(v)
			if err != nil {
				return fmt.Errorf("table %s.%s: %w", db, table, err)
			}
			return fn(text)
		})
	})
}

// Scan calls fn with every record of the table in primary key order
// (numbers, ascending, then strings, bytewise). It streams: one record is
// decoded at a time, so memory stays flat however large the table. See the
// package doc for what fn may do.
func (s *Store) Scan(ctx context.Context, db, table string, fn func(rec map[string]any) error) error {
	return s.viewTable(db, table, func(t *tableTx) error {
		s.prefetch.wholeTable(t)
		return t.scan(ctx, fn)
	})
}

// scan walks t's records in key order, decoded.
func (t *tableTx) scan(ctx context.Context, fn func(rec map[string]any) error) error {
	return t.scanValues(ctx, func(v []byte) error {
		rec, err := decodeValue(v)
		if err != nil {
			return fmt.Errorf("table %s.%s: %w", t.db, t.name, err)
		}
		return fn(rec)
	})
}

// scanValues walks t's stored values in key order, checking ctx every
// ctxCheckEvery records.
func (t *tableTx) scanValues(ctx context.Context, fn func(v []byte) error) error {
	c := t.recs.Cursor()
	n := 0
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if n%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		n++
		if err := fn(v); err != nil {
			return err
		}
	}
	return nil
}

// scanValuesDir is scanValues, in reverse key order when reverse is set.
func (t *tableTx) scanValuesDir(ctx context.Context, reverse bool, fn func(v []byte) error) error {
	c := t.recs.Cursor()
	first, next := c.First, c.Next
	if reverse {
		first, next = c.Last, c.Prev
	}
	n := 0
	for k, v := first(); k != nil; k, v = next() {
		if n%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		n++
		if err := fn(v); err != nil {
			return err
		}
	}
	return nil
}

// ScanRaw calls fn with the JSON text of every record of the table, in
// primary key order, as it is stored: an object written by this
// package's encoder, its primary key first and the other members sorted
// (see appendJSONObject), or in any member order (records stored
// earlier, or replicated from nodes that wrote them so). The
// text is valid only until fn returns. DecodeRaw turns it into the map
// Scan would have given. It lets a reader that writes records out as JSON
// copy what is already in the right form instead of decoding it.
func (s *Store) ScanRaw(ctx context.Context, db, table string, fn func(raw []byte) error) error {
	return s.viewTable(db, table, func(t *tableTx) error {
		s.prefetch.wholeTable(t)
		return t.scanValues(ctx, func(v []byte) error {
			text, err := valueText(v)
			if err != nil {
				return fmt.Errorf("table %s.%s: %w", t.db, t.name, err)
			}
			return fn(text)
		})
	})
}

// ScanRawPage is ScanRaw in reverse key order when page.Reverse is set,
// skipping page.Offset records and stopping after page.Limit (0: no
// limit); page.Sort is ignored.
func (s *Store) ScanRawPage(ctx context.Context, db, table string, page Page, fn func(raw []byte) error) error {
	if page == (Page{}) {
		return s.ScanRaw(ctx, db, table, fn)
	}
	if err := page.validate(); err != nil {
		return err
	}
	skip, sent := page.Offset, 0
	err := s.viewTable(db, table, func(t *tableTx) error {
		if page.Limit == 0 { // a limit reads only part of the table
			s.prefetch.wholeTable(t)
		}
		return t.scanValuesDir(ctx, page.Reverse, func(v []byte) error {
			text, err := valueText(v)
			if err != nil {
				return fmt.Errorf("table %s.%s: %w", t.db, t.name, err)
			}
			if skip > 0 {
				skip--
				return nil
			}
			if err := fn(text); err != nil {
				return err
			}
			if sent++; page.Limit > 0 && sent >= page.Limit {
				return errStop
			}
			return nil
		})
	})
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

// DecodeRaw decodes a record text ScanRaw gave, as Scan decodes it.
func DecodeRaw(raw []byte) (map[string]any, error) {
	return decodeJSON(raw)
}

// wildcard is search_by_value's wildcard character.
const wildcard = "*"

// SearchByValue calls fn with every record whose attribute attr matches
// value. A string value may start and/or end with "*" (starts with, ends
// with, contains; "*" alone matches any non-null value); otherwise strings
// match equal strings and numbers equal numbers (1 matches 1.0, never
// "1"). The order is SearchByConditions': by the attribute's value, then
// primary key, or page's sort; page cuts it. An equality search on the
// primary key is a key lookup, not a scan.
func (s *Store) SearchByValue(ctx context.Context, db, table, attr string, value any, page Page, fn func(map[string]any) error) error {
	if attr == "" {
		return badRequest(ErrMsgRequired, paramSearchAttribute)
	}
	if err := page.validate(); err != nil {
		return err
	}
	match := valueMatcher(value)
	return s.viewTable(db, table, func(t *tableTx) error {
		if attr == t.meta.PrimaryKey && !hasWildcard(value) {
			if page.Offset > 0 {
				return nil
			}
			if enc, kind, _ := encodeKey(value); kind == keyValid {
				if v := t.recs.Get(enc); v != nil {
					rec, err := decodeValue(v)
					if err != nil {
						return fmt.Errorf("table %s.%s: %w", db, table, err)
					}
					return fn(rec)
				}
			}
			return nil
		}
		return t.run(ctx, plan{pred: valuePredicate(attr, match), order: valueOrder(attr, value, t.meta.PrimaryKey), page: page}, fn)
	})
}

// valueOrder is a search_by_value's order (see Conditions.order): by the
// attribute's value, or nil (primary key order, the index's among equal
// values) when the value has no wildcard, so every match holds the one
// value, or when attr is the primary key.
func valueOrder(attr string, value any, pk string) orderFn {
	if !hasWildcard(value) || attr == pk {
		return nil
	}
	return attributeOrder(attr)
}

// valuePredicate tests a record's attr with a search_by_value matcher; a
// record without the attribute never matches.
func valuePredicate(attr string, match func(v any) bool) predicate {
	return func(rec map[string]any) bool {
		v, ok := rec[attr]
		return ok && match(v)
	}
}

// hasWildcard reports whether a search value is a string with a wildcard at
// either end.
func hasWildcard(value any) bool {
	s, ok := value.(string)
	return ok && (strings.HasPrefix(s, wildcard) || strings.HasSuffix(s, wildcard))
}

// valueMatcher turns a search_by_value value into a predicate on an
// attribute's value, as HarperDB maps it onto one indexed condition: a
// leading and trailing "*" is contains, a leading one ends_with, a
// trailing one starts_with, anything else equals (see comparison).
func valueMatcher(value any) func(v any) bool {
	s, ok := value.(string)
	if !ok || !hasWildcard(value) {
		return func(v any) bool { return equalValues(v, value) }
	}
	if s == wildcard {
		return func(v any) bool { return v != nil }
	}
	lead, trail := strings.HasPrefix(s, wildcard), strings.HasSuffix(s, wildcard)
	op, core := cmpContains, strings.TrimSuffix(strings.TrimPrefix(s, wildcard), wildcard)
	switch {
	case lead && !trail:
		op, core = cmpEndsWith, strings.TrimPrefix(s, wildcard)
	case !lead:
		op, core = cmpStartsWith, strings.TrimSuffix(s, wildcard)
	}
	return stringTest(op, core)
}
