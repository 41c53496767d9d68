package records

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/hops-dev/hops/builtin/internal/fastjson"
	"github.com/hops-dev/hops/builtin/internal/replpack"
	"github.com/hops-dev/hops/builtin/records/store"
)

// Reading repl_records_apply's body without encoding/json: the clustering
// family writes it compact ({"operation", "source", "origin", "entries"})
// with the entries as the origin wrote them, which fastjson's member walk
// reads in place. The walk cuts values out by structure alone
// (Slots.FillLax), and each value read is checked once, by what reads it:
// the strings and numbers here, the key and the record (whose stored text
// must be canonical) by store.ReplApply. Anything it does not recognise
// (whitespace, escaped keys, a value it cannot be sure of) goes through
// encoding/json instead, which has the last word.

// bodyColumns are the members of the body read here: "packs" holds
// compressed messages (replpack), whose entries follow those of "entries".
var bodyColumns = []string{"origin", "entries", "packs"}

// entryColumns are the members of an entry, in the order the records
// source writes them.
var entryColumns = []string{"seq", "ts", "node", "op", "database", "table", "primary_key", "key", "record", "attributes", "attribute"}

// readApplyBody reads the origin and the entries; ok=false when the body
// must be decoded with encoding/json.
func readApplyBody(body []byte) (origin string, entries []store.ReplEntry, ok bool) {
	top := fastjson.NewSlots(bodyColumns)
	if !top.FillLax(bytes.TrimSpace(body)) {
		return "", nil, false
	}
	if text, _ := top.Value(0); text != nil {
		if origin, ok = readString(text); !ok {
			return "", nil, false
		}
	}
	list, _ := top.Value(1)
	if packs, _ := top.Value(2); packs != nil && string(packs) != "null" {
		if list, ok = unpackList(list, packs); !ok {
			return "", nil, false
		}
	}
	slots := fastjson.NewSlots(entryColumns)
	if entries, ok = readEntries(slots, list); ok {
		return origin, entries, true
	}
	elems, ok := fastjson.Elements(list)
	if !ok {
		return "", nil, false
	}
	entries = make([]store.ReplEntry, len(elems))
	var prev store.ReplEntry
	for i, raw := range elems {
		if !slots.FillLax(raw) || !readEntry(slots, &entries[i], &prev) {
			decodeEntry(raw, &entries[i])
			continue
		}
		prev = entries[i]
	}
	return origin, entries, true
}

// unpackList is the entries array list (nil for none) followed by the
// entries of the compressed messages packs (a JSON array of replpack
// strings), as one array; false when packs is not such an array. A pack
// that does not decode becomes an entry whose op says why (ReplApply
// skips it as unreadable and names it).
func unpackList(list, packs []byte) ([]byte, bool) {
	elems, ok := fastjson.Elements(packs)
	if !ok {
		return nil, false
	}
	var inner []byte
	if l := bytes.TrimSpace(list); len(l) >= 2 && l[0] == '[' && l[len(l)-1] == ']' {
		inner = bytes.TrimSpace(l[1 : len(l)-1])
	} else if len(l) > 0 && string(l) != "null" {
		return nil, false
	}
	raws := make([][]byte, len(elems))
	size := len(inner) + 2
	for i, e := range elems {
		raw, err := replpack.Decode(e)
		if err != nil {
			msg, _ := json.Marshal(store.UnreadableOp + "pack " + strconv.Itoa(i) + ": " + err.Error())
			raw = append(append([]byte(`[{"op":`), msg...), "}]"...)
		}
		raws[i] = raw
		size += len(raw)
	}
	out := make([]byte, 0, size)
	out = append(out, '[')
	out = append(out, inner...)
	for _, raw := range raws {
		in := bytes.TrimSpace(raw[1 : len(raw)-1])
		if len(in) == 0 {
			continue
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(out, in...)
	}
	return append(out, ']'), true
}

// entryBytes is the size of an entry readEntries expects, to size its
// list: a record of about ten attributes.
const entryBytes = 300

// readEntries reads the entries array list in one walk, as the clustering
// family writes it (compact, every entry what readEntry reads); false
// when it is not so, and the elements must be cut apart first.
func readEntries(slots *fastjson.Slots, list []byte) ([]store.ReplEntry, bool) {
	if len(list) < 2 || list[0] != '[' {
		return nil, false
	}
	entries := make([]store.ReplEntry, 0, len(list)/entryBytes+1)
	if len(list) == 2 && list[1] == ']' {
		return entries, true
	}
	var prev store.ReplEntry
	for i := 1; ; {
		n, ok := slots.FillLaxPrefix(list[i:])
		if !ok {
			return nil, false
		}
		entries = append(entries, store.ReplEntry{})
		e := &entries[len(entries)-1]
		if !readEntry(slots, e, &prev) {
			return nil, false
		}
		prev = *e
		i += n
		switch {
		case i < len(list) && list[i] == ',':
			i++
		case i == len(list)-1 && list[i] == ']':
			return entries, true
		default:
			return nil, false
		}
	}
}

// decodeEntry decodes one entry with encoding/json; an entry it cannot
// decode gets an op that says why (ReplApply skips it as unreadable).
func decodeEntry(raw []byte, e *store.ReplEntry) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(e); err != nil {
		*e = store.ReplEntry{Op: store.UnreadableOp + err.Error()}
	}
}

