package exporter

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/hops-dev/hops/builtin/export/exporter/s3test"
)

// Credentials and names of the loopback S3 server.
const (
	testAccessKey = "AKIDHOPSTEST"
	testBucket    = "exports"
	testRegion    = "us-east-1"
	bigRowCount   = 50000
)

// testColumns are the columns of testRow: the primary key, then the
// others sorted, as the records family orders them for "*".
var testColumns = []string{"id", "__createdtime__", "good", "name", "notes", "owner", "pad", "tags", "weight"}

// testRow is row i of a deterministic table: text needing CSV quoting,
// unicode, nested values, nulls and missing attributes, and padding so
// 50,000 rows pass the multipart threshold.
func testRow(i int) map[string]any {
	r := map[string]any{
		"id":              float64(i),
		"name":            fmt.Sprintf(`dog %d, "the" Zoë 世界 %c`, i, rune(0x1F600+i%50)),
		"notes":           strings.Repeat("n", i%7) + "\nsecond line,\r\nthird",
		"weight":          float64(i) / 8,
		"good":            i%2 == 0,
		"tags":            []any{"a", strconv.Itoa(i)},
		"owner":           map[string]any{"first": "Kyle", "n": float64(i)},
		"__createdtime__": 1.7e12 + float64(i) + 0.25,
		"pad":             strings.Repeat("p", 120),
	}
	if i%5 == 0 {
		delete(r, "notes")
	}
	if i%3 == 0 {
		r["weight"] = nil
	}
	return r
}

// testFile is the export file of testRows 0..n-1 in format, as the
// records family writes it: JSON keys in column order (null where a row
// lacks one), or a CSV header line and one line per row.
func testFile(t testing.TB, format string, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	value := func(v any) []byte {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	}
	if format == FormatCSV {
		w := csv.NewWriter(&buf)
		_ = w.Write(testColumns)
		for i := range n {
			row := testRow(i)
			line := make([]string, len(testColumns))
			for k, c := range testColumns {
				switch v := row[c].(type) {
				case nil:
				case string:
					line[k] = v
				default:
					line[k] = string(value(v))
				}
			}
			_ = w.Write(line)
		}
		w.Flush()
		return buf.Bytes()
	}
	buf.WriteByte('[')
	for i := range n {
		if i > 0 {
			buf.WriteByte(',')
		}
		row := testRow(i)
		buf.WriteByte('{')
		for k, c := range testColumns {
			if k > 0 {
				buf.WriteByte(',')
			}
			buf.Write(value(c))
			buf.WriteByte(':')
			buf.Write(value(row[c]))
		}
		buf.WriteByte('}')
	}
	buf.WriteByte(']')
	return buf.Bytes()
}

// failingReader fails every read with err.
type failingReader struct{ err error }

// Read implements io.Reader.
func (r failingReader) Read([]byte) (int, error) { return 0, r.err }

// newS3 returns a request for a fresh bucket on an S3 server: the
// loopback s3test server, or the one s3test's environment names (make
// e2e-s3 runs these tests against MinIO so).
func newS3(t *testing.T, format string) (S3Request, s3test.Target) {
	t.Helper()
	tg := s3test.NewTarget(t, testAccessKey, testSecret, testBucket)
	return S3Request{
		Format: format, AccessKeyID: tg.AccessKey, SecretAccessKey: NewSecret(tg.Secret),
		Bucket: tg.Bucket, Key: "dumps/dogs", Region: testRegion, Endpoint: tg.Endpoint,
	}, tg
}

// expectedJSON is testRow(i) as a JSON reader sees it: every column
// present, null where the row lacks it. testRow holds only types
// encoding/json decodes to (float64, string, bool, []any, map[string]any).
func expectedJSON(i int) map[string]any {
	r := testRow(i)
	for _, c := range testColumns {
		if _, ok := r[c]; !ok {
			r[c] = nil
		}
	}
	return r
}

