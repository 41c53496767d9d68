package records

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/hops-dev/hops/builtin/internal/remote"
	"github.com/hops-dev/hops/builtin/records/store"
	"github.com/hops-dev/hops/sdk"
)

// Version is the family's version.
const Version = "1.0.0"

// storeDir is where the store lives under the instance's root path, as
// DESIGN.md lays out the root directory.
var storeDir = filepath.Join("database", "records")

// loadTmpDir is where, under the root path, bulk loads keep the
// temporary copies of what they fetch (removed when each load ends).
var loadTmpDir = filepath.Join("tmp", "records-load")

// progressInterval is how often, at most, a running delete_records_before
// reports progress: often enough that get_job shows a long delete moving,
// rarely enough that the host's job record is not rewritten per batch.
const progressInterval = time.Second

// Family is the records family: databases, tables and their records.
// Create it with New; the store opens in Configure and closes in Shutdown.
type Family struct {
	st atomic.Pointer[store.Store]
	// ready is closed once the store is open (or the family shut down);
	// opening runs in the background, see Configure.
	ready     chan struct{}
	readyOnce sync.Once
	// stopOpen ends a background open still waiting for the file lock.
	stopOpen context.CancelFunc
	log      hclog.Logger
	jobs     *sdk.JobGroup
	// progressEvery throttles job progress reports (progressInterval;
	// tests lower it to see every batch).
	progressEvery time.Duration
	// loadAllowed are the servers a user who is not a super user may have
	// a load fetch from whatever their address
	// (families.records.load.allowedURLs; loadfetch.go).
	loadAllowed remote.EndpointSet
	// tmpDir holds the temporary copies of fetched load sources.
	tmpDir string
	// now is the store's clock for __createdtime__ and __updatedtime__
	// (nil: time.Now; tests set it before Configure).
	now func() time.Time
}

// New returns the family. It opens nothing: the store's directory is only
// known in Configure.
func New() (*Family, error) {
	return &Family{log: hclog.NewNullLogger(), jobs: sdk.NewJobGroup(), progressEvery: progressInterval,
		ready: make(chan struct{}), stopOpen: func() {}}, nil
}

// Info implements sdk.Family.
func (f *Family) Info() sdk.Info { return sdk.Info{Name: "records", Version: Version} }

