package exporter

import (
	"context"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/hops-dev/hops/builtin/internal/remote"
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

// S3Error is an upload failure (remote.S3Error, shared with
// import_from_s3): fixed-form text, never the remote server's words; the
// SDK's whole error, for the family's log, is Detail.
type S3Error = remote.S3Error

// Reasons of an S3Error without an S3 answer.
const (
	// ReasonUnreachable: the endpoint could not be reached (DNS, TCP, TLS).
	ReasonUnreachable = remote.ReasonUnreachable
	// ReasonStopped: the upload was stopped (its context ended).
	ReasonStopped = "the S3 upload was stopped"
	// ReasonFailed: any other failure of the upload.
	ReasonFailed = "the S3 upload failed"
)

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

// newS3Client builds the S3 client for req (remote.NewS3Client): static
// credentials, region, optional endpoint and path style.
func newS3Client(req S3Request) *s3.Client {
	return remote.NewS3Client(remote.S3Target{AccessKeyID: req.AccessKeyID, Secret: req.SecretAccessKey.Reveal(),
		Region: req.Region, Endpoint: req.Endpoint, ForcePathStyle: req.ForcePathStyle})
}

// s3Error maps an SDK error to an *S3Error (remote.NewS3Error).
func s3Error(err error, secret string) *S3Error {
	return remote.NewS3Error(err, "upload", secret)
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