func TestExportS3JSONRoundTrip(t *testing.T) {
	req, tg := newS3(t, FormatJSON)
	res, err := ExportS3(context.Background(), req, bytes.NewReader(testFile(t, FormatJSON, bigRowCount)))
	if err != nil {
		t.Fatal(err)
	}
	data, ok := tg.Object(t, "dumps/dogs.json")
	if !ok {
		t.Fatal("object not stored")
	}
	if res.Bucket != req.Bucket || res.Key != "dumps/dogs.json" || res.ETag == "" || res.Bytes != int64(len(data)) {
		t.Errorf("result = %+v (object is %d bytes)", res, len(data))
	}
	if len(data) <= MultipartThreshold || res.Parts < 2 {
		t.Errorf("%d bytes in %d parts: the test must cross the multipart threshold", len(data), res.Parts)
	}
	var got []map[string]any
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("object is not a JSON array: %v", err)
	}
	if len(got) != bigRowCount {
		t.Fatalf("%d records, want %d", len(got), bigRowCount)
	}
	for i, rec := range got {
		if want := expectedJSON(i); !reflect.DeepEqual(rec, want) {
			t.Fatalf("record %d = %v\nwant %v", i, rec, want)
		}
	}
	// Keys follow the column order in the text itself.
	if !bytes.HasPrefix(data, []byte(`[{"id":0,"__createdtime__":1700000000000.25,"good":true,"name":`)) {
		t.Errorf("first record starts %.80s", data)
	}
}

// expectedCell is the CSV text of v, computed independently of the encoder.
func expectedCell(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		// encoding/csv's reader turns \r\n inside quotes into \n (the
		// writer keeps it raw: TestCSVEncoderQuoting pins the bytes).
		return strings.ReplaceAll(t, "\r\n", "\n")
	case bool:
		return strconv.FormatBool(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	}
	return "nested"
}

func TestExportS3CSVRoundTrip(t *testing.T) {
	req, tg := newS3(t, FormatCSV)
	res, err := ExportS3(context.Background(), req, bytes.NewReader(testFile(t, FormatCSV, bigRowCount)))
	if err != nil {
		t.Fatal(err)
	}
	data, ok := tg.Object(t, "dumps/dogs.csv")
	if !ok || res.Bytes != int64(len(data)) || res.Key != "dumps/dogs.csv" {
		t.Fatalf("object stored = %v, result = %+v", ok, res)
	}
	r := csv.NewReader(bytes.NewReader(data))
	header, err := r.Read()
	if err != nil || !reflect.DeepEqual(header, testColumns) {
		t.Fatalf("header = %q, %v", header, err)
	}
	for i := 0; ; i++ {
		rec, err := r.Read()
		if err == io.EOF {
			if i != bigRowCount {
				t.Fatalf("%d records, want %d", i, bigRowCount)
			}
			break
		}
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		row := testRow(i)
		for j, c := range testColumns {
			want := expectedCell(row[c])
			if want == "nested" {
				var got, exp any
				raw, _ := json.Marshal(row[c])
				_ = json.Unmarshal(raw, &exp)
				if err := json.Unmarshal([]byte(rec[j]), &got); err != nil || !reflect.DeepEqual(got, exp) {
					t.Fatalf("record %d %s = %q, want JSON of %v", i, c, rec[j], row[c])
				}
				continue
			}
			if rec[j] != want {
				t.Fatalf("record %d %s = %q, want %q", i, c, rec[j], want)
			}
		}
	}
}

func TestExportS3PathStyleAndSmallObject(t *testing.T) {
	req, tg := newS3(t, FormatJSON)
	req.ForcePathStyle = true
	req.Key = "one"
	res, err := ExportS3(context.Background(), req, strings.NewReader("[]"))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := tg.Object(t, "one.json")
	if string(data) != "[]" || res.Parts != 0 || res.Bytes != 2 {
		t.Errorf("object = %q, result = %+v", data, res)
	}
}

// wantS3Error fails t unless err is an *S3Error with code and does not
// contain secret in any of its forms.
func wantS3Error(t *testing.T, err error, code, secret string) {
	t.Helper()
	var s3err *S3Error
	if !errors.As(err, &s3err) || s3err.Code != code {
		t.Fatalf("err = %v (%T), want S3 %s", err, err, code)
	}
	if !strings.Contains(err.Error(), code) {
		t.Errorf("message %q does not name %s", err, code)
	}
	for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), s3err.Detail(), s3err.Unwrap().Error()} {
		if strings.Contains(text, secret) {
			t.Errorf("error text leaks the secret: %s", text)
		}
	}
}

// TestExportS3WrongAccessKeyIsRefused: s3test answers AccessDenied with
// S3's message "Access Denied"; S3 and MinIO answer InvalidAccessKeyId.
func TestExportS3WrongAccessKeyIsRefused(t *testing.T) {
	for _, rows := range []int{10, bigRowCount} { // one PutObject, then multipart
		req, tg := newS3(t, FormatJSON)
		req.AccessKeyID = "AKIDSOMEONEELSE"
		_, err := ExportS3(context.Background(), req, bytes.NewReader(testFile(t, FormatJSON, rows)))
		wantS3Error(t, err, tg.UnknownKeyCode, tg.Secret)
		if want := "S3 refused the upload: " + tg.UnknownKeyCode + " (HTTP 403)"; err.Error() != want {
			t.Errorf("message %q, want the fixed form %q (not S3's own words)", err, want)
		}
		if _, ok := tg.Object(t, req.ObjectKey()); ok {
			t.Errorf("%d rows: object stored despite the refusal", rows)
		}
	}
}

