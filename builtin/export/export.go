package export

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/hops-dev/hops/sdk"
)

// Version is the family's version.
const Version = "1.0.0"

// Operation names and job types (a job's type is its operation's name).
const (
	// OpExportLocal writes a search's rows to a file on the server.
	OpExportLocal = "export_local"
	// OpExportToS3 uploads a search's rows to an S3 bucket.
	OpExportToS3 = "export_to_s3"
)

// progressInterval is the least time between two progress reports of one
// job: often enough for a user polling get_job, rare enough that a
// million-row export makes a handful of host calls, not one per row.
const progressInterval = time.Second

// Family is the export family. Build it with New; the host configures it
// (Configure), then calls its operations concurrently, then Shutdown.
type Family struct {
	jobs *sdk.JobGroup
	log  hclog.Logger
	// s3Endpoint is the default S3 endpoint (families.export.s3.endpoint),
	// empty for AWS itself; a request's s3.endpoint overrides it.
	s3Endpoint string
	// endpoints are the endpoints a non-super user may export to
	// (endpoints.go): AWS, s3Endpoint and s3.allowedEndpoints.
	endpoints endpointSet
	// progressEvery is progressInterval; tests shorten it.
	progressEvery time.Duration
}

// New returns an unconfigured export family.
func New() (*Family, error) {
	return &Family{jobs: sdk.NewJobGroup(), log: hclog.NewNullLogger(), progressEvery: progressInterval, endpoints: endpointSet{}}, nil
}

// Info implements sdk.Family.
func (f *Family) Info() sdk.Info { return sdk.Info{Name: "export", Version: Version} }

// Operations implements sdk.Family: the whole operation table. Both run
// as jobs; handlers are in ops_local.go and ops_s3.go.
func (f *Family) Operations() []sdk.Operation {
	return []sdk.Operation{
		{Name: OpExportLocal, Access: sdk.AccessSuperUser, RestrictedName: OpExportLocal, Job: true,
			Summary: "export a search's rows to a JSON or CSV file on the server", Handler: f.exportLocal},
		{Name: OpExportToS3, Access: sdk.AccessPermissions, RestrictedName: OpExportToS3, Job: true,
			Summary: "export a search's rows to an S3 object as JSON or CSV", Handler: f.exportToS3},
	}
}

// config is the family's section of the host config (families.export).
type config struct {
	S3 struct {
		// Endpoint is the default S3-compatible endpoint URL; null or
		// absent means AWS itself.
		Endpoint *string `json:"endpoint"`
		// AllowedEndpoints are the endpoint URLs a user who is not a super
		// user may name in export_to_s3 (besides AWS and Endpoint); null
		// or absent means none.
		AllowedEndpoints []string `json:"allowedEndpoints"`
	} `json:"s3"`
}

// Configure implements sdk.Configurer: it reads the section
// (s3.endpoint, s3.allowedEndpoints; each must be an http or https URL)
// and keeps the host's logger.
func (f *Family) Configure(_ context.Context, cfg sdk.Config) error {
	if cfg.Logger != nil {
		f.log = cfg.Logger.Named("export")
	}
	var c config
	if len(cfg.Section) > 0 {
		if err := json.Unmarshal(cfg.Section, &c); err != nil {
			return fmt.Errorf("export config: %w", err)
		}
	}
	if c.S3.Endpoint != nil && *c.S3.Endpoint != "" {
		u, err := url.Parse(*c.S3.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("export config: s3.endpoint %q is not an http or https URL", *c.S3.Endpoint)
		}
		f.s3Endpoint = *c.S3.Endpoint
	}
	list := c.S3.AllowedEndpoints
	if f.s3Endpoint != "" {
		list = append(list, f.s3Endpoint)
	}
	allowed, err := newEndpointSet(list...)
	if err != nil {
		return fmt.Errorf("export config: s3.allowedEndpoints: %w", err)
	}
	f.endpoints = allowed
	return nil
}

// Shutdown implements sdk.Shutdowner: it stops every running export (each
// ends ERROR with MsgJobStopped and leaves no file) and waits for them
// until ctx's deadline.
func (f *Family) Shutdown(ctx context.Context) error {
	if err := f.jobs.Stop(ctx); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

var (
	_ sdk.Family     = (*Family)(nil)
	_ sdk.Configurer = (*Family)(nil)
	_ sdk.Shutdowner = (*Family)(nil)
)
