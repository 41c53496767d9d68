// Package certs is the builtin `certs` family: add_certificate,
// remove_certificate and list_certificates, all super_user only, on top of
// the certificate engine in package certstore.
//
// Where to start: certs.go holds the operation table and the lifecycle
// (Configure opens <rootPath>/database/certs.db and makes sure the node's
// own certificate authority and node certificate exist; Shutdown closes
// the database); ops_certs.go holds the three handlers, which only decode
// the request and call the engine. Everything about storage, key files,
// generated certificates and HarperDB's record shape is in certstore (read
// its doc.go).
//
// Config section (families.certs):
//
//	hostname: node1.example.com   # default: os.Hostname()
//
// The hostname names the node certificate's record and is its first
// subject alternative name (beside localhost, 127.0.0.1 and ::1). The host's
// HTTPS listener (host/tlscerts) must be given the same hostname so it picks
// that record as its default certificate.
//
// This process owns certs.db: BuntDB is a single-process store, so the
// host never opens it; it reads the certificates through list_certificates
// and the key files under <rootPath>/keys.
package certs
