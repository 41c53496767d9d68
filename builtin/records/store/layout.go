package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/hops-dev/hops/builtin/internal/fastjson"
)

// Layout of one database file: one top-level bucket per table, named by
// the table, holding
//
//	meta   (key)    JSON tableMeta: primary key, created, counts
//	recs   (bucket) encoded primary key -> stored record
//	ctime  (bucket) 8-byte big-endian __createdtime__ | encoded key -> marker
//	attrs  (bucket) attribute name -> marker (every attribute ever written)
//
// A stored record is a format byte, the record's __createdtime__ as 8
// big-endian bytes (so Delete finds its index entry without decoding the
// JSON), then the record as JSON. Format valueVersion (1) has nothing
// more; format valueVersionRepl (2), written while the key's replication
// version goes with the record (repl.go), has between the created time
// and the JSON the version's ts (µs, 8 big-endian bytes), the length of
// its node name (uvarint) and the node name. Every read takes the JSON
// with valueText, so readers never see the version.
var (
	metaKey     = []byte("meta")
	recsBucket  = []byte("recs")
	ctimeBucket = []byte("ctime")
	attrsBucket = []byte("attrs")
)

// marker is the value of attrs and ctime entries, whose keys carry all the
// information; it is not empty because bbolt does not promise to tell an
// empty value from a missing key.
var marker = []byte{1}

// Attribute names the store sets on every record.
const (
	CreatedTimeAttr = "__createdtime__"
	UpdatedTimeAttr = "__updatedtime__"
)

// valueVersion tags the stored record format so a later format can be read
// beside this one.
const valueVersion byte = 1

// valueVersionRepl tags a stored record that carries its key's
// replication version (see the layout above).
const valueVersionRepl byte = 2

// valueHeaderLen is the version byte plus the 8-byte created time.
const valueHeaderLen = 1 + 8

// replHeaderFixed is valueHeaderLen plus the version's 8-byte ts: where
// a valueVersionRepl record's node name length starts.
const replHeaderFixed = valueHeaderLen + 8

// errValueFormat is the error of a stored record in no known format.
var errValueFormat = errors.New("stored record has an unknown format")

// ctimeLen is the width of the created-time prefix of an index key.
const ctimeLen = 8

// indexFillPercent packs the created-time index densely: its keys arrive in
// time order, so pages split at the right edge and a full page is never
// split again (bbolt's default of 0.5 would leave them half empty).
const indexFillPercent = 0.95

// tableMeta is the per-table record kept under metaKey, rewritten in the
// same transaction as every write so counts never need a scan.
type tableMeta struct {
	PrimaryKey  string `json:"primary_key"`
	Created     int64  `json:"created"`      // epoch ms
	RecordCount int    `json:"record_count"` // records in recs
	Bytes       int64  `json:"bytes"`        // keys + values + index keys
	LastUpdated int64  `json:"last_updated"` // epoch ms of the last write
}

// tableTx is one table opened inside a bbolt transaction.
type tableTx struct {
	db, name string
	root     *bolt.Bucket
	recs     *bolt.Bucket
	ctime    *bolt.Bucket
	attrs    *bolt.Bucket
	meta     tableMeta
}

// openTable opens table inside tx, or returns the 404 for it.
func openTable(tx *bolt.Tx, db, table string) (*tableTx, error) {
	root := tx.Bucket([]byte(table))
	if root == nil {
		return nil, errTableNotFound(db, table)
	}
	t := &tableTx{db: db, name: table, root: root,
		recs: root.Bucket(recsBucket), ctime: root.Bucket(ctimeBucket), attrs: root.Bucket(attrsBucket)}
	if t.recs == nil || t.ctime == nil || t.attrs == nil {
		return nil, fmt.Errorf("table %s.%s: missing bucket (file damaged?)", db, table)
	}
	if err := json.Unmarshal(root.Get(metaKey), &t.meta); err != nil {
		return nil, fmt.Errorf("table %s.%s: reading meta: %w", db, table, err)
	}
	t.ctime.FillPercent = indexFillPercent
	return t, nil
}

// saveMeta writes t.meta back; only valid in a write transaction.
func (t *tableTx) saveMeta() error {
	b, err := json.Marshal(t.meta)
	if err != nil {
		return fmt.Errorf("encoding meta: %w", err)
	}
	if err := t.root.Put(metaKey, b); err != nil {
		return fmt.Errorf("table %s.%s: writing meta: %w", t.db, t.name, err)
	}
	return nil
}

