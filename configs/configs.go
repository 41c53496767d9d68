// Package configs holds the configuration files that ship with hops.
//
// defaults.yaml is the bottom layer of every hops configuration: it is
// embedded in the binary (Defaults) so a host always knows every key's
// default, and it is also the commented template that
// host/config.(*Config).EnsureFile writes to <rootPath>/hops-config.yaml on
// first start. examples/ holds example deployments an operator can copy.
//
// Nothing here knows about precedence or key types: that lives only in
// host/config, which reads Defaults.
package configs

import _ "embed" // for the go:embed directive below

// Defaults is the content of defaults.yaml: the keys hops acts on, with
// their default values and a comment for operators. It must stay valid
// against the key table in host/config, and hold no key that does not act
// (tests there check both).
//
//go:embed defaults.yaml
var Defaults []byte
