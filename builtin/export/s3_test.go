package export

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/hops-dev/hops/builtin/export/exporter"
	"github.com/hops-dev/hops/builtin/export/exporter/s3test"
	"github.com/hops-dev/hops/sdk"
)

// Credentials and names of the in-process S3 server (s3test); with
// s3test's environment set (make e2e-s3), the tests use that server's
// credentials and a fresh bucket of their own instead.
const (
	testAccessKey = "AKIDHOPSEXPORT"
	testSecret    = "hops-export-test-secret-0123456789"
	testBucket    = "exports"
	testRegion    = s3test.Region
)

// s3Target is where the S3 tests upload.
type s3Target struct{ s3test.Target }

// newS3Target returns an S3 server with an empty bucket for the test.
func newS3Target(t *testing.T) s3Target {
	t.Helper()
	tg := s3test.NewTarget(t, testAccessKey, testSecret, testBucket)
	return s3Target{tg}
}

// object reads back bucket/key.
func (tg s3Target) object(t *testing.T, key string) []byte {
	t.Helper()
	data, ok := tg.Object(t, key)
	if !ok {
		t.Fatalf("no object %s/%s", tg.Bucket, key)
	}
	return data
}

// s3Body is an export_to_s3 request of a SQL SELECT *.
func (tg s3Target) body(format, accessKey, key string) map[string]any {
	return map[string]any{"operation": OpExportToS3, "format": format,
		"s3": map[string]any{"aws_access_key_id": accessKey, "aws_secret_access_key": tg.Secret,
			"bucket": tg.Bucket, "key": key, "region": testRegion, "force_path_style": true},
		"search_operation": map[string]any{"operation": "sql", "sql": "SELECT * FROM dev.dogs"}}
}

// s3Section is the family config naming the target as default endpoint.
func (tg s3Target) section() map[string]any {
	return map[string]any{"s3": map[string]any{"endpoint": tg.Endpoint}}
}

func TestExportToS3RoundTrips(t *testing.T) {
	const rows = 2000
	tg := newS3Target(t)
	_, h := newTestFamily(t, newFake(rows), tg.section())
	cols := newFake(0).allColumns()
	for _, format := range []string{exporter.FormatJSON, exporter.FormatCSV} {
		t.Run(format, func(t *testing.T) {
			key := fmt.Sprintf("hops-test/dogs-%d", time.Now().UnixNano())
			j := waitJob(t, h, startJob(t, h, tg.body(format, tg.AccessKey, key)))
			if j.Status != "COMPLETE" || j.Type != OpExportToS3 {
				t.Fatalf("job %s %q", j.Status, j.Message)
			}
			var res exporter.S3Result
			if err := json.Unmarshal(j.Result, &res); err != nil {
				t.Fatal(err)
			}
			data := tg.object(t, key+"."+format)
			if res.Bucket != tg.Bucket || res.Key != key+"."+format || res.ETag == "" || res.Bytes != int64(len(data)) {
				t.Fatalf("result %s for a %d-byte object", j.Result, len(data))
			}
			path := filepath.Join(t.TempDir(), "object."+format)
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			if format == exporter.FormatJSON {
				checkJSONFile(t, path, cols, rows)
			} else {
				checkCSVFile(t, path, cols, rows)
			}
			if strings.Contains(string(j.Body), tg.Secret) || !strings.Contains(string(j.Body), exporter.RedactedText) {
				t.Fatalf("job body %s", j.Body)
			}
		})
	}
}

func TestExportToS3WithAWrongKeyEndsInErrorWithoutTheSecret(t *testing.T) {
	tg := newS3Target(t)
	f, h := newTestFamily(t, newFake(100), tg.section())
	logs := &syncBuffer{}
	f.log = hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Trace})
	j := waitJob(t, h, startJob(t, h, tg.body(exporter.FormatCSV, "AKIDNOTKNOWNHERE", "hops-test/denied")))
	if j.Status != "ERROR" || len(j.Result) != 0 {
		t.Fatalf("job %s %q %s", j.Status, j.Message, j.Result)
	}
	// A fixed-form reason: S3's code and status, never its words.
	if want := "S3 refused the upload: " + tg.UnknownKeyCode + " (HTTP 403)"; j.Message != want {
		t.Fatalf("message %q, want %q", j.Message, want)
	}
	if !strings.Contains(logs.String(), "export failed") {
		t.Fatalf("the failure was not logged: %s", logs)
	}
	texts := map[string]string{"job body": string(j.Body), "job message": j.Message, "log": logs.String()}
	for i, p := range j.Progress {
		texts[fmt.Sprintf("progress %d", i)] = string(p)
	}
	mustNotContain(t, tg.Secret, texts)
}