// footprint is what one record adds to meta.Bytes: its key and value in
// recs plus its index key.
func footprint(key, value []byte) int64 {
	return int64(len(key) + len(value) + ctimeLen + len(key))
}

// indexKey is the ctime index key of a record.
func indexKey(ctime int64, key []byte) []byte {
	k := make([]byte, ctimeLen+len(key))
	binary.BigEndian.PutUint64(k, uint64(ctime))
	copy(k[ctimeLen:], key)
	return k
}

// encodeValue builds a stored record of a table whose primary key is pk
// (written first, see appendJSONObject).
func encodeValue(ctime int64, rec map[string]any, pk string) ([]byte, error) {
	return encodeValueVer(ctime, nil, rec, pk)
}

// encodeValueVer is encodeValue in format valueVersionRepl when ver, the
// key's version as appendVersionPart writes it, is not nil.
func encodeValueVer(ctime int64, ver []byte, rec map[string]any, pk string) ([]byte, error) {
	b := make([]byte, valueHeaderLen, valueHeaderLen+len(ver)+valueSizeHint)
	b[0] = valueVersion
	if ver != nil {
		b[0] = valueVersionRepl
		b = append(b, ver...)
	}
	binary.BigEndian.PutUint64(b[1:], uint64(ctime))
	return appendValueJSON(b, rec, pk)
}

// encodeValueLike is encodeValue with the header (format, created time,
// version) of the stored record old, which valueHeader returned as hdr.
func encodeValueLike(hdr []byte, rec map[string]any, pk string) ([]byte, error) {
	b := make([]byte, len(hdr), len(hdr)+valueSizeHint)
	copy(b, hdr)
	return appendValueJSON(b, rec, pk)
}

// appendValueJSON appends rec to a stored record's header b.
func appendValueJSON(b []byte, rec map[string]any, pk string) ([]byte, error) {
	b, err := appendJSONObject(b, rec, pk)
	if err != nil {
		return nil, badRequest(ErrMsgUnencodable, err)
	}
	return b, nil
}

// valueSizeHint is the buffer first allocated for a record: a typical
// 10-field record fits, so most need no regrowth.
const valueSizeHint = 256

// valueCtime returns the created time of a stored record.
func valueCtime(v []byte) (int64, error) {
	if len(v) < valueHeaderLen || v[0] != valueVersion && v[0] != valueVersionRepl {
		return 0, errValueFormat
	}
	return int64(binary.BigEndian.Uint64(v[1:valueHeaderLen])), nil
}

// valueText returns the JSON text of a stored record.
func valueText(v []byte) ([]byte, error) {
	if len(v) >= valueHeaderLen && v[0] == valueVersion {
		return v[valueHeaderLen:], nil
	}
	_, _, start, ok := valueVersionOf(v)
	if !ok {
		return nil, errValueFormat
	}
	return v[start:], nil
}

// valueVersionOf reads the key version a valueVersionRepl record carries:
// its ts, its node name (a slice of v), and where the JSON starts. ok is
// false for a record of another format (or a damaged one).
func valueVersionOf(v []byte) (ts int64, node []byte, start int, ok bool) {
	if len(v) <= replHeaderFixed || v[0] != valueVersionRepl {
		return 0, nil, 0, false
	}
	n, w := binary.Uvarint(v[replHeaderFixed:])
	if w <= 0 || n > uint64(len(v)-replHeaderFixed-w) {
		return 0, nil, 0, false
	}
	at := replHeaderFixed + w
	start = at + int(n)
	return int64(binary.BigEndian.Uint64(v[valueHeaderLen:replHeaderFixed])), v[at:start:start], start, true
}

// valueHeader returns the stored record's bytes before its JSON (format,
// created time and, for valueVersionRepl, the key version).
func valueHeader(v []byte) ([]byte, error) {
	text, err := valueText(v)
	if err != nil {
		return nil, err
	}
	return v[:len(v)-len(text)], nil
}

// decodeValue decodes a stored record. Numbers come back as json.Number,
// so 1 stays 1 and 12.5 stays 12.5 when re-encoded. The fast parser
// (builtin/internal/fastjson) handles every record encoding/json writes;
// anything it refuses goes through encoding/json, which has the last word.
func decodeValue(v []byte) (map[string]any, error) {
	text, err := valueText(v)
	if err != nil {
		return nil, err
	}
	return decodeJSON(text)
}

// decodeJSON decodes a stored record's JSON text.
func decodeJSON(text []byte) (map[string]any, error) {
	rec, err := fastjson.Decode(text)
	if err != nil {
		return nil, fmt.Errorf("decoding stored record: %w", err)
	}
	return rec, nil
}