// Operations implements sdk.Family: the whole operation table.
func (f *Family) Operations() []sdk.Operation {
	super, perms, authn := sdk.AccessSuperUser, sdk.AccessPermissions, sdk.AccessAuthenticated
	return append([]sdk.Operation{
		// Structure (ops_schema.go).
		{Name: "create_database", Access: super, RestrictedName: "createSchema", Summary: "create a database", Handler: f.createDatabase},
		{Name: "create_schema", Access: super, RestrictedName: "createSchema", Summary: "create a database (old name)", Handler: f.createDatabase},
		{Name: "drop_database", Access: super, RestrictedName: "dropSchema", Summary: "drop a database and all its tables", Handler: f.dropDatabase},
		{Name: "drop_schema", Access: super, RestrictedName: "dropSchema", Summary: "drop a database (old name)", Handler: f.dropDatabase},
		{Name: "create_table", Access: super, RestrictedName: "createTable", Summary: "create a table (and its database if missing)", Handler: f.createTable},
		{Name: "drop_table", Access: super, RestrictedName: "dropTable", Summary: "drop a table and its records", Handler: f.dropTable},
		{Name: "describe_database", Access: perms, Summary: "describe every table of a database", Handler: f.describeDatabase},
		{Name: "describe_schema", Access: perms, Summary: "describe a database (old name)", Handler: f.describeDatabase},
		{Name: "describe_table", Access: perms, Summary: "describe one table", Handler: f.describeTable},
		{Name: "describe_all", Access: authn, Summary: "describe every table the caller may read", Handler: f.describeAll},
		{Name: "create_attribute", Access: perms, Summary: "add an attribute to a table (needs insert)", Handler: f.createAttribute},
		{Name: "drop_attribute", Access: super, RestrictedName: "dropAttribute", Summary: "remove an attribute from a table and its records", Handler: f.dropAttribute},
		{Name: "table_sizes", Access: super, Summary: "per-table sizes for system_information", Handler: f.tableSizes},
		// Writes (ops_write.go).
		{Name: "insert", Access: perms, Summary: "insert records; existing keys are skipped", Handler: f.insert},
		{Name: "update", Access: perms, Summary: "merge attributes into existing records", Handler: f.update},
		{Name: "upsert", Access: perms, Summary: "insert or merge records", Handler: f.upsert},
		{Name: "delete", Access: perms, Summary: "delete records by primary key", Handler: f.deleteRecords},
		// Reads (ops_search.go, ops_sql.go).
		{Name: "search_by_hash", Access: perms, Summary: "read records by primary key", Handler: f.searchByHash},
		{Name: "search_by_id", Access: perms, Summary: "read records by primary key (new name)", Handler: f.searchByHash},
		{Name: "search_by_value", Access: perms, Summary: "read records whose attribute matches a value or wildcard", Handler: f.searchByValue},
		{Name: "search_by_conditions", Access: perms, Summary: "read records matching conditions, sorted and paged", Handler: f.searchByConditions},
		{Name: "sql", Access: perms, Summary: "run one SQL statement (SELECT, INSERT, UPDATE, DELETE)", Handler: f.sql},
		{Name: opExportSearch, Access: perms, Summary: "a search's answer as export file bytes, CSV or JSON (the export family's)", Handler: f.exportSearch},
		// Jobs (ops_jobs.go).
		{Name: "delete_records_before", Access: super, RestrictedName: "deleteFilesBefore", Job: true,
			Summary: "delete records created before a date, as a job", Handler: f.deleteRecordsBefore},
		{Name: "delete_files_before", Access: super, RestrictedName: "deleteFilesBefore", Job: true,
			Summary: "delete_records_before's older name", Handler: f.deleteRecordsBefore},
		// Bulk loads, as jobs (ops_load.go).
		{Name: opCSVDataLoad, Access: perms, Job: true, Summary: "load CSV text into a table, as a job", Handler: f.csvDataLoad},
		{Name: opCSVFileLoad, Access: super, Job: true, Summary: "load a CSV file on the server into a table, as a job", Handler: f.csvFileLoad},
		{Name: opCSVURLLoad, Access: perms, Job: true, Summary: "load a CSV fetched over http(s) into a table, as a job", Handler: f.csvURLLoad},
		{Name: opImportFromS3, Access: perms, Job: true, Summary: "load a CSV or JSON S3 object into a table, as a job", Handler: f.importFromS3},
	}, f.replOperations()...) // replication, internal to the node (ops_repl.go)
}

// options is the family's config section (families.records in the config
// file). Every field is optional.
type options struct {
	// NoSync skips fsync after commits (store.Options.NoSync): faster,
	// but a machine crash may lose the last writes. Default false.
	NoSync bool `json:"noSync"`
	// DeleteBatch is how many records delete_records_before removes per
	// transaction (store.Options.DeleteBatch). Default 10 000.
	DeleteBatch int `json:"deleteBatch"`
	// Load configures the bulk loads.
	Load struct {
		// AllowedURLs are http(s) URLs whose servers (scheme, host, port)
		// a user who is not a super user may have csv_url_load fetch
		// from, or name as import_from_s3's endpoint, even when their
		// address is not public. Default none.
		AllowedURLs []string `json:"allowedURLs"`
	} `json:"load"`
}

