// Package s3test runs a real S3 protocol server on loopback for tests:
// gofakes3 with its in-memory backend (github.com/johannesboyne/gofakes3,
// backend/s3mem), in-process through httptest, behind a handler that
// checks every request's AWS Signature Version 4 against one access key
// and secret. A request signed with another access key id is refused with
// S3's 403 AccessDenied XML, and one signed with the right id but the wrong
// secret with 403 SignatureDoesNotMatch, so tests can prove credentials
// are used.
//
// Start with NewTarget (target.go): it starts the server and creates a
// bucket, or, when HOPS_E2E_S3_ENDPOINT and its credentials are set
// (scripts/e2e-s3.sh, `make e2e-s3`, sets them for a MinIO server), uses
// that external server with a fresh bucket instead, so the same tests
// run against a second S3 implementation. Read what a test uploaded with
// Target.Object. The lower-level NewServer, CreateBucket and Object serve
// the in-process server only. Point the client at the endpoint with
// path-style addressing (the SDK does so by itself for an IP endpoint).
package s3test

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// backends maps a running server's endpoint to its storage, for
// CreateBucket and Object.
var backends sync.Map // endpoint string -> *s3mem.Backend

// NewServer starts an S3 server on 127.0.0.1 accepting only requests
// signed with accessKey and secret, and returns its endpoint
// ("http://127.0.0.1:port") and a cleanup that stops it. Cleanup is also
// registered with t, and is safe to call twice.
func NewServer(t testing.TB, accessKey, secret string) (endpoint string, cleanup func()) {
	t.Helper()
	backend := s3mem.New()
	fake := gofakes3.New(backend)
	srv := httptest.NewServer(&sigV4Check{accessKey: accessKey, secret: secret, next: fake.Server()})
	backends.Store(srv.URL, backend)
	var once sync.Once
	cleanup = func() {
		once.Do(func() {
			backends.Delete(srv.URL)
			srv.Close()
		})
	}
	t.Cleanup(cleanup)
	return srv.URL, cleanup
}

// backendOf returns the storage of the server at endpoint, failing t when
// no such server runs.
func backendOf(t testing.TB, endpoint string) *s3mem.Backend {
	t.Helper()
	b, ok := backends.Load(endpoint)
	if !ok {
		t.Fatalf("s3test: no server running at %s", endpoint)
	}
	return b.(*s3mem.Backend)
}

// CreateBucket creates bucket on the server at endpoint.
func CreateBucket(t testing.TB, endpoint, bucket string) {
	t.Helper()
	if err := backendOf(t, endpoint).CreateBucket(bucket); err != nil {
		t.Fatalf("s3test: create bucket %s: %v", bucket, err)
	}
}

// Object returns the stored bytes of bucket/key, and false when there is
// no such object (or bucket).
func Object(t testing.TB, endpoint, bucket, key string) ([]byte, bool) {
	t.Helper()
	obj, err := backendOf(t, endpoint).GetObject(bucket, key, nil)
	if err != nil {
		return nil, false
	}
	defer obj.Contents.Close()
	data, err := io.ReadAll(obj.Contents)
	if err != nil {
		t.Fatalf("s3test: read %s/%s: %v", bucket, key, err)
	}
	return data, true
}

// s3ErrorBody is S3's XML error document.
type s3ErrorBody struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	RequestID string   `xml:"RequestId"`
}

// Error codes and messages the check answers with, as S3 words them.
const (
	codeAccessDenied   = "AccessDenied"
	msgAccessDenied    = "Access Denied"
	codeSignatureWrong = "SignatureDoesNotMatch"
	msgSignatureWrong  = "The request signature we calculated does not match the signature you provided. Check your key and signing method."
	// requestID is a fixed request id for refused requests.
	requestID = "S3TEST0000000001"
)

// sigV4Check is the http.Handler in front of gofakes3 that refuses a
// request not signed by the expected credentials.
type sigV4Check struct {
	accessKey, secret string
	next              http.Handler
}

// ServeHTTP implements http.Handler.
func (c *sigV4Check) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	auth, ok := parseAuthorization(r.Header.Get("Authorization"))
	if !ok || auth.accessKey != c.accessKey {
		refuse(w, codeAccessDenied, msgAccessDenied)
		return
	}
	if !auth.validFor(r, c.secret) {
		refuse(w, codeSignatureWrong, msgSignatureWrong)
		return
	}
	c.next.ServeHTTP(w, r)
}

// refuse writes a 403 S3 error document.
func refuse(w http.ResponseWriter, code, msg string) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	_ = xml.NewEncoder(&buf).Encode(s3ErrorBody{Code: code, Message: msg, RequestID: requestID})
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("X-Amz-Request-Id", requestID)
	w.WriteHeader(http.StatusForbidden)
	_, _ = w.Write(buf.Bytes())
}
