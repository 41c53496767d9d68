// Package builtin is the explicit catalog of the families that ship inside
// the hops binary. Each is served by the binary re-executing itself as
// `hops plugin builtin NAME`, so a builtin crosses the same process and
// gRPC boundary as a third-party plugin; only host/cmd/hops imports this
// package.
//
// Adding a family: write its package (importing sdk/, never host/), then
// add one line to Families below.
package builtin

import (
	"fmt"
	"sort"

	"github.com/hops-dev/hops/builtin/certs"
	"github.com/hops-dev/hops/builtin/clustering"
	"github.com/hops-dev/hops/builtin/export"
	"github.com/hops-dev/hops/builtin/records"
	"github.com/hops-dev/hops/builtin/status"
	"github.com/hops-dev/hops/builtin/system"
	"github.com/hops-dev/hops/sdk"
	"github.com/hops-dev/hops/sdk/plugin"
)

// Constructor builds a family in its own process.
type Constructor func() (sdk.Family, error)

// Families is the catalog: family name -> constructor.
var Families = map[string]Constructor{
	"certs":      func() (sdk.Family, error) { return certs.New() },
	"clustering": func() (sdk.Family, error) { return clustering.New() },
	"export": func() (sdk.Family, error) {
		export.LimitMemory()
		return export.New()
	},
	"records": func() (sdk.Family, error) {
		records.TuneGC()
		return records.New()
	},
	"status": func() (sdk.Family, error) {
		status.TuneGC()
		return status.New()
	},
	"system": func() (sdk.Family, error) { return system.New() },
}

// Names returns the builtin families' names, sorted.
func Names() []string {
	out := make([]string, 0, len(Families))
	for n := range Families {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Serve runs the named builtin family as a plugin process. It returns only
// on error.
func Serve(name string) error {
	c, ok := Families[name]
	if !ok {
		return fmt.Errorf("no builtin family %q (have %v)", name, Names())
	}
	fam, err := c()
	if err != nil {
		return fmt.Errorf("builtin %s: %w", name, err)
	}
	plugin.Serve(fam)
	return nil
}
