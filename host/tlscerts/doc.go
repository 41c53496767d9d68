// Package tlscerts is the host side of HTTPS certificates: a Source whose
// GetCertificate feeds tls.Config, serving the certificates the certs
// family keeps, chosen per handshake by SNI, so an add_certificate or
// remove_certificate takes effect on the next handshake with no restart.
//
// Where to start: New (source.go) with Options, then TLSConfig or
// GetCertificate for the listener; load.go turns a list_certificates
// answer into the served set.
//
// Why not open certs.db: the certs family's process owns
// <rootPath>/database/certs.db and BuntDB is a single-process store (two
// writers would corrupt its append-only file). So the host reads what the
// family lists, through Options.List (list_certificates run as an internal
// super user), and reads the private keys itself from <rootPath>/keys,
// which the host owns. list_certificates never carries a private key.
//
// When to reload: each handshake stats certs.db and the keys directory
// (two stat calls, no file read). Every change the family makes appends to
// certs.db (BuntDB is append-only; a compaction rewrites it) and every key
// file it installs or removes is a rename or unlink in keys/, so (size,
// mtime) of the one and mtime of the other change whenever the served set
// may have. Then the first handshake to notice calls List once, while the
// others wait for its result (one refresh at a time); a handshake that
// finds nothing changed reads an atomic pointer and takes no lock.
//
// Failures: when List fails, or its answer is not a list, the last good
// set keeps being served and the failure is logged; a record whose key
// file cannot be used is left out and logged. Either way the refresh is
// tried again on a handshake at most once a second (retryInterval), not on
// every one.
//
// Which certificate: the lower-cased SNI server name (without a trailing
// dot) is looked up exactly among the records' hosts, then as its wildcard
// form ("a.example.com" -> "*.example.com"), and otherwise the node
// certificate is served: the non-authority record named Options.Hostname
// (the certs family's hostname), else the first record, by name, whose uses
// include "operations_api". When two records list one host, the one valid
// now wins, then the one expiring last, then the first by name (the rules
// of the family's own engine). Authorities sign; they are never served,
// and CAPool returns them for clients.
//
// The operator's own files: with Options.Files (tls.certificate,
// tls.privateKey, tls.certificateAuthority) the Source serves that one pair
// to every handshake instead (files.go). New reads it and fails on a
// missing file, a file with no PEM, or a key that is not the
// certificate's. Each handshake stats the three files; when one changed
// (a certificate renewed in place or renamed over), the first handshake to
// notice reloads the pair; a reload that fails keeps the last good pair and
// is logged, as with the family's set.
//
// Only the standard library's crypto/tls and crypto/x509 are used.
package tlscerts
