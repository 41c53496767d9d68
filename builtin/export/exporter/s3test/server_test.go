package s3test

import (
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"
)

// get sends an unsigned or hand-signed GET and decodes an S3 error body.
func get(t *testing.T, url, authorization string) (int, s3ErrorBody) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
		req.Header.Set("X-Amz-Date", "20260101T000000Z")
		req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var body s3ErrorBody
	_ = xml.Unmarshal(data, &body)
	return resp.StatusCode, body
}

func TestServerRefusesOtherCredentials(t *testing.T) {
	endpoint, cleanup := NewServer(t, "AKIDRIGHT", "right-secret")
	CreateBucket(t, endpoint, "b")
	cases := []struct{ name, auth, code string }{
		{"unsigned", "", codeAccessDenied},
		{"other access key", "AWS4-HMAC-SHA256 Credential=AKIDWRONG/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00", codeAccessDenied},
		{"not sigv4", "AWS AKIDRIGHT:abc", codeAccessDenied},
		{"right key, bad signature", "AWS4-HMAC-SHA256 Credential=AKIDRIGHT/20260101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=00", codeSignatureWrong},
	}
	for _, tc := range cases {
		status, body := get(t, endpoint+"/b/k", tc.auth)
		if status != http.StatusForbidden || body.Code != tc.code {
			t.Errorf("%s: %d %+v, want 403 %s", tc.name, status, body, tc.code)
		}
	}
	if _, ok := Object(t, endpoint, "b", "k"); ok {
		t.Error("object present in an empty bucket")
	}
	cleanup()
	cleanup() // idempotent
	if _, err := http.Get(endpoint); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("server still answers after cleanup: %v", err)
	}
}

func TestCanonicalQuery(t *testing.T) {
	got := canonicalQuery("uploadId=a%2Fb&partNumber=2&uploads=&x-id=UploadPart&a=z%20y&a=b")
	want := "a=b&a=z%20y&partNumber=2&uploadId=a%2Fb&uploads=&x-id=UploadPart"
	if got != want {
		t.Errorf("canonical query = %s, want %s", got, want)
	}
}
