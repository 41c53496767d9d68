package records

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/hops-dev/hops/builtin/internal/remote"
	"github.com/hops-dev/hops/sdk"
)

// Fetching a load's remote source. A user who is not a super user may
// make the server fetch only from public addresses, or from the servers
// of families.records.load.allowedURLs (empty by default): csv_url_load's
// host is resolved before the job starts (403 when an address is not
// public), and every connection is checked again on the address it
// connects to (remote.Dialer), so a name that later resolves elsewhere
// (DNS rebinding) or a redirect cannot reach loopback, link-local or
// private addresses. import_from_s3's endpoint follows export_to_s3's
// rule: AWS or an allowed endpoint. A super user, who can change the
// config anyway, may name any. What the remote server says is never
// repeated beyond its HTTP status and a fixed-form reason.

// Bounds of a fetch.
const (
	// fetchTimeout bounds a whole download.
	fetchTimeout = time.Hour
	// fetchHeaderTimeout bounds the wait for the answer's headers.
	fetchHeaderTimeout = 30 * time.Second
	// fetchStallTimeout ends a download that received nothing for so long.
	fetchStallTimeout = time.Minute
	// maxFetchBytes bounds what one load downloads (it is kept in a
	// temporary file while it loads).
	maxFetchBytes = 8 << 30
	// maxRedirects is how many redirects csv_url_load follows.
	maxRedirects = 5
)

// csvContentTypes are the media types HarperDB accepts for csv_url_load.
var csvContentTypes = map[string]bool{
	"text/csv": true, "application/octet-stream": true, "text/plain": true, "application/vnd.ms-excel": true,
}

// checkURL refuses, for a caller who is not a super user, a URL whose
// host is not on the allow-list and resolves to an address that is not
// public.
func (f *Family) checkURL(ctx context.Context, caller sdk.Caller, u *url.URL) error {
	if caller.SuperUser || f.loadAllowed.Allows(u.Scheme+"://"+u.Host) {
		return nil
	}
	if err := remote.CheckHost(ctx, u.Hostname()); err != nil {
		if errors.Is(err, remote.ErrNotPublic) {
			return sdk.Errorf(http.StatusForbidden, MsgURLNotAllowed)
		}
		return sdk.BadRequest(MsgURLUnresolved, u.Hostname())
	}
	return nil
}

// httpClient is the client of csv_url_load for caller: guarded dials
// unless a super user, no proxy (a proxy would dial for us), bounded
// redirects to http(s) only.
func (f *Family) httpClient(caller sdk.Caller) *http.Client {
	dial := remote.Dialer(f.loadAllowed)
	if caller.SuperUser {
		dial = remote.OpenDialer()
	}
	return &http.Client{
		Transport: &http.Transport{
			DialContext:           dial,
			TLSHandshakeTimeout:   remote.DialTimeout,
			ResponseHeaderTimeout: fetchHeaderTimeout,
			MaxIdleConns:          1,
			DisableKeepAlives:     true,
		},
		Timeout: fetchTimeout,
		CheckRedirect: func(r *http.Request, via []*http.Request) error {
			if len(via) >= maxRedirects {
				return errors.New(MsgURLRedirects)
			}
			if r.URL.Scheme != "http" && r.URL.Scheme != "https" {
				return errors.New(MsgURLScheme)
			}
			return nil
		},
	}
}

// fetchURL downloads csv_url_load's URL into a temporary file, checking
// the answer as HarperDB does (status 200, a CSV-ish content type).
func (f *Family) fetchURL(ctx context.Context, caller sdk.Caller, lr loadRequest) (*loadSource, error) {
	shown := lr.url.Redacted()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, lr.url.String(), nil)
	if err != nil {
		return nil, fmt.Errorf(MsgURLFailed, shown, "the request could not be built")
	}
	for k, v := range lr.headers {
		req.Header.Set(k, v)
	}
	resp, err := f.httpClient(caller).Do(req)
	if err != nil {
		reason := "the server could not be reached"
		switch {
		case errors.Is(err, remote.ErrNotPublic):
			reason = "the address is not public"
		case errors.Is(err, context.Canceled):
			reason = "the download was stopped"
		}
		f.log.Warn("csv_url_load fetch failed", "url", shown, "error", err)
		return nil, fmt.Errorf(MsgURLFailed, shown, reason)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf(MsgURLStatus, shown, resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || !csvContentTypes[mt] {
		if err != nil {
			mt = "(none or invalid)"
		}
		return nil, fmt.Errorf(MsgURLContentType, shown, mt)
	}
	return f.download(ctx, cancel, resp.Body, ".csv", func(err error) error {
		f.log.Warn("csv_url_load download failed", "url", shown, "error", err)
		return fmt.Errorf(MsgURLFailed, shown, "the download failed")
	})
}

// fetchS3 downloads import_from_s3's object into a temporary file.
func (f *Family) fetchS3(ctx context.Context, lr loadRequest) (*loadSource, error) {
	o := lr.s3
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	client := remote.NewS3Client(remote.S3Target{AccessKeyID: o.accessKeyID, Secret: o.secret,
		Region: o.region, Endpoint: o.endpoint, ForcePathStyle: o.forcePathStyle})
	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(o.bucket), Key: aws.String(o.key)})
	if err != nil {
		s3err := remote.NewS3Error(err, "download", o.secret)
		f.log.Warn("import_from_s3 failed", "bucket", o.bucket, "key", o.key, "error", s3err.Detail())
		return nil, s3err
	}
	defer func() { _ = out.Body.Close() }()
	return f.download(ctx, cancel, out.Body, path.Ext(o.key), func(err error) error {
		s3err := remote.NewS3Error(err, "download", o.secret)
		f.log.Warn("import_from_s3 download failed", "bucket", o.bucket, "key", o.key, "error", s3err.Detail())
		return s3err
	})
}

// download copies body into a temporary file under the family's tmp
// folder (at most maxFetchBytes; if nothing arrives for fetchStallTimeout
// it calls cancel, which must end body's request) and returns it as the
// load's source; fail words a copy failure.
func (f *Family) download(ctx context.Context, cancel context.CancelFunc, body io.Reader, ext string, fail func(error) error) (*loadSource, error) {
	if err := os.MkdirAll(f.tmpDir, 0o700); err != nil {
		return nil, fmt.Errorf("load: temporary folder: %w", err)
	}
	tmp, err := os.CreateTemp(f.tmpDir, "load-*"+ext)
	if err != nil {
		return nil, fmt.Errorf("load: temporary file: %w", err)
	}
	name := tmp.Name()
	stall := time.AfterFunc(fetchStallTimeout, cancel)
	defer stall.Stop()
	n, err := io.Copy(tmp, &stallReader{r: io.LimitReader(body, maxFetchBytes+1), stall: stall, ctx: ctx})
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	switch {
	case err == nil && n > maxFetchBytes:
		err = fmt.Errorf(MsgFetchTooLarge, maxFetchBytes)
	case err != nil:
		err = fail(err)
	}
	if err != nil {
		_ = os.Remove(name)
		return nil, err
	}
	return fileSource(name, true, true), nil
}

// stallReader resets a stall timer on every read that brings bytes, and
// stops reading once its context ends.
type stallReader struct {
	r     io.Reader
	stall *time.Timer
	ctx   context.Context
}

func (s *stallReader) Read(p []byte) (int, error) {
	if err := s.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := s.r.Read(p)
	if n > 0 {
		s.stall.Reset(fetchStallTimeout)
	}
	return n, err
}
