package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hops-dev/hops/host/config"
)

func newConfigCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "config",
		Short: "Work with the configuration",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return c.Help()
		},
	}
	var root string
	check := &cobra.Command{
		Use:   "check",
		Short: "Load the configuration as 'hops run' would and report its problems",
		Long: `Load the configuration 'hops run' would start with on a root (the config
file, the environment) and print every problem: a value hops would refuse
to start with, and a key no layer knows or hops does not act on (which
'hops run' logs at WARN). It writes nothing. The exit status is 1 when
there is any, so a deploy pipeline can gate on it.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			warnings, err := config.Check(root)
			out := c.OutOrStdout()
			for _, w := range warnings {
				fmt.Fprintln(out, "warning:", w.String())
			}
			problems := 0
			if err != nil {
				var le *config.LoadError
				if !errors.As(err, &le) {
					fmt.Fprintln(out, "error:", err.Error())
					problems = 1
				}
				if le != nil {
					for _, p := range le.Problems {
						fmt.Fprintln(out, "error:", p.String())
					}
					problems = len(le.Problems)
				}
			}
			if n := len(warnings) + problems; n > 0 {
				return &exitError{code: 1, msg: fmt.Sprintf("%d warning(s), %d error(s) in the configuration", len(warnings), problems)}
			}
			fmt.Fprintln(out, "no problems")
			return nil
		},
	}
	rootFlag(check, &root)
	c.AddCommand(check)
	return c
}
