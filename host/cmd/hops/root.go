package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes beyond 0 (success) and 1 (failure).
const (
	// exitUsage is a command line that cannot be understood.
	exitUsage = 2
	// exitNotRunning is `hops status` finding no instance: the LSB init
	// script convention ("program is not running").
	exitNotRunning = 3
)

// exitError ends a command with a code; msg, when set, goes to stderr.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// execute runs the command line (without the program name) and returns
// the process's exit code.
func execute(args []string) int {
	args, keys, err := splitKeyFlags(args)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hops:", err)
		return exitUsage
	}
	root := newRootCmd(keys)
	root.SetArgs(args)
	err = root.Execute()
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(os.Stderr, "hops:", ee.msg)
		}
		return ee.code
	}
	fmt.Fprintln(os.Stderr, "hops:", err)
	if strings.HasPrefix(err.Error(), "unknown command") || strings.Contains(err.Error(), "arg(s)") {
		fmt.Fprintln(os.Stderr, "Run 'hops --help' for usage.")
		return exitUsage
	}
	return 1
}

// newRootCmd builds the command tree. keys are the `--KEY value` config
// flags taken out of the command line before cobra parsed it (see
// splitKeyFlags); run, start and restart hand them to the config.
func newRootCmd(keys map[string]any) *cobra.Command {
	root := &cobra.Command{
		Use:   "hops",
		Short: "hops serves the HarperDB operations API through plugin families",
		Long: `hops serves the HarperDB operations API: a client POSTs {"operation": ...}
to / and each operation family runs as its own plugin process.

Run it in the foreground with 'hops run' (under systemd or a container), or
in the background with 'hops start', 'hops status' and 'hops stop'. Send an
operation with 'hops op OPERATION key=value ...'.

Any config key can be given on run, start and restart as HarperDB names it,
upper case: --OPERATIONSAPI_NETWORK_PORT 9950 --LOGGING_LEVEL debug.
Flags beat the environment, which beats the config file.`,
		Version:       versionLine(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(os.Stdout)
	root.SetErr(os.Stderr)
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{code: exitUsage, msg: err.Error() + "\nRun '" + c.CommandPath() + " --help' for usage."}
	})
	root.AddCommand(
		newRunCmd(keys),
		newStartCmd(keys),
		newStopCmd(),
		newRestartCmd(keys),
		newStatusCmd(),
		newOpCmd(),
		newConfigCmd(),
		newVersionCmd(),
	)
	return root
}
