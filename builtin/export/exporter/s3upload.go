package exporter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Upload bounds. The transfer manager buffers the first read (up to
// MultipartThreshold) plus a pool of UploadConcurrency+1 parts, so one
// upload holds at most about (UploadConcurrency+2) * PartSize = 32 MiB
// whatever the export's size.
const (
	// PartSize is the size of each multipart part: S3's 5 MiB minimum with
	// headroom, and 10,000 parts (S3's maximum) of it reach ~80 GiB.
	PartSize = 8 << 20
	// UploadConcurrency is how many parts are in flight at once: two keep
	// the connection busy while the encoder fills the next part, without
	// competing for the host's few cores.
	UploadConcurrency = 2
	// MultipartThreshold is the size below which the export is one
	// PutObject; equal to PartSize so the first buffer is one part too.
	MultipartThreshold = PartSize
)

// Content types of the uploaded object, by format.
const (
	contentTypeJSON = "application/json"
	contentTypeCSV  = "text/csv; charset=utf-8"
)

// S3Result describes an uploaded export. Bucket, Key, ETag and Location
// carry HarperDB's names for the job result.
type S3Result struct {
	// Bucket is the bucket written to.
	Bucket string `json:"Bucket"`
	// Key is the object key (the request's key plus the extension).
	Key string `json:"Key"`
	// ETag is the object's ETag as S3 returned it (quoted).
	ETag string `json:"ETag"`
	// Location is the object's URL when S3 reported one.
	Location string `json:"Location,omitempty"`
	// Bytes is the size of the uploaded object.
	Bytes int64 `json:"bytes_written"`
	// Parts is the number of multipart parts; 0 for a single PutObject.
	Parts int `json:"parts"`
}

// S3Error is an upload failure. Its text is fixed-form, never the
// remote server's own words (an endpoint may be anyone's server): S3's
// error code when it is a plain identifier, and the HTTP status
// ("S3 refused the upload: AccessDenied (HTTP 403)"), or the kind of
// failure when no S3 answer came ("the S3 endpoint could not be
// reached"). The SDK's whole error, for the family's log, is Detail.
type S3Error struct {
	// Code is S3's error code (AccessDenied, NoSuchBucket) when it is a
	// plain identifier (s3Code), empty when the request never got an S3
	// answer or the code was something else.
	Code string
	// Status is the HTTP status of S3's answer, 0 when there was none.
	Status int
	// Reason is the fixed-form text Error returns.
	Reason string
	// cause is the SDK's error, for errors.As and Detail.
	cause  error
	secret string
}

// Reasons of an S3Error without an S3 answer.
const (
	// ReasonUnreachable: the endpoint could not be reached (DNS, TCP, TLS).
	ReasonUnreachable = "the S3 endpoint could not be reached"
	// ReasonStopped: the upload was stopped (its context ended).
	ReasonStopped = "the S3 upload was stopped"
	// ReasonFailed: any other failure of the upload.
	ReasonFailed = "the S3 upload failed"
)

// Error implements error with Reason.
func (e *S3Error) Error() string { return e.Reason }

// Unwrap returns the SDK's error.
func (e *S3Error) Unwrap() error { return e.cause }

// Detail is the SDK's whole error text, with the secret key scrubbed:
// for the family's log, never for a client.
func (e *S3Error) Detail() string {
	if e.cause == nil {
		return e.Reason
	}
	text := e.cause.Error()
	if e.secret != "" {
		text = strings.ReplaceAll(text, e.secret, RedactedText)
	}
	return text
}

// s3Code matches an S3 error code worth repeating: a short identifier.
var s3Code = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9.]{0,63}$`)

// apiError is the error interface the SDK's S3 errors implement
// (smithy.APIError), declared here to keep smithy-go out of our imports.
type apiError interface {
	ErrorCode() string
	ErrorMessage() string
}

// UploadS3 streams body to the request's bucket under ObjectKey, as a
// multipart upload in PartSize parts with UploadConcurrency parts in
// flight (one PutObject below MultipartThreshold), signed with the
// request's static credentials and region, to its endpoint (AWS when
// empty; path-style addressing when ForcePathStyle). A failed multipart
// upload is aborted, so no partial object remains. Every failure is an
// *S3Error.
func UploadS3(ctx context.Context, req S3Request, body io.Reader) (S3Result, error) {
	tm := transfermanager.New(newS3Client(req), func(o *transfermanager.Options) {
		o.PartSizeBytes = PartSize
		o.Concurrency = UploadConcurrency
		o.MultipartUploadThreshold = MultipartThreshold
	})
	counted := &countingReader{r: body}
	contentType := contentTypeJSON
	if req.Format == FormatCSV {
		contentType = contentTypeCSV
	}
	out, err := tm.UploadObject(ctx, &transfermanager.UploadObjectInput{
		Bucket:      aws.String(req.Bucket),
		Key:         aws.String(req.ObjectKey()),
		Body:        counted,
		ContentType: aws.String(contentType),
	})
	if err != nil {
		return S3Result{}, s3Error(err, req.SecretAccessKey.Reveal())
	}
	return S3Result{
		Bucket:   req.Bucket,
		Key:      req.ObjectKey(),
		ETag:     aws.ToString(out.ETag),
		Location: aws.ToString(out.Location),
		Bytes:    counted.n,
		Parts:    len(out.CompletedParts),
	}, nil
}

// newS3Client builds the S3 client for req: static credentials, region,
// optional endpoint and path style. Nothing is read from the environment
// or shared config files: the request (and the host's configured default
// endpoint) says everything.
func newS3Client(req S3Request) *s3.Client {
	opts := s3.Options{
		Region:       req.Region,
		Credentials:  credentials.NewStaticCredentialsProvider(req.AccessKeyID, req.SecretAccessKey.Reveal(), ""),
		UsePathStyle: req.ForcePathStyle,
	}
	if req.Endpoint != "" {
		opts.BaseEndpoint = aws.String(req.Endpoint)
	}
	return s3.New(opts)
}

// s3Error maps an SDK error to an *S3Error with a fixed-form Reason:
// S3's code (when s3Code matches it) and HTTP status when S3 answered,
// else the kind of failure. secret is kept only to scrub Detail.
func s3Error(err error, secret string) *S3Error {
	e := &S3Error{Reason: ReasonFailed, cause: err, secret: secret}
	var api apiError
	var status httpStatusError
	var netErr *net.OpError
	if errors.As(err, &status) {
		e.Status = status.HTTPStatusCode()
	}
	if errors.As(err, &api) && s3Code.MatchString(api.ErrorCode()) {
		e.Code = api.ErrorCode()
	}
	switch {
	case e.Code != "" && e.Status != 0:
		e.Reason = fmt.Sprintf("S3 refused the upload: %s (HTTP %d)", e.Code, e.Status)
	case e.Code != "":
		e.Reason = "S3 refused the upload: " + e.Code
	case e.Status != 0:
		e.Reason = fmt.Sprintf("S3 refused the upload (HTTP %d)", e.Status)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		e.Reason = ReasonStopped
	case errors.As(err, &netErr):
		e.Reason = ReasonUnreachable
	}
	return e
}

// httpStatusError is the SDK's error with the HTTP status of an answer
// (awshttp.ResponseError), declared here as apiError is.
type httpStatusError interface {
	HTTPStatusCode() int
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

// Read implements io.Reader.
func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
