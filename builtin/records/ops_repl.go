package records

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/hops-dev/hops/builtin/internal/replpack"
	"github.com/hops-dev/hops/builtin/records/store"
	"github.com/hops-dev/hops/sdk"
)

// Replication: the records source of the clustering contract
// (docs/clustering.md, "Replication"). The clustering family calls these
// operations through Host.Dispatch as the host's internal caller; they are
// sdk.AccessInternal, so the router refuses them to every other caller
// (HTTP clients, super users included) and the handlers trust theirs. The store does the work (store/repl*.go).
const (
	opReplEnable    = "repl_records_enable"
	opReplDisable   = "repl_records_disable"
	opReplOutbox    = "repl_records_outbox"
	opReplOutboxAck = "repl_records_outbox_ack"
	opReplApply     = "repl_records_apply"
	opReplChecksum  = "repl_records_checksum"
	opReplStatus    = "repl_records_status"
	// opTableChecksum is repl_records_checksum for super users over HTTP:
	// tests, benchmarks and operators compare nodes with it.
	opTableChecksum = "table_checksum"
)

// replOperations are the rows of the operation table for replication.
func (f *Family) replOperations() []sdk.Operation {
	internal := sdk.AccessInternal
	return []sdk.Operation{
		{Name: opReplEnable, Access: internal, Summary: "internal: keep the replication outbox (first time: copy every record into it)", Handler: f.replEnable},
		{Name: opReplDisable, Access: internal, Summary: "internal: stop keeping the replication outbox", Handler: f.replDisable},
		{Name: opReplOutbox, Access: internal, Summary: "internal: read outbox entries after a seq", Handler: f.replOutbox},
		{Name: opReplOutboxAck, Access: internal, Summary: "internal: drop outbox entries up to a seq", Handler: f.replOutboxAck},
		{Name: opReplApply, Access: internal, Summary: "internal: apply another node's entries (later ts, node wins)", Handler: f.replApply},
		{Name: opReplChecksum, Access: internal, Summary: "internal: a table's record count and order-independent checksum", Handler: f.replChecksum},
		{Name: opReplStatus, Access: internal, Summary: "internal: whether the outbox is kept, for whom and what it holds", Handler: f.replStatus},
		{Name: opTableChecksum, Access: sdk.AccessSuperUser, Summary: "a table's record count and order-independent checksum (compare nodes)", Handler: f.replChecksum},
	}
}

// replEnable: repl_records_enable {node, databases}: databases is
// replication.databases as the config has it: "*" for every database but
// system, a list of names, or absent/null for none (the config's default
// replicates the system database only, which the host owns). Answers
// {message, copied}: copied is the number of records the first enable put
// into the outbox.
func (f *Family) replEnable(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	st, fields, err := f.begin(req)
	if err != nil {
		return nil, err
	}
	cfg := store.ReplConfig{Node: fields.String("node", sdk.Required)}
	if raw, ok := fields.Raw("databases"); ok {
		cfg.All, cfg.Databases, err = replDatabases(raw)
		if err != nil {
			fields.Fail("%s", err.Error())
		}
	}
	if err := fields.Err(); err != nil {
		return nil, err
	}
	copied, err := st.ReplEnable(cfg)
	if err != nil {
		return nil, fmt.Errorf("enabling replication: %w", err)
	}
	f.log.Info("replication outbox on", "node", cfg.Node, "all", cfg.All, "databases", cfg.Databases, "copied", copied)
	return sdk.OK(map[string]any{"message": "replication outbox enabled", "copied": copied}), nil
}

// replDatabases reads the databases field: "*", a list of names (a "*"
// in it means all), or null.
func replDatabases(raw json.RawMessage) (all bool, dbs []string, err error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case string(raw) == "null":
		return false, nil, nil
	case string(raw) == `"*"`:
		return true, nil, nil
	}
	if err := json.Unmarshal(raw, &dbs); err != nil {
		return false, nil, fmt.Errorf(`'databases' must be "*" or a list of database names`)
	}
	for _, d := range dbs {
		if d == "*" {
			return true, nil, nil
		}
	}
	return false, dbs, nil
}

// replDisable: repl_records_disable {}.
func (f *Family) replDisable(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	st, _, err := f.begin(req)
	if err != nil {
		return nil, err
	}
	if err := st.ReplDisable(); err != nil {
		return nil, fmt.Errorf("disabling replication: %w", err)
	}
	f.log.Info("replication outbox off")
	return sdk.Message("replication outbox disabled"), nil
}

// maxOutboxWait bounds repl_records_outbox's wait_ms.
const maxOutboxWait = 10 * time.Second

