package records

import (
	"slices"

	"github.com/hops-dev/hops/builtin/records/sqlq"
	"github.com/hops-dev/hops/builtin/records/store"
)

// This file applies a role's attribute permissions (perms.go) to the
// operations: what each one reads and writes, and what describe shows.

// recordAttributes returns the attributes recs write, each once: the
// first record's keys sorted, then each later record's new keys sorted,
// so a 403 lists them in the same order every time.
func recordAttributes(recs []map[string]any) []string {
	var out []string
	seen := make(map[string]bool)
	for _, rec := range recs {
		start := len(out)
		for k := range rec {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
		slices.Sort(out[start:])
	}
	return out
}

// checkWrite checks the attributes recs write on table t against the
// caller's attribute rights, needing the operation's rights on each.
func (p perms) checkWrite(st *store.Store, t target, recs []map[string]any, need ...right) error {
	if p.super {
		return nil
	}
	rules, err := p.rulesOn(st, t)
	if err != nil || !rules.limited {
		return err
	}
	return rules.check(recordAttributes(recs), need...)
}

// rulesOn resolves the caller's attribute rights on table t, reading its
// primary key from st (an unknown table's 404 is returned as is).
func (p perms) rulesOn(st *store.Store, t target) (attrRules, error) {
	if p.super {
		return attrRules{t: t}, nil
	}
	rights, _ := p.rights(t.db, t.table)
	if !rights.restricted() {
		return attrRules{t: t, nonSuper: true}, nil
	}
	pk, err := st.PrimaryKey(t.db, t.table)
	if err != nil {
		return attrRules{}, err
	}
	return p.attrRulesFor(t, pk), nil
}

// checkStatement checks the attributes a SQL statement reads (read) and
// writes (insert or update) against the caller's attribute rights.
func (p perms) checkStatement(st *store.Store, stmt *sqlq.Statement) error {
	if p.super {
		return nil
	}
	if tables := stmt.Tables(); len(tables) > 1 {
		return p.checkJoin(st, stmt, tables)
	}
	t := target{db: stmt.Table.DB, table: stmt.Table.Table}
	rules, err := p.rulesOn(st, t)
	if err != nil || !rules.limited {
		return err
	}
	if err := rules.check(stmt.ReadAttributes(), rightRead); err != nil {
		return err
	}
	switch stmt.Kind {
	case sqlq.Insert:
		return rules.check(stmt.WrittenAttributes(), rightInsert)
	case sqlq.Update:
		return rules.check(stmt.WrittenAttributes(), rightUpdate)
	}
	return nil
}

// checkJoin checks a SELECT over several tables: every attribute it reads
// must be readable in each table whose attributes the role limits (the
// statement's attribute names carry no table, so this errs on the side of
// refusing), and * over such a table is refused, since the columns it would
// add are not known here.
func (p perms) checkJoin(st *store.Store, stmt *sqlq.Statement, tables []sqlq.TableRef) error {
	for _, t := range tables {
		rules, err := p.rulesOn(st, target{db: t.DB, table: t.Table})
		if err != nil || !rules.limited {
			if err != nil {
				return err
			}
			continue
		}
		attrs := stmt.ReadAttributes()
		if stmt.SelectedColumns() == nil {
			attrs = append(attrs, "*")
		}
		if err := rules.check(attrs, rightRead); err != nil {
			return err
		}
	}
	return nil
}

// hideAttributes removes from a table's description the attributes the
// caller cannot see.
func (p perms) hideAttributes(info *store.TableInfo) {
	if p.super {
		return
	}
	rights, _ := p.rights(info.Schema, info.Name)
	if !rights.restricted() {
		return
	}
	rules := p.attrRulesFor(target{db: info.Schema, table: info.Name}, info.HashAttribute)
	info.Attributes = slices.DeleteFunc(info.Attributes, func(a store.AttributeInfo) bool {
		return !rules.visible(a.Attribute)
	})
}

// restrict narrows a projection to what rules let the caller read: a
// projection of every attribute becomes the readable columns only.
func (r attrRules) restrict(p projection) projection {
	if !r.limited {
		return p
	}
	return projection{cols: r.filterReadable(p.cols)}
}

// conditionAttributes returns the attributes a search_by_conditions reads:
// every condition's, nested groups included, and the sort's (sorting by an
// attribute reveals its order, so it needs read like a condition).
func conditionAttributes(q store.Conditions) []string {
	var out []string
	var walk func(cs []store.Condition)
	walk = func(cs []store.Condition) {
		for _, c := range cs {
			if c.Conditions != nil {
				walk(c.Conditions)
				continue
			}
			out = append(out, c.SearchAttribute)
		}
	}
	walk(q.Conditions)
	for s := q.Sort; s != nil; s = s.Next {
		out = append(out, s.Attribute)
	}
	return out
}
