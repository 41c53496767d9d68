package auth

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
)

// checkTable validates one table's rights and attribute_permissions. attrs
// lists the table's attributes; nil means unknown (names are not checked).
func checkTable(db, table string, raw json.RawMessage, attrs []string, pe *permErrors) {
	tp, ok := objectOf(raw)
	if !ok {
		pe.addTable(db, table, fmtTablePermsObject, db, table)
		return
	}
	for _, k := range sortedKeys(tp) {
		if k != permAttributes && !slices.Contains(crudKeys, k) {
			pe.addTable(db, table, fmtInvalidPermKey, k)
		}
	}
	rights := map[string]bool{}
	for _, k := range crudKeys {
		v, present := tp[k]
		if !present || !sdkPresent(v) {
			pe.addTable(db, table, fmtTablePermMissing, strings.ToUpper(k))
			continue
		}
		b, isBool := boolOf(v)
		if !isBool {
			pe.addTable(db, table, fmtTablePermNotBool, strings.ToUpper(k))
			continue
		}
		rights[k] = b
	}
	ap, present := tp[permAttributes]
	if !present {
		pe.addTable(db, table, msgAttrPermsMissing)
		return
	}
	if !sdkPresent(ap) {
		return // null: no attribute rules
	}
	var list []json.RawMessage
	if !bytes.HasPrefix(bytes.TrimSpace(ap), []byte("[")) || json.Unmarshal(ap, &list) != nil {
		pe.addTable(db, table, msgAttrPermsNotArray)
		return
	}
	granted := map[string]bool{}
	for _, item := range list {
		checkAttribute(db, table, item, attrs, granted, pe)
	}
	for _, k := range crudKeys[:3] {
		if v, known := rights[k]; known && !v && granted[k] {
			pe.addTable(db, table, fmtMismatchedPerms, db+"."+table)
			break
		}
	}
}

// checkAttribute validates one attribute_permissions entry and records in
// granted which rights it gives.
func checkAttribute(db, table string, raw json.RawMessage, attrs []string, granted map[string]bool, pe *permErrors) {
	a, ok := objectOf(raw)
	if !ok {
		pe.addTable(db, table, msgAttrPermNotObject)
		return
	}
	for _, k := range sortedKeys(a) {
		if k != permAttrName && !slices.Contains(crudKeys, k) {
			pe.addTable(db, table, fmtInvalidAttrPermKey, k)
		}
	}
	var name string
	if !sdkPresent(a[permAttrName]) || json.Unmarshal(a[permAttrName], &name) != nil {
		pe.addTable(db, table, msgAttrPermMissingName)
		return
	}
	if attrs != nil && !slices.Contains(attrs, name) {
		pe.addTable(db, table, fmtInvalidAttribute, name)
		return
	}
	for _, k := range crudKeys[:3] {
		v, present := a[k]
		if !present || !sdkPresent(v) {
			pe.addTable(db, table, fmtAttrPermMissing, strings.ToUpper(k), name)
			continue
		}
		b, isBool := boolOf(v)
		if !isBool {
			pe.addTable(db, table, fmtAttrPermNotBool, strings.ToUpper(k), name)
			continue
		}
		granted[k] = granted[k] || b
	}
}

// sdkPresent reports whether a raw value is present and not null.
func sdkPresent(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && !bytes.Equal(t, []byte("null"))
}
