package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"syscall"

	"github.com/hops-dev/hops/builtin"
	"github.com/hops-dev/hops/host/app"
	"github.com/hops-dev/hops/host/config"
)

// runMain is `hops run`.
func runMain(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	root := fs.String("root", "", "root directory (default: $ROOTPATH, else ~/hops)")
	host := fs.String("host", "", "interface of the operations API (operationsApi.network.host)")
	port := fs.Int("port", 0, "port of the operations API (operationsApi.network.port)")
	level := fs.String("log-level", "", "logging level (logging.level)")
	adminUser := fs.String("admin-user", "", "super user created at first start (default $HDB_ADMIN_USERNAME, else admin)")
	adminPass := fs.String("admin-password", "", "its password (default $HDB_ADMIN_PASSWORD, else generated and printed once)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	overrides := map[string]any{}
	if *root != "" {
		overrides["rootPath"] = *root
	}
	if *host != "" {
		overrides["operationsApi.network.host"] = *host
	}
	if *port != 0 {
		overrides["operationsApi.network.port"] = *port
	}
	if *level != "" {
		overrides["logging.level"] = *level
	}
	plan, err := app.Run(ctx, app.Options{
		Config:          config.Options{Flags: overrides},
		AdminUsername:   *adminUser,
		AdminPassword:   *adminPass,
		BuiltinFamilies: builtin.Names(),
		Version:         Version,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "hops:", err)
		return 1
	}
	if plan != nil {
		return reexec(plan)
	}
	return 0
}

// reexec replaces this process with a fresh image of the hops binary: the
// PID stays, and the listening sockets named in the plan's environment
// carry over.
func reexec(plan *app.Restart) int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "hops: restart:", err)
		return 1
	}
	err = syscall.Exec(exe, os.Args, plan.Env)
	fmt.Fprintln(os.Stderr, "hops: restart:", err)
	return 1
}
