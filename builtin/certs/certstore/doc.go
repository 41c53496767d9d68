// Package certstore is the certificate engine of the certs family: it keeps
// the certificates list_certificates shows, adds and removes them, generates
// the node's own authority and node certificate at first start. The host's
// HTTPS listener (host/tlscerts) serves what it lists, with the key files
// it writes. It knows nothing of the SDK or gRPC; the family's handlers
// call it.
//
// Where to start: Open, then EnsureAuthority (store.go, authority.go);
// DecodeAddInput and Add (input.go, add.go) for add_certificate; List
// (record.go) and the HarperDB-style Details formatting (details.go).
//
// Storage, under rootPath:
//   - database/certs.db: BuntDB (github.com/tidwall/buntdb), one JSON value
//     per record under "cert:<name>", plus "meta:ca" and "meta:node" naming
//     the generated records. BuntDB because the design keeps small system
//     metadata there (as system.db does): an append-only file, sorted keys
//     (List is a prefix scan in name order) and transactions. Sync policy
//     Always: each commit is fsynced (see Open).
//   - keys/<name>.pem: private keys, directory 0700, files 0600. A key is
//     never written to the database and no exported type marshals one.
//
// Parsing and generation use only crypto/x509, crypto/tls and encoding/pem
// from the standard library (plus the key algorithms' packages); there is
// no hand-written ASN.1.
//
// Consistency: Add writes the key to a temporary file, commits the record,
// then renames the key into place; any failure removes the temporary and
// restores the previous record. Open finishes a rename a crash interrupted
// (recoverTempFiles). Remove deletes the record, then the key file if no
// other record names it: a crash between the two can leave an unreferenced
// key file (harmless; a later add may match it), never a record whose key
// file is missing.
//
// Differences from HarperDB 4.7, on purpose: names must be safe file names
// instead of being sanitised; keys are parsed and checked against the
// certificate; a key found on disk is named by its file name ("x.pem");
// removing an unknown name is a 404 "Certificate '<name>' not found";
// is_self_signed, uses and hosts are always present. Known formatting
// limits: SANs are listed grouped by type (DNS, email, IP Address, URI)
// rather than in certificate order, and a multi-valued RDN prints its
// attributes separated by spaces rather than " + ".
package certstore