func TestExportS3WrongSecretIsRefused(t *testing.T) {
	req, tg := newS3(t, FormatCSV)
	req.SecretAccessKey = NewSecret("not-the-secret")
	_, err := ExportS3(context.Background(), req, bytes.NewReader(testFile(t, FormatCSV, 10)))
	wantS3Error(t, err, "SignatureDoesNotMatch", tg.Secret)
	if _, ok := tg.Object(t, req.ObjectKey()); ok {
		t.Error("object stored with a wrong secret")
	}
}

func TestExportS3MissingBucket(t *testing.T) {
	req, _ := newS3(t, FormatJSON)
	req.Bucket = "no-such-bucket"
	_, err := ExportS3(context.Background(), req, bytes.NewReader(testFile(t, FormatJSON, 10)))
	wantS3Error(t, err, "NoSuchBucket", req.SecretAccessKey.Reveal())
}

func TestExportS3SourceFailureAbortsUpload(t *testing.T) {
	errStore := errors.New("store read failed")
	file := testFile(t, FormatJSON, bigRowCount)
	for _, failAt := range []int{500, len(file) - 10} { // before and after the first part went out
		req, tg := newS3(t, FormatJSON)
		body := io.MultiReader(bytes.NewReader(file[:failAt]), failingReader{errStore})
		_, err := ExportS3(context.Background(), req, body)
		if !errors.Is(err, errStore) {
			t.Fatalf("fail at %d: err = %v, want the source's error", failAt, err)
		}
		if _, ok := tg.Object(t, req.ObjectKey()); ok {
			t.Errorf("fail at %d: a partial object was stored", failAt)
		}
		if n := pendingUploads(t, req); n != 0 {
			t.Errorf("fail at %d: %d multipart uploads left open", failAt, n)
		}
	}
}

// pendingUploads counts the open multipart uploads of req's object. It
// opens one of its own first, so an empty answer cannot pass for a server
// that does not list uploads (gofakes3 answers NoSuchUpload for a bucket
// that never had one). The listing names the object as its prefix: MinIO
// lists the uploads of one object, never a whole bucket's.
func pendingUploads(t *testing.T, req S3Request) int {
	t.Helper()
	client := newS3Client(req)
	ctx := context.Background()
	key := aws.String(req.ObjectKey())
	probe, err := client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(req.Bucket), Key: key})
	if err != nil {
		t.Fatal(err)
	}
	out, err := client.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(req.Bucket), Prefix: key})
	if err != nil {
		t.Fatalf("list multipart uploads: %v", err)
	}
	_, _ = client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(req.Bucket), Key: key, UploadId: probe.UploadId})
	if len(out.Uploads) == 0 {
		t.Fatal("the server does not list open multipart uploads")
	}
	return len(out.Uploads) - 1
}

func TestUploadS3UnreachableEndpoint(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close() // nothing listens there now
	req, _ := newS3(t, FormatJSON)
	req.Endpoint = "http://" + addr
	// The SDK retries a refused connection (3 attempts, about 4 s).
	_, err = UploadS3(context.Background(), req, strings.NewReader("[]"))
	var s3err *S3Error
	if !errors.As(err, &s3err) || s3err.Code != "" {
		t.Fatalf("err = %v (%T), want an *S3Error without S3 code", err, err)
	}
	if err.Error() != ReasonUnreachable || !strings.Contains(s3err.Detail(), addr) {
		t.Errorf("message = %q (detail %q), want %q", err, s3err.Detail(), ReasonUnreachable)
	}
	if strings.Contains(fmt.Sprintf("%+v %v", err, s3err.Unwrap()), req.SecretAccessKey.Reveal()) {
		t.Error("error leaks the secret")
	}
}

func TestUploadS3CancelledContext(t *testing.T) {
	req, tg := newS3(t, FormatJSON)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := UploadS3(ctx, req, strings.NewReader("[]"))
	var s3err *S3Error
	if !errors.As(err, &s3err) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want an *S3Error wrapping context.Canceled", err)
	}
	if _, ok := tg.Object(t, req.ObjectKey()); ok {
		t.Error("object stored after cancellation")
	}
}
