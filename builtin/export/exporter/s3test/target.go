package s3test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Environment variables that point every S3 test at an external
// S3-compatible server instead of the in-process one. scripts/e2e-s3.sh
// (make e2e-s3) sets them for a MinIO server it starts on loopback. The
// credentials must be allowed to create and delete buckets.
const (
	// EnvEndpoint is the server's URL, e.g. http://127.0.0.1:9000.
	EnvEndpoint = "HOPS_E2E_S3_ENDPOINT"
	// EnvAccessKey is the access key id the server accepts.
	EnvAccessKey = "HOPS_E2E_S3_ACCESS_KEY"
	// EnvSecretKey is that key's secret.
	EnvSecretKey = "HOPS_E2E_S3_SECRET_KEY"
)

// Region is the region every target is signed for: the one gofakes3,
// MinIO and the check in front of them accept by default.
const Region = "us-east-1"

// Error codes a server answers an access key id it does not know with.
const (
	// CodeUnknownKeyLocal is the in-process server's answer (the SigV4
	// check refuses any other key id).
	CodeUnknownKeyLocal = codeAccessDenied
	// CodeUnknownKeyExternal is what S3 itself and MinIO answer.
	CodeUnknownKeyExternal = "InvalidAccessKeyId"
)

// externalTimeout bounds each call this package makes to an external
// server (create, read, empty and delete a bucket): loopback calls take
// milliseconds, so a minute only catches a hung server.
const externalTimeout = time.Minute

// bucketSuffixBytes is how many random bytes end an external bucket's
// name: 8 hex digits keep names unique across the tests of one run and
// leave the name well under S3's 63-character limit.
const bucketSuffixBytes = 4

// Target is an S3 server a test uploads to, with a bucket of the test's
// own: the in-process server (NewServer) or the environment's.
type Target struct {
	// Endpoint is the server's URL.
	Endpoint string
	// AccessKey and Secret are credentials the server accepts.
	AccessKey, Secret string
	// Bucket exists and holds nothing when NewTarget returns.
	Bucket string
	// External is set for the environment's server.
	External bool
	// UnknownKeyCode is the error code of a request signed with an access
	// key id the server does not know (CodeUnknownKey*).
	UnknownKeyCode string
}

// ExternalConfigured reports whether EnvEndpoint names an external server.
func ExternalConfigured() bool { return os.Getenv(EnvEndpoint) != "" }

// NewTarget returns where a test's uploads go. Without EnvEndpoint it
// starts an in-process server accepting accessKey and secret and creates
// bucket on it. With EnvEndpoint it uses that server and the environment's
// credentials, and creates a fresh bucket named bucket-<random> (removed
// with its objects when the test ends), so tests never see each other's
// objects.
func NewTarget(t testing.TB, accessKey, secret, bucket string) Target {
	t.Helper()
	if !ExternalConfigured() {
		ep, _ := NewServer(t, accessKey, secret)
		CreateBucket(t, ep, bucket)
		return Target{Endpoint: ep, AccessKey: accessKey, Secret: secret, Bucket: bucket, UnknownKeyCode: CodeUnknownKeyLocal}
	}
	tg := Target{Endpoint: os.Getenv(EnvEndpoint), AccessKey: os.Getenv(EnvAccessKey), Secret: os.Getenv(EnvSecretKey),
		External: true, UnknownKeyCode: CodeUnknownKeyExternal}
	if tg.AccessKey == "" || tg.Secret == "" {
		t.Fatalf("s3test: %s is set but %s or %s is not", EnvEndpoint, EnvAccessKey, EnvSecretKey)
	}
	suffix := make([]byte, bucketSuffixBytes)
	_, _ = rand.Read(suffix)
	tg.Bucket = bucket + "-" + hex.EncodeToString(suffix)
	ctx, cancel := context.WithTimeout(context.Background(), externalTimeout)
	defer cancel()
	if _, err := tg.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(tg.Bucket)}); err != nil {
		t.Fatalf("s3test: create bucket %s at %s: %v", tg.Bucket, tg.Endpoint, err)
	}
	t.Cleanup(func() { tg.removeBucket(t) })
	return tg
}

// Client returns an S3 client of the target's server signed with its
// credentials, path-style.
func (tg Target) Client() *s3.Client {
	return s3.New(s3.Options{Region: Region, BaseEndpoint: aws.String(tg.Endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(tg.AccessKey, tg.Secret, "")})
}

// Object returns the stored bytes of key in the target's bucket, and false
// when there is no such object.
func (tg Target) Object(t testing.TB, key string) ([]byte, bool) {
	t.Helper()
	if !tg.External {
		return Object(t, tg.Endpoint, tg.Bucket, key)
	}
	ctx, cancel := context.WithTimeout(context.Background(), externalTimeout)
	defer cancel()
	out, err := tg.Client().GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(tg.Bucket), Key: aws.String(key)})
	if err != nil {
		var missing *types.NoSuchKey
		if errors.As(err, &missing) {
			return nil, false
		}
		t.Fatalf("s3test: get %s/%s: %v", tg.Bucket, key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("s3test: read %s/%s: %v", tg.Bucket, key, err)
	}
	return data, true
}

// removeBucket aborts the bucket's open multipart uploads, deletes its
// objects, then the bucket. Failures are logged, not fatal: the test's
// verdict is already made.
func (tg Target) removeBucket(t testing.TB) {
	ctx, cancel := context.WithTimeout(context.Background(), externalTimeout)
	defer cancel()
	c := tg.Client()
	b := aws.String(tg.Bucket)
	if ups, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: b}); err == nil {
		for _, u := range ups.Uploads {
			_, _ = c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: b, Key: u.Key, UploadId: u.UploadId})
		}
	}
	pages := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: b})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Logf("s3test: list %s for removal: %v", tg.Bucket, err)
			break
		}
		for _, o := range page.Contents {
			_, _ = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: o.Key})
		}
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: b}); err != nil {
		t.Logf("s3test: delete bucket %s: %v", tg.Bucket, err)
	}
}
