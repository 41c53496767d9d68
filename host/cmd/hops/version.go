package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Commit is the commit the binary was built from, set at build time with
// -ldflags "-X main.Commit=..." (the Makefile does) for builds without the
// toolchain's VCS stamp (-buildvcs=false, a tree outside git). The stamp
// wins when there is one.
var Commit = ""

// buildInfo is what `hops version` reports, from the version set at link
// time and the build information the Go toolchain embeds.
type buildInfo struct {
	version, commit, commitTime, goVersion, platform string
	modified                                         bool
}

func readBuildInfo() buildInfo {
	b := buildInfo{version: Version, commit: firstSet(Commit, "unknown"), goVersion: runtime.Version(),
		platform: runtime.GOOS + "/" + runtime.GOARCH}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	b.goVersion = info.GoVersion
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.commit = s.Value
		case "vcs.time":
			b.commitTime = s.Value
		case "vcs.modified":
			b.modified = s.Value == "true"
		}
	}
	return b
}

// versionLine is the one-line form, for `hops --version`.
func versionLine() string {
	b := readBuildInfo()
	commit := b.commit
	if b.modified {
		commit += "+modified"
	}
	return fmt.Sprintf("hops %s (commit %s, %s, %s)", b.version, commit, b.goVersion, b.platform)
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and Go version of this binary",
		Long: `Print the hops version (set at build time), the commit it was built from
and whether the tree had uncommitted changes (from the build information
the Go toolchain embeds), and the Go version.`,
		Args: cobra.NoArgs,
		Run: func(c *cobra.Command, _ []string) {
			b := readBuildInfo()
			out := c.OutOrStdout()
			fmt.Fprintf(out, "hops %s\n", b.version)
			commit := b.commit
			if b.modified {
				commit += " (modified)"
			}
			fmt.Fprintf(out, "commit:   %s\n", commit)
			if b.commitTime != "" {
				fmt.Fprintf(out, "date:     %s\n", b.commitTime)
			}
			fmt.Fprintf(out, "go:       %s %s\n", b.goVersion, b.platform)
		},
	}
}
