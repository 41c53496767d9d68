package exporter

import (
	"encoding/json"
	"net/url"
	"regexp"

	"github.com/hops-dev/hops/sdk"
)

// S3Request is a validated export_to_s3 request. Its secret access key is
// a Secret: printing the request with any fmt verb, marshalling it to JSON
// or logging it shows RedactedText, never the key.
type S3Request struct {
	// Format is FormatJSON or FormatCSV.
	Format string
	// Search is the search whose rows are exported.
	Search SearchOperation
	// AccessKeyID is s3.aws_access_key_id (not secret: it travels in every
	// signed request's Authorization header).
	AccessKeyID string
	// SecretAccessKey is s3.aws_secret_access_key.
	SecretAccessKey Secret
	// Bucket is s3.bucket.
	Bucket string
	// Key is s3.key as given; the object's key is ObjectKey.
	Key string
	// Region is s3.region, checked to be a valid host name label.
	Region string
	// Endpoint is s3.endpoint, or the default endpoint given to DecodeS3;
	// empty means AWS itself.
	Endpoint string
	// ForcePathStyle is s3.force_path_style: address the bucket in the path
	// (http://host/bucket/key) instead of the host name. Default false.
	ForcePathStyle bool
}

// ObjectKey is the key the export is stored under: Key + "." + Format.
func (r S3Request) ObjectKey() string { return r.Key + "." + r.Format }

// redactedS3 is the JSON shape of a redacted S3Request: the request's own
// field names, with the secret shown as RedactedText.
type redactedS3 struct {
	Format string          `json:"format"`
	S3     redactedS3Inner `json:"s3"`
	Search json.RawMessage `json:"search_operation,omitempty"`
}

// redactedS3Inner is the s3 object of redactedS3.
type redactedS3Inner struct {
	AccessKeyID     string `json:"aws_access_key_id"`
	SecretAccessKey Secret `json:"aws_secret_access_key"`
	Bucket          string `json:"bucket"`
	Key             string `json:"key"`
	Region          string `json:"region"`
	Endpoint        string `json:"endpoint,omitempty"`
	ForcePathStyle  bool   `json:"force_path_style"`
}

// Redacted is the request as JSON, in the request's own field names, with
// aws_secret_access_key shown as RedactedText: the form to store in a job
// record or a log.
func (r S3Request) Redacted() json.RawMessage {
	out, err := json.Marshal(redactedS3{
		Format: r.Format,
		S3: redactedS3Inner{
			AccessKeyID: r.AccessKeyID, SecretAccessKey: r.SecretAccessKey,
			Bucket: r.Bucket, Key: r.Key, Region: r.Region,
			Endpoint: r.Endpoint, ForcePathStyle: r.ForcePathStyle,
		},
		Search: r.Search.Body,
	})
	if err != nil {
		// Only a Search.Body that is not valid JSON can fail; DecodeS3
		// never produces one. Drop it rather than fail a log line.
		return r.withoutSearch().Redacted()
	}
	return out
}

// withoutSearch returns r with no search body.
func (r S3Request) withoutSearch() S3Request {
	r.Search.Body = nil
	return r
}

// MarshalJSON implements json.Marshaler with the Redacted form.
func (r S3Request) MarshalJSON() ([]byte, error) { return r.Redacted(), nil }

// String implements fmt.Stringer with the Redacted form.
func (r S3Request) String() string { return "S3Request" + string(r.Redacted()) }

// GoString implements fmt.GoStringer with the Redacted form. Verbs other
// than %v, %s, %q, %x and %#v walk the struct, where the Secret field
// formats itself as RedactedText.
func (r S3Request) GoString() string { return r.String() }

// hostLabel is a valid host name label, which is what a region must be to
// become part of an S3 host name (the check HarperDB's SDK makes).
var hostLabel = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$`)

// DecodeS3 validates an export_to_s3 body, in HarperDB's order: the s3
// object and its aws_access_key_id, aws_secret_access_key, bucket, key and
// region, then format and search_operation; then the optional endpoint
// (defaultEndpoint when absent; empty means AWS) and force_path_style.
// Every failure is an *Error (400) with one of the Msg constants, and none
// carries the secret.
func DecodeS3(body []byte, defaultEndpoint string) (S3Request, error) {
	fields, err := decodeObject(body)
	if err != nil {
		return S3Request{}, err
	}
	var s3 *sdk.Fields
	if _, ok := present(fields, "s3"); ok {
		s3, _ = fields.Object("s3") // not an object: s3 stays empty
	}
	if s3 == nil || len(s3.Keys()) == 0 {
		return S3Request{}, badRequest(MsgS3Missing)
	}
	var req S3Request
	var secret string
	required := []struct {
		name, msg string
		dst       *string
	}{
		{"aws_access_key_id", MsgAccessKeyMissing, &req.AccessKeyID},
		{"aws_secret_access_key", MsgSecretKeyMissing, &secret},
		{"bucket", MsgBucketMissing, &req.Bucket},
		{"key", MsgKeyMissing, &req.Key},
		{"region", MsgRegionMissing, &req.Region},
	}
	for _, f := range required {
		raw, _ := present(s3, f.name)
		s, ok := stringOf(raw)
		if !ok || s == "" {
			return S3Request{}, badRequest(f.msg)
		}
		*f.dst = s
	}
	req.SecretAccessKey = NewSecret(secret)
	if !hostLabel.MatchString(req.Region) {
		return S3Request{}, badRequestf(MsgRegionInvalid, req.Region)
	}
	if req.Format, err = decodeFormat(fields); err != nil {
		return S3Request{}, err
	}
	if req.Search, err = decodeSearch(fields); err != nil {
		return S3Request{}, err
	}
	if req.Endpoint, err = decodeEndpoint(s3, defaultEndpoint); err != nil {
		return S3Request{}, err
	}
	if raw, ok := present(s3, "force_path_style"); ok {
		switch string(raw) {
		case "true":
			req.ForcePathStyle = true
		case "false":
		default:
			return S3Request{}, badRequest(MsgForcePathStyleInvalid)
		}
	}
	return req, nil
}

// decodeEndpoint returns s3.endpoint or def, checked to be an http(s) URL.
func decodeEndpoint(s3 *sdk.Fields, def string) (string, error) {
	endpoint := def
	if raw, ok := present(s3, "endpoint"); ok {
		s, ok := stringOf(raw)
		if !ok {
			return "", badRequest(MsgEndpointInvalid)
		}
		if s != "" {
			endpoint = s
		}
	}
	if endpoint == "" {
		return "", nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", badRequest(MsgEndpointInvalid)
	}
	return endpoint, nil
}