// Configure implements sdk.Configurer: it opens the store under
// RootPath/database/records.
func (f *Family) Configure(_ context.Context, cfg sdk.Config) error {
	if cfg.Logger != nil {
		f.log = cfg.Logger.Named("records")
	}
	var opts options
	if len(cfg.Section) > 0 && string(cfg.Section) != "null" {
		if err := json.Unmarshal(cfg.Section, &opts); err != nil {
			return fmt.Errorf("records config section: %w", err)
		}
	}
	if cfg.RootPath == "" {
		return errors.New("records: no root path to keep the store under")
	}
	allowed, err := remote.NewEndpointSet(opts.Load.AllowedURLs...)
	if err != nil {
		return fmt.Errorf("records config: load.allowedURLs: %w", err)
	}
	f.loadAllowed = allowed
	f.tmpDir = filepath.Join(cfg.RootPath, loadTmpDir)
	dir := filepath.Join(cfg.RootPath, storeDir)
	sopts := store.Options{NoSync: opts.NoSync, DeleteBatch: opts.DeleteBatch, Now: f.now}
	st, err := store.Open(dir, withLockTimeout(sopts, firstOpenWait))
	if err == nil {
		f.setStore(st)
		f.log.Debug("store open", "dir", dir, "no_sync", opts.NoSync)
		return nil
	}
	if !errors.Is(err, bolterrors.ErrTimeout) {
		return fmt.Errorf("open records store: %w", err)
	}
	// Another process of this family holds the files: this is a rolling
	// restart, and the old process closes the store once its in-flight
	// requests end. Serve at once and open in the background; requests
	// wait for the store (up to storeWait) instead of failing.
	f.log.Info("store is held by the previous process; opening when it lets go", "dir", dir)
	ctx, cancel := context.WithCancel(context.Background())
	f.stopOpen = cancel
	go f.openWhenFree(ctx, dir, sopts)
	return nil
}

// Timing of the store's open.
const (
	// firstOpenWait is how long Configure waits for the file lock before
	// it hands the open to the background: one try (bbolt tries the lock
	// once when its timeout is under its 50 ms retry). The lock is free
	// at a plain start and at a start after a crash (the process that
	// held it is gone); in a roll it is held by the previous process,
	// which lets go only after the new one serves, so any wait here
	// would only add to the roll.
	firstOpenWait = time.Millisecond
	// storeWait bounds how long a request waits for a store still opening.
	storeWait = 30 * time.Second
	// reopenBackoff paces retries of a background open that failed for
	// another reason than the lock (it is logged each time).
	reopenBackoff = time.Second
)

func withLockTimeout(o store.Options, d time.Duration) store.Options {
	o.LockTimeout = d
	return o
}

// openWhenFree opens the store as soon as the previous process releases
// it, unless the family shuts down first.
func (f *Family) openWhenFree(ctx context.Context, dir string, opts store.Options) {
	for ctx.Err() == nil {
		st, err := store.Open(dir, withLockTimeout(opts, store.DefaultLockTimeout))
		if err == nil {
			if ctx.Err() != nil {
				_ = st.Close()
				return
			}
			f.setStore(st)
			f.log.Info("store open", "dir", dir)
			return
		}
		if !errors.Is(err, bolterrors.ErrTimeout) {
			f.log.Error("open records store", "error", err)
			select {
			case <-time.After(reopenBackoff):
			case <-ctx.Done():
			}
		}
	}
}

func (f *Family) setStore(st *store.Store) {
	if old := f.st.Swap(st); old != nil {
		_ = old.Close()
	}
	f.readyOnce.Do(func() { close(f.ready) })
}

// Shutdown implements sdk.Shutdowner: it stops running jobs (cancel, then
// wait for them until ctx ends) and closes the store.
func (f *Family) Shutdown(ctx context.Context) error {
	f.stopOpen()
	var jobErr error
	if err := f.jobs.Stop(ctx); err != nil {
		jobErr = fmt.Errorf("records: %w", err)
	}
	var closeErr error
	if st := f.st.Swap(nil); st != nil {
		closeErr = st.Close()
	}
	return errors.Join(jobErr, closeErr)
}

// store returns the open store, or a 503 while the family is not
// configured (or already shut down).
func (f *Family) store() (*store.Store, error) {
	if st := f.st.Load(); st != nil {
		return st, nil
	}
	select {
	case <-f.ready:
	case <-time.After(storeWait):
	}
	st := f.st.Load()
	if st == nil {
		return nil, sdk.Errorf(http.StatusServiceUnavailable, MsgNotOpen)
	}
	return st, nil
}

var (
	_ sdk.Family     = (*Family)(nil)
	_ sdk.Configurer = (*Family)(nil)
	_ sdk.Shutdowner = (*Family)(nil)
)
