// Package remote holds what the builtin families share to reach servers a
// request names: the allow-list of endpoints a user who is not a super
// user may name (EndpointSet), the dial guard that keeps such a user's
// fetches off loopback, link-local and private addresses (Dialer), and
// the S3 client and its fixed-form errors (NewS3Client, S3Error), used by
// export_to_s3 and import_from_s3 alike.
package remote