func TestS3EndpointConfig(t *testing.T) {
	f, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, section := range []string{`{"s3":{"endpoint":"ftp://x"}}`, `{"s3":{"endpoint":"nohost"}}`, `{"s3":[]}`} {
		if err := f.Configure(context.Background(), configWith(section)); err == nil {
			t.Errorf("%s was accepted", section)
		}
	}
	for section, want := range map[string]string{`null`: "", `{"s3":{"endpoint":null}}`: "", `{}`: "", `{"s3":{"endpoint":"http://127.0.0.1:9000"}}`: "http://127.0.0.1:9000"} {
		f.s3Endpoint = ""
		if err := f.Configure(context.Background(), configWith(section)); err != nil || f.s3Endpoint != want {
			t.Errorf("%s: endpoint %q (%v), want %q", section, f.s3Endpoint, err, want)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write implements io.Writer.
func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written.
func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// configWith is a Config holding section.
func configWith(section string) sdk.Config { return sdk.Config{Section: json.RawMessage(section)} }

func TestS3EndpointOfANonSuperUserMustBeAllowed(t *testing.T) {
	fake := newFake(3)
	_, h := newTestFamily(t, fake, map[string]any{"s3": map[string]any{"endpoint": "http://minio.internal:9000",
		"allowedEndpoints": []string{"https://s3.example.com", "http://127.0.0.1:9100/"}}})
	reader := sdk.Caller{Username: "reader", Role: "reader", Token: "token-reader", Permissions: json.RawMessage(`{}`)}
	body := func(endpoint string) map[string]any {
		s3 := map[string]any{"aws_access_key_id": "AKID", "aws_secret_access_key": "x", "bucket": "b", "key": "k", "region": "us-east-1"}
		if endpoint != "" {
			s3["endpoint"] = endpoint
		}
		return map[string]any{"operation": OpExportToS3, "format": "json", "s3": s3,
			"search_operation": map[string]any{"operation": "sql", "sql": "SELECT * FROM dev.dogs"}}
	}
	for _, endpoint := range []string{"http://127.0.0.1:9000", "http://localhost:9100", "http://169.254.169.254/latest",
		"https://s3.example.com.evil.test", "http://s3.example.com", "http://[::1]:9100"} {
		r := h.Do(t, reader, body(endpoint))
		if r.Status != 403 || r.Error() != MsgEndpointNotAllowed {
			t.Errorf("reader to %s: %d %s", endpoint, r.Status, r.Body)
		}
	}
	if ops := fake.dispatched(); len(ops) != 0 {
		t.Fatalf("a refused endpoint still searched: %v", ops)
	}
	if _, ok := h.Host.Job(firstJobID); ok {
		t.Fatal("a refused endpoint created a job")
	}
	// AWS, the configured default and the allowed endpoints pass on to the
	// search (which the fake refuses to a reader with its own 403).
	for _, endpoint := range []string{"", "http://minio.internal:9000/", "https://S3.example.com:443", "http://127.0.0.1:9100"} {
		r := h.Do(t, reader, body(endpoint))
		if r.Status != 403 || r.Error() != sdk.UnauthorizedMessage {
			t.Errorf("reader to %q: %d %s, want the search's 403", endpoint, r.Status, r.Body)
		}
	}
	// A super user may name any endpoint.
	r := h.Super(t, body("http://127.0.0.1:1"))
	if r.Status != 200 {
		t.Fatalf("super user: %d %s", r.Status, r.Body)
	}
	if j := waitJob(t, h, firstJobID); j.Status != "ERROR" || j.Message != exporter.ReasonUnreachable {
		t.Fatalf("job %s %q", j.Status, j.Message)
	}
}

func TestS3AllowedEndpointsConfig(t *testing.T) {
	f, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, section := range []string{`{"s3":{"allowedEndpoints":["ftp://x"]}}`, `{"s3":{"allowedEndpoints":["nohost"]}}`, `{"s3":{"allowedEndpoints":"http://x"}}`} {
		if err := f.Configure(context.Background(), configWith(section)); err == nil {
			t.Errorf("%s was accepted", section)
		}
	}
	if err := f.Configure(context.Background(), configWith(`{"s3":{"allowedEndpoints":null}}`)); err != nil || len(f.endpoints) != 0 {
		t.Errorf("null: %v %v", f.endpoints, err)
	}
}
