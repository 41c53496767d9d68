package plugin

import (
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/hops-dev/hops/sdk"
)

// EnvLogLevel names the environment variable through which the host tells
// a family's process its initial log level (Configure may change it).
const EnvLogLevel = "HOPS_LOG_LEVEL"

// parentPollInterval is how often a family checks that the host that
// started it is still its parent. The host also sets a parent-death signal
// on Linux; this watchdog covers the cases it misses (the signal follows
// the thread that forked, and other platforms have none).
const parentPollInterval = 500 * time.Millisecond

// Serve runs fam as a family's process and never returns while the host
// is alive. Call it from a plugin's main:
//
//	func main() { plugin.Serve(&myFamily{}) }
//
// Nothing may be printed to stdout (go-plugin's handshake uses it): log
// through the logger Configure hands over, which writes JSON lines to
// stderr for the host to re-log under the family's name.
func Serve(fam sdk.Family) {
	log := hclog.New(&hclog.LoggerOptions{
		Name:       fam.Info().Name,
		Level:      hclog.LevelFromString(os.Getenv(EnvLogLevel)),
		Output:     os.Stderr,
		JSONFormat: true,
	})
	go watchParent(os.Getppid(), log)
	go leaveStopSignalsToHost(log)
	goplugin.Serve(&goplugin.ServeConfig{
		HandshakeConfig: Handshake,
		Plugins:         goplugin.PluginSet{pluginName: &grpcPlugin{impl: fam, log: log}},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			return grpc.NewServer(append(opts, grpcServerOptions()...)...)
		},
		Logger:      log,
		TLSProvider: familyTLS,
	})
}

// leaveStopSignalsToHost keeps the process serving through SIGTERM and
// SIGINT. A service manager (systemd's default KillMode) and a terminal's
// Ctrl-C signal the whole process group, host and families at once; a
// family that died then would fail its jobs without its Shutdown and be
// restarted by a host that is stopping. The host's shutdown asks each
// family to stop instead, and the parent watchdog and the parent-death
// signal end a family whose host is gone. A handler, unlike ignoring the
// signals, is not inherited by the processes a family executes.
func leaveStopSignalsToHost(log hclog.Logger) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM, os.Interrupt)
	for sig := range ch {
		log.Debug("stop signal left to the host, which shuts this family down", "signal", sig.String())
	}
}

// watchParent exits the process when the parent that started it is gone
// (the process is then re-parented, so its parent id changes).
func watchParent(ppid int, log hclog.Logger) {
	if ppid <= 1 {
		return
	}
	for range time.Tick(parentPollInterval) {
		if os.Getppid() != ppid {
			log.Warn("host process is gone; exiting", "old_parent", ppid)
			os.Exit(2)
		}
	}
}
