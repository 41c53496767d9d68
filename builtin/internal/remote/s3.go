package remote

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// S3Target says where and as whom an S3 client connects.
type S3Target struct {
	// AccessKeyID and Secret are the static credentials.
	AccessKeyID, Secret string
	// Region is the bucket's region.
	Region string
	// Endpoint is an S3-compatible endpoint URL; "" is AWS itself.
	Endpoint string
	// ForcePathStyle addresses the bucket in the path, not the host name.
	ForcePathStyle bool
}

// NewS3Client builds the S3 client for t. Nothing is read from the
// environment or shared config files: t says everything.
func NewS3Client(t S3Target) *s3.Client {
	opts := s3.Options{
		Region:       t.Region,
		Credentials:  credentials.NewStaticCredentialsProvider(t.AccessKeyID, t.Secret, ""),
		UsePathStyle: t.ForcePathStyle,
	}
	if t.Endpoint != "" {
		opts.BaseEndpoint = aws.String(t.Endpoint)
	}
	return s3.New(opts)
}

// S3Error is an S3 failure. Its text is fixed-form, never the remote
// server's own words (an endpoint may be anyone's server): S3's error
// code when it is a plain identifier, and the HTTP status ("S3 refused
// the upload: AccessDenied (HTTP 403)"), or the kind of failure when no
// S3 answer came ("the S3 endpoint could not be reached"). The SDK's
// whole error, for a family's log, is Detail.
type S3Error struct {
	// Code is S3's error code (AccessDenied, NoSuchBucket) when it is a
	// plain identifier, empty otherwise.
	Code string
	// Status is the HTTP status of S3's answer, 0 when there was none.
	Status int
	// Reason is the fixed-form text Error returns.
	Reason string
	cause  error
	secret string
}

// ReasonUnreachable is an S3Error's reason when the endpoint could not be
// reached (DNS, TCP, TLS).
const ReasonUnreachable = "the S3 endpoint could not be reached"

// Error implements error with Reason.
func (e *S3Error) Error() string { return e.Reason }

// Unwrap returns the SDK's error.
func (e *S3Error) Unwrap() error { return e.cause }

// Detail is the SDK's whole error text with the secret scrubbed: for a
// log, never for a client.
func (e *S3Error) Detail() string {
	if e.cause == nil {
		return e.Reason
	}
	text := e.cause.Error()
	if e.secret != "" {
		text = strings.ReplaceAll(text, e.secret, "[REDACTED]")
	}
	return text
}

// s3Code matches an S3 error code worth repeating: a short identifier.
var s3Code = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9.]{0,63}$`)

// apiError is the SDK's S3 error interface (smithy.APIError), declared
// here to keep smithy-go out of the imports.
type apiError interface {
	ErrorCode() string
	ErrorMessage() string
}

// httpStatusError is the SDK's error with the HTTP status of an answer.
type httpStatusError interface {
	HTTPStatusCode() int
}

// NewS3Error maps an SDK error met during what ("upload", "download") to
// an *S3Error with a fixed-form reason; secret only scrubs Detail.
func NewS3Error(err error, what, secret string) *S3Error {
	e := &S3Error{Reason: "the S3 " + what + " failed", cause: err, secret: secret}
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
		e.Reason = fmt.Sprintf("S3 refused the %s: %s (HTTP %d)", what, e.Code, e.Status)
	case e.Code != "":
		e.Reason = "S3 refused the " + what + ": " + e.Code
	case e.Status != 0:
		e.Reason = fmt.Sprintf("S3 refused the %s (HTTP %d)", what, e.Status)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		e.Reason = "the S3 " + what + " was stopped"
	case errors.As(err, &netErr):
		e.Reason = ReasonUnreachable
	}
	return e
}