// replOutbox: repl_records_outbox {after, limit, wait_ms, packed,
// encoding}:
// {"entries": [...]}, the entries after seq after in seq order, at most
// limit (default 1000, at most 10 000) and about 3 MiB. With wait_ms (at
// most 10 s) and no entry yet, it answers as soon as a transaction
// commits entries, or with none after wait_ms. With packed (a message
// size in bytes) the entries come packed in messages instead, and with
// encoding "s2" as well each message compressed (see packedOutbox).
func (f *Family) replOutbox(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	st, fields, err := f.begin(req)
	if err != nil {
		return nil, err
	}
	after := seqField(fields, "after", false)
	limit, _ := fields.Int("limit")
	waitMS, _ := fields.Number("wait_ms")
	packBytes, _ := fields.Int("packed")
	encoding := fields.String("encoding")
	if encoding != "" && encoding != replpack.Encoding {
		fields.Fail("'encoding' must be %q", replpack.Encoding)
	}
	if err := fields.Err(); err != nil {
		return nil, err
	}
	wait := time.Duration(min(max(waitMS, 0), float64(maxOutboxWait/time.Millisecond))) * time.Millisecond
	if packBytes > 0 {
		chunks, err := st.ReplOutboxChunksWait(ctx, after, limit, wait)
		if err != nil {
			return nil, err
		}
		answer, err := packedOutbox(chunks, packBytes, encoding != "")
		if err != nil {
			return nil, fmt.Errorf("reading the outbox: %w", err)
		}
		return sdk.RawJSON(answer), nil
	}
	entries, err := st.ReplOutboxWait(ctx, after, limit, wait)
	if err != nil {
		return nil, err
	}
	size := len(`{"entries":[]}`)
	for _, e := range entries {
		size += len(e) + 1
	}
	b := make([]byte, 0, size)
	b = append(b, `{"entries":[`...)
	for i, e := range entries {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, e...)
	}
	b = append(b, "]}"...)
	return sdk.RawJSON(b), nil
}

// packedOutbox is repl_records_outbox's answer with packed: the chunks
// (in the order ReplOutboxChunks gives them) packed into messages of up
// to packBytes where they can be cut (a message ends only where every
// entry up to its largest seq is in it or an earlier one), each message
// a JSON array of entries:
//
//	{"packs":[[first,last,ts,n,off,len],...],"messages":[[e,...],[e,...]]}
//
// For each message: its smallest and largest seq, the ts of the entry
// with the largest seq, its number of entries, and where its array is:
// len bytes from off, counted from the byte after `"messages":[`. The
// transport publishes each array as it is.
//
// Compressed (compress), each message is the array as replpack writes it
// (a JSON string) and its head has a seventh number, the array's size
// before compression: packBytes bounds that size. The store keeps its
// chunks compressed, so a message is their blocks joined
// (replpack.JoinBlocks), not compressed again; only a plain chunk (from
// a store of an earlier build, or cut at the reader's position) is
// compressed here. A compressed message is about a fifth of the array,
// so every hop after this one (the host's relay, the stream's file, the
// routes to the other nodes, their apply calls) carries a fifth of the
// bytes. Plain, compressed chunks are decompressed.
func packedOutbox(chunks []store.ReplChunk, packBytes int, compress bool) ([]byte, error) {
	if !compress {
		for i, c := range chunks {
			p, err := c.Plain()
			if err != nil {
				return nil, err
			}
			chunks[i] = p
		}
	}
	type pack struct {
		first, last uint64
		ts          int64
		n, size     int
		from, to    int // chunks[from:to]
	}
	var packs []pack
	for i := 0; i < len(chunks); {
		p := pack{first: chunks[i].First, from: i, size: 1}
		for {
			c := chunks[i]
			if c.Last > p.last {
				p.last, p.ts = c.Last, c.LastTs
			}
			p.n += c.N
			p.size += c.Len() + 1
			i++
			if i == len(chunks) {
				break
			}
			if p.last < chunks[i].First && p.size+chunks[i].Len()+1 > packBytes {
				break
			}
		}
		p.to = i
		packs = append(packs, p)
	}
	// Each message's length: an array's is known, a compressed one's once
	// its blocks are joined (into the pooled scratch).
	lens := make([]int, len(packs))
	var enc [][]byte
	var sc *packScratch
	if compress {
		sc = packScratches.Get().(*packScratch)
		defer packScratches.Put(sc)
		need := 16 * len(packs)
		for _, c := range chunks {
			if c.Compressed != nil {
				need += len(c.Compressed) + 8
			} else {
				need += replpack.MaxCompressedLen(len(c.Text)) + 8
			}
		}
		sc.enc = slices.Grow(sc.enc[:0], need)
		enc = make([][]byte, len(packs))
		var blocks [][]byte
		for i, p := range packs {
			blocks = blocks[:0]
			for _, c := range chunks[p.from:p.to] {
				blocks = append(blocks, c.Block())
			}
			at := len(sc.enc)
			joined, err := replpack.JoinBlocks(sc.enc, blocks)
			if err != nil {
				return nil, err
			}
			sc.enc = joined
			enc[i] = joined[at:len(joined):len(joined)]
			lens[i] = replpack.TextLen(len(enc[i]))
		}
	} else {
		for i, p := range packs {
			lens[i] = p.size
		}
	}
	size := 64
	for i := range packs {
		size += 96 + lens[i]
	}
	b := make([]byte, 0, size)
	b = append(b, `{"packs":[`...)
	off := 0
	for i, p := range packs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = strconv.AppendUint(b, p.first, 10)
		b = append(b, ',')
		b = strconv.AppendUint(b, p.last, 10)
		b = append(b, ',')
		b = strconv.AppendFloat(b, float64(p.ts)/1000, 'f', -1, 64)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(p.n), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(off), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(lens[i]), 10)
		if compress {
			b = append(b, ',')
			b = strconv.AppendInt(b, int64(p.size), 10)
		}
		b = append(b, ']')
		off += lens[i] + 1
	}
	b = append(b, `],"messages":[`...)
	for i, p := range packs {
		if i > 0 {
			b = append(b, ',')
		}
		if compress {
			b = replpack.AppendCompressed(b, enc[i])
		} else {
			b = appendPack(b, chunks[p.from:p.to])
		}
	}
	return append(b, "]}"...), nil
}

