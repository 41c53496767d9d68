package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/coreos/go-systemd/v22/daemon"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hops-dev/hops/builtin"
	"github.com/hops-dev/hops/host/app"
	"github.com/hops-dev/hops/host/config"
)

// runFlags are the flags of run, start and restart.
type runFlags struct {
	root, host, level    string
	port                 int
	adminUser, adminPass string
	adminPassFile        string
	// keys are the `--KEY value` config flags, by dotted path.
	keys map[string]any
}

func (f *runFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.root, "root", "", "root directory (default $ROOTPATH, else ~/hops)")
	fs.StringVar(&f.host, "host", "", "interface of the operations API (operationsApi.network.host)")
	fs.IntVar(&f.port, "port", 0, "port of the operations API (operationsApi.network.port)")
	fs.StringVar(&f.level, "log-level", "", "logging level (logging.level)")
	fs.StringVar(&f.adminUser, "admin-user", "", "super user created at first start (default $HDB_ADMIN_USERNAME, else admin)")
	fs.StringVar(&f.adminPass, "admin-password", "", "its password (visible to local users in the process list: prefer --admin-password-file or $HDB_ADMIN_PASSWORD; else generated and printed once)")
	fs.StringVar(&f.adminPassFile, "admin-password-file", "", "file holding that password (default $HDB_ADMIN_PASSWORD_FILE)")
}

// overrides is the config's flag layer: the named flags, then the
// `--KEY value` flags.
func (f *runFlags) overrides() map[string]any {
	o := map[string]any{}
	for path, v := range f.keys {
		o[path] = v
	}
	if f.root != "" {
		o["rootPath"] = f.root
	}
	if f.host != "" {
		o["operationsApi.network.host"] = f.host
	}
	if f.port != 0 {
		o["operationsApi.network.port"] = f.port
	}
	if f.level != "" {
		o["logging.level"] = f.level
	}
	return o
}

// args renders the flags back into a `hops run` command line (for the
// background process `hops start` runs).
func (f *runFlags) args() []string {
	var out []string
	add := func(name, v string) {
		if v != "" {
			out = append(out, "--"+name+"="+v)
		}
	}
	add("root", f.root)
	add("host", f.host)
	if f.port != 0 {
		add("port", strconv.Itoa(f.port))
	}
	add("log-level", f.level)
	add("admin-user", f.adminUser)
	add("admin-password-file", f.adminPassFile)
	// --admin-password is not rendered: the background process gets it
	// in its environment (secretEnv), never on its command line.
	for path, v := range f.keys {
		add(strings.ToUpper(strings.ReplaceAll(path, ".", "_")), fmt.Sprint(v))
	}
	return out
}

// secretEnv is the environment that hands the background process the
// flags args leaves out.
func (f *runFlags) secretEnv() []string {
	if f.adminPass == "" {
		return nil
	}
	return []string{app.EnvAdminPassword + "=" + f.adminPass}
}

// loadConfig loads the configuration the flags select, as `hops run`
// would.
func (f *runFlags) loadConfig() (*config.Config, error) {
	return config.New(config.Options{Flags: f.overrides()})
}

const runLong = `Run hops in the foreground until SIGTERM or SIGINT: the mode for systemd
(configs/systemd/hops.service), containers and development.

At first start hops creates the root directory, writes hops-config.yaml
there and creates the super user. One instance runs per root: hops holds
a lock on <root>/hops.pid (and writes its PID there), and a second hops on
the same root exits at once naming the running one.

SIGTERM or SIGINT, to hops alone or to its whole process group, stops it
cleanly: requests in flight finish, every family shuts down (jobs still
running end ERROR saying so), exit status 0. Under a service manager that
speaks sd_notify ($NOTIFY_SOCKET) hops reports READY=1 once it serves,
STOPPING=1 as it stops, and RELOADING=1 for the in-place restart of the
restart operation.`

func newRunCmd(keys map[string]any) *cobra.Command {
	f := &runFlags{keys: keys}
	c := &cobra.Command{
		Use:   "run [flags] [--CONFIG_KEY value ...]",
		Short: "Run hops in the foreground",
		Long:  runLong,
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return runHops(ctx, f)
		},
	}
	f.register(c.Flags())
	return c
}

// runHops is `hops run`: lock the root, serve until ctx ends, and re-exec
// in place when the restart operation asks for it.
func runHops(ctx context.Context, f *runFlags) error {
	raiseTimerSlack()
	cfg, err := f.loadConfig()
	if err != nil {
		return err
	}
	lock, err := lockPIDFile(cfg.RootPath())
	if err != nil {
		var running *errRunning
		if errors.As(err, &running) {
			return &exitError{code: 1, msg: err.Error()}
		}
		return err
	}
	plan, err := app.Run(ctx, app.Options{
		Config:            config.Options{Flags: f.overrides()},
		Loaded:            cfg,
		AdminUsername:     f.adminUser,
		AdminPassword:     f.adminPass,
		AdminPasswordFile: f.adminPassFile,
		BuiltinFamilies:   builtin.Names(),
		Version:           Version,
		Ready: func() {
			notify(daemon.SdNotifyReady + "\nSTATUS=serving the operations API on " + strings.Join(serviceURLs(cfg), " "))
		},
		Stopping: func(restart bool) {
			if restart {
				notifyReloading()
			} else {
				notify(daemon.SdNotifyStopping)
			}
		},
	})
	if err != nil {
		lock.release()
		return err
	}
	if !reexecAfter(ctx, plan) {
		lock.release()
		return nil
	}
	return reexec(plan, lock)
}

// reexecAfter reports whether Run's answer asks for a re-exec: a restart
// plan, unless SIGTERM or SIGINT arrived while the restart was draining.
// That signal was taken by this image's handler, so re-executing would
// lose it and leave hops running after its manager asked it to stop.
func reexecAfter(ctx context.Context, plan *app.Restart) bool {
	return plan != nil && ctx.Err() == nil
}

// reexec replaces this process with a fresh image of the hops binary: the
// PID stays, and the listening sockets named in the plan's environment
// and the pid file's lock carry over.
func reexec(plan *app.Restart, lock *pidLock) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	env := plan.Env
	if kv, err := lock.handOver(); err != nil {
		return fmt.Errorf("restart: %w", err)
	} else {
		env = append(env, kv)
	}
	err = syscall.Exec(exe, os.Args, env)
	return fmt.Errorf("restart: %w", err)
}

// serviceURLs are the operations API's URLs the config names.
func serviceURLs(cfg *config.Config) []string {
	host := cfg.String("operationsApi.network.host")
	dial := host
	if dial == "" || dial == "0.0.0.0" || dial == "::" {
		dial = "127.0.0.1"
	}
	var out []string
	if p := cfg.Int("operationsApi.network.port"); p > 0 {
		out = append(out, "http://"+net.JoinHostPort(dial, strconv.Itoa(p))+"/")
	}
	if p := cfg.Int("operationsApi.network.securePort"); p > 0 {
		out = append(out, "https://"+net.JoinHostPort(dial, strconv.Itoa(p))+"/")
	}
	return out
}