// readEntry fills e from the entry slots were just filled with
// (Slots.FillLax); false when the entry must be decoded instead. Its
// names (node, op, database, table, primary key) are prev's strings when
// they are the same text: entries come in runs of one table.
func readEntry(slots *fastjson.Slots, e *store.ReplEntry, prev *store.ReplEntry) bool {
	*e = store.ReplEntry{}
	for i := range entryColumns {
		text, _ := slots.Value(i)
		if text == nil || string(text) == "null" {
			continue
		}
		var ok bool
		switch entryColumns[i] {
		case "seq":
			e.Seq, ok = readUint(text)
		case "ts":
			e.Ts, ok = json.Number(text), isNumberText(text)
		case "node":
			e.Node, ok = readName(text, prev.Node)
		case "op":
			e.Op, ok = readName(text, prev.Op)
		case "database":
			e.Database, ok = readName(text, prev.Database)
		case "table":
			e.Table, ok = readName(text, prev.Table)
		case "primary_key":
			e.PrimaryKey, ok = readName(text, prev.PrimaryKey)
		case "key":
			e.Key, ok = json.RawMessage(text), true // parseKey checks it
		case "record":
			e.Record, ok = json.RawMessage(text), true // ReplApply checks it
		case "attributes":
			ok = json.Unmarshal(text, &e.Attributes) == nil
		case "attribute":
			e.Attribute, ok = readString(text)
		}
		if !ok {
			return false
		}
	}
	return true
}

// readString reads a JSON string: in place when it has no escapes.
func readString(text []byte) (string, bool) {
	if len(text) >= 2 && text[0] == '"' && text[len(text)-1] == '"' &&
		bytes.IndexByte(text[1:len(text)-1], '\\') < 0 && bytes.IndexByte(text[1:len(text)-1], '"') < 0 {
		return string(text[1 : len(text)-1]), true
	}
	var s string
	if err := json.Unmarshal(text, &s); err != nil {
		return "", false
	}
	return s, true
}

// readName is readString, returning same itself when the string is the
// same (no copy of the text).
func readName(text []byte, same string) (string, bool) {
	if len(text) == len(same)+2 && text[0] == '"' && text[len(text)-1] == '"' && string(text[1:len(text)-1]) == same &&
		bytes.IndexByte(text[1:len(text)-1], '\\') < 0 && bytes.IndexByte(text[1:len(text)-1], '"') < 0 {
		return same, true
	}
	return readString(text)
}

// readUint reads a whole non-negative JSON number.
func readUint(text []byte) (uint64, bool) {
	n, err := strconv.ParseUint(string(text), 10, 64)
	return n, err == nil
}

// isNumberText reports whether text is a decimal number strconv reads
// (parseTs reads it so): digits, sign, point and exponent only.
func isNumberText(text []byte) bool {
	for _, c := range text {
		if !(c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
			return false
		}
	}
	_, err := strconv.ParseFloat(string(text), 64)
	return err == nil
}