// appendPack appends chunks' entries (plain) as one JSON array.
func appendPack(b []byte, chunks []store.ReplChunk) []byte {
	b = append(b, '[')
	for j, c := range chunks {
		if j > 0 {
			b = append(b, ',')
		}
		b = append(b, c.Text...)
	}
	return append(b, ']')
}

// packScratch holds the buffer packedOutbox joins compressed messages
// in, kept between calls (an outbox page is a few MiB).
type packScratch struct {
	enc []byte
}

var packScratches = sync.Pool{New: func() any { return new(packScratch) }}

// seqField reads a non-negative whole seq field.
func seqField(fields *sdk.Fields, key string, required bool) uint64 {
	var opts []sdk.FieldOption
	if required {
		opts = append(opts, sdk.Required)
	}
	n, ok := fields.Number(key, opts...)
	if !ok {
		return 0
	}
	if n < 0 || n != math.Trunc(n) || n > 1<<53 {
		fields.Fail("'%s' must be a whole number of at least 0", key)
		return 0
	}
	return uint64(n)
}

// replOutboxAck: repl_records_outbox_ack {upto}: {"dropped": n}.
func (f *Family) replOutboxAck(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	st, fields, err := f.begin(req)
	if err != nil {
		return nil, err
	}
	upto := seqField(fields, "upto", true)
	if err := fields.Err(); err != nil {
		return nil, err
	}
	n, err := st.ReplAck(upto)
	if err != nil {
		return nil, err
	}
	return sdk.OK(map[string]int{"dropped": n}), nil
}

// replApplyBody is repl_records_apply's body.
type replApplyBody struct {
	Origin  string            `json:"origin"`
	Entries []json.RawMessage `json:"entries"`
	Packs   json.RawMessage   `json:"packs"`
}

// replApply: repl_records_apply {origin, entries, packs}: {"applied",
// "skipped"} (and "unreadable" naming entries it could not read, which
// are logged). packs are compressed messages (replpack) whose entries
// follow those of entries. Entries apply in order, each at most once (see
// store.ReplApply).
func (f *Family) replApply(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	st, err := f.store()
	if err != nil {
		return nil, err
	}
	origin, entries, ok := readApplyBody(req.Body)
	if !ok {
		var body replApplyBody
		if err := json.Unmarshal(req.Body, &body); err != nil {
			return nil, sdk.BadRequest("'entries' must be a list of objects: %v", err)
		}
		origin = body.Origin
		raws := body.Entries
		if len(body.Packs) > 0 && string(body.Packs) != "null" {
			list, ok := unpackList(nil, body.Packs)
			var packed []json.RawMessage
			if !ok || json.Unmarshal(list, &packed) != nil {
				return nil, sdk.BadRequest("'packs' must be a list of compressed messages")
			}
			raws = append(raws, packed...)
		}
		entries = make([]store.ReplEntry, len(raws))
		for i, raw := range raws {
			decodeEntry(raw, &entries[i])
		}
	}
	res, err := st.ReplApply(origin, entries)
	if err != nil {
		return nil, fmt.Errorf("applying entries from %s: %w", origin, err)
	}
	if len(res.Unreadable) > 0 {
		f.log.Warn("replicated entries skipped", "origin", origin, "unreadable", res.Unreadable)
	}
	return sdk.OK(res), nil
}

// replChecksum: repl_records_checksum and table_checksum {database,
// table}: {"count", "checksum"}, the same on two nodes holding the same
// records (store.ReplChecksum).
func (f *Family) replChecksum(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	st, fields, err := f.begin(req)
	if err != nil {
		return nil, err
	}
	t := readTarget(fields)
	if err := fields.Err(); err != nil {
		return nil, err
	}
	n, sum, err := st.ReplChecksum(ctx, t.db, t.table)
	if err != nil {
		return nil, err
	}
	return sdk.OK(map[string]any{"count": n, "checksum": sum}), nil
}

// replStatus: repl_records_status {}: {enabled, node, all, databases}.
func (f *Family) replStatus(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	st, _, err := f.begin(req)
	if err != nil {
		return nil, err
	}
	cfg, on := st.ReplStatus()
	return sdk.OK(map[string]any{"enabled": on, "node": cfg.Node, "all": cfg.All, "databases": cfg.Databases}), nil
}
