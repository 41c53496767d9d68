package store

import (
	"time"

	bolt "go.etcd.io/bbolt"
)

// Options tunes a Store. The zero value is the production setting.
//
// Fixed bbolt settings, for every database file:
//   - FreelistType hashmap: stays fast when a big DeleteBefore leaves many
//     free pages, where the default array freelist degrades.
//   - NoFreelistSync: a commit does not rewrite the freelist (large after
//     deletes); the price is a scan of the file to rebuild it on open.
//   - InitialMmapSize: see the field below.
//   - bbolt's Batch is not used: every call is already one write
//     transaction holding a whole request's records, and Batch may run a
//     function twice. Buckets keep bbolt's default fill, except the
//     created-time index, whose keys arrive in order (see indexFillPercent).
type Options struct {
	// NoSync skips the fsync after each commit. Small writes get much
	// faster (a 10k-record insert hardly: it is one commit either way), but
	// a machine crash (not a process crash) can lose the last commits or
	// corrupt a file. Meant for benchmarks and tests. Default false.
	NoSync bool

	// DeleteBatch is how many records DeleteBefore removes per write
	// transaction. Smaller batches let other writers in more often; larger
	// ones finish sooner. Default DefaultDeleteBatch; values < 1 mean default.
	DeleteBatch int

	// InitialMmapSize is the address space (bytes) mapped for each database
	// file when it is opened. A write that grows the file past the mapping
	// must wait for every open read transaction (a Scan of a big table, an
	// export) to end; mapping ahead avoids that stall. It reserves address
	// space only: the file itself grows with the data (bbolt extends it
	// sparsely, 16 MiB ahead, so disk use follows the data). Default
	// DefaultInitialMmapSize; a negative value maps only the file's size.
	InitialMmapSize int

	// LockTimeout is how long Open and CreateDatabase wait for another
	// process's lock on a database file (bbolt locks a file to one process:
	// a second process of the family must wait for the first to Close).
	// Default DefaultLockTimeout; a negative value waits forever.
	LockTimeout time.Duration

	// Now is the clock for __createdtime__ and __updatedtime__. Default
	// time.Now; tests inject a fixed clock.
	Now func() time.Time
}

// DefaultDeleteBatch matches HarperDB, which deletes in chunks of 10 000
// ids; such a batch commits in tens of milliseconds, so a concurrent writer
// waits at most that long.
const DefaultDeleteBatch = 10_000

// DefaultInitialMmapSize (1 GiB) covers a table of a few million ~200-byte
// records before any remap, at no cost but 64-bit address space.
const DefaultInitialMmapSize = 1 << 30

// DefaultLockTimeout is long enough for a previous process of the family to
// close its files during a restart, and short enough that a stuck holder
// surfaces as an error rather than a hang.
const DefaultLockTimeout = 10 * time.Second

// withDefaults returns o with zero fields replaced by their defaults.
func (o Options) withDefaults() Options {
	if o.DeleteBatch < 1 {
		o.DeleteBatch = DefaultDeleteBatch
	}
	if o.InitialMmapSize == 0 {
		o.InitialMmapSize = DefaultInitialMmapSize
	}
	if o.InitialMmapSize < 0 {
		o.InitialMmapSize = 0
	}
	if o.LockTimeout == 0 {
		o.LockTimeout = DefaultLockTimeout
	}
	if o.LockTimeout < 0 {
		o.LockTimeout = 0 // bbolt: wait forever
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// boltOptions are the bbolt settings (see Options for the fixed ones).
func (o Options) boltOptions() *bolt.Options {
	return &bolt.Options{
		Timeout:         o.LockTimeout,
		NoSync:          o.NoSync,
		NoFreelistSync:  true,
		FreelistType:    bolt.FreelistMapType,
		InitialMmapSize: o.InitialMmapSize,
	}
}
