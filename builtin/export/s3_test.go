package export

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/hashicorp/go-hclog"

	"github.com/hops-dev/hops/builtin/export/exporter"
	"github.com/hops-dev/hops/builtin/export/exporter/s3test"
	"github.com/hops-dev/hops/sdk"
)

// Environment that points the S3 tests at a real S3-compatible endpoint
// instead of the in-process s3test server (scripts/e2e-s3.sh sets them
// for MinIO). The bucket must exist.
const (
	envS3Endpoint  = "HOPS_E2E_S3_ENDPOINT"
	envS3AccessKey = "HOPS_E2E_S3_ACCESS_KEY"
	envS3SecretKey = "HOPS_E2E_S3_SECRET_KEY"
	envS3Bucket    = "HOPS_E2E_S3_BUCKET"
)

// Credentials and names of the in-process S3 server.
const (
	testAccessKey    = "AKIDHOPSEXPORT"
	testSecret       = "hops-export-test-secret-0123456789"
	testBucket       = "exports"
	testRegion       = "us-east-1"
	defaultE2EBucket = "hops-e2e"
)

// s3Target is where the S3 tests upload.
type s3Target struct {
	endpoint, accessKey, secret, bucket string
	// real is set for an endpoint from the environment.
	real bool
	// deniedCodes are the error codes the target answers an unknown access
	// key id with: S3 and s3test say AccessDenied, MinIO InvalidAccessKeyId.
	deniedCodes []string
}

// newS3Target returns the environment's endpoint, or starts an s3test
// server with a bucket.
func newS3Target(t *testing.T) s3Target {
	t.Helper()
	if ep := os.Getenv(envS3Endpoint); ep != "" {
		tg := s3Target{endpoint: ep, accessKey: os.Getenv(envS3AccessKey), secret: os.Getenv(envS3SecretKey),
			bucket: os.Getenv(envS3Bucket), real: true, deniedCodes: []string{"AccessDenied", "InvalidAccessKeyId"}}
		if tg.accessKey == "" || tg.secret == "" {
			t.Fatalf("%s is set but %s or %s is not", envS3Endpoint, envS3AccessKey, envS3SecretKey)
		}
		if tg.bucket == "" {
			tg.bucket = defaultE2EBucket
		}
		return tg
	}
	ep, _ := s3test.NewServer(t, testAccessKey, testSecret)
	s3test.CreateBucket(t, ep, testBucket)
	return s3Target{endpoint: ep, accessKey: testAccessKey, secret: testSecret, bucket: testBucket, deniedCodes: []string{"AccessDenied"}}
}

// object reads back bucket/key.
func (tg s3Target) object(t *testing.T, key string) []byte {
	t.Helper()
	if !tg.real {
		data, ok := s3test.Object(t, tg.endpoint, tg.bucket, key)
		if !ok {
			t.Fatalf("no object %s/%s", tg.bucket, key)
		}
		return data
	}
	client := s3.New(s3.Options{Region: testRegion, BaseEndpoint: aws.String(tg.endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(tg.accessKey, tg.secret, "")})
	out, err := client.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String(tg.bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get %s/%s: %v", tg.bucket, key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// s3Body is an export_to_s3 request of a SQL SELECT *.
func (tg s3Target) body(format, accessKey, key string) map[string]any {
	return map[string]any{"operation": OpExportToS3, "format": format,
		"s3": map[string]any{"aws_access_key_id": accessKey, "aws_secret_access_key": tg.secret,
			"bucket": tg.bucket, "key": key, "region": testRegion, "force_path_style": true},
		"search_operation": map[string]any{"operation": "sql", "sql": "SELECT * FROM dev.dogs"}}
}

// s3Section is the family config naming the target as default endpoint.
func (tg s3Target) section() map[string]any {
	return map[string]any{"s3": map[string]any{"endpoint": tg.endpoint}}
}

func TestExportToS3RoundTrips(t *testing.T) {
	const rows = 2000
	tg := newS3Target(t)
	_, h := newTestFamily(t, newFake(rows), tg.section())
	cols := newFake(0).allColumns()
	for _, format := range []string{exporter.FormatJSON, exporter.FormatCSV} {
		t.Run(format, func(t *testing.T) {
			key := fmt.Sprintf("hops-test/dogs-%d", time.Now().UnixNano())
			j := waitJob(t, h, startJob(t, h, tg.body(format, tg.accessKey, key)))
			if j.Status != "COMPLETE" || j.Type != OpExportToS3 {
				t.Fatalf("job %s %q", j.Status, j.Message)
			}
			var res exporter.S3Result
			if err := json.Unmarshal(j.Result, &res); err != nil {
				t.Fatal(err)
			}
			data := tg.object(t, key+"."+format)
			if res.Bucket != tg.bucket || res.Key != key+"."+format || res.ETag == "" || res.Bytes != int64(len(data)) {
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
			if strings.Contains(string(j.Body), tg.secret) || !strings.Contains(string(j.Body), exporter.RedactedText) {
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
	denied := false
	for _, code := range tg.deniedCodes {
		denied = denied || strings.HasPrefix(j.Message, code+": ")
	}
	if !denied {
		t.Fatalf("message %q names none of %v", j.Message, tg.deniedCodes)
	}
	if !strings.Contains(logs.String(), "export failed") {
		t.Fatalf("the failure was not logged: %s", logs)
	}
	texts := map[string]string{"job body": string(j.Body), "job message": j.Message, "log": logs.String()}
	for i, p := range j.Progress {
		texts[fmt.Sprintf("progress %d", i)] = string(p)
	}
	mustNotContain(t, tg.secret, texts)
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
