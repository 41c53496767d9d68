package supervisor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os/exec"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"

	"github.com/hops-dev/hops/sdk"
	"github.com/hops-dev/hops/sdk/plugin"
)

// Timing constants for one process.
const (
	// startTimeout bounds the go-plugin handshake: a family that has not
	// printed its address by then is killed and counted as a failed start.
	startTimeout = 20 * time.Second
	// exitPollInterval is how often a process is checked for having
	// exited. go-plugin offers no exit callback, and a check is one mutex
	// read, so polling this often costs nothing and bounds the time a dead
	// family's calls wait before answering 503.
	exitPollInterval = 20 * time.Millisecond
	// shutdownGrace is how long a family gets to finish its Shutdown call
	// before its process is killed (go-plugin's own kill grace is a fixed
	// 2 s after that).
	shutdownGrace = 5 * time.Second
)

// process is one running plugin process of a family.
type process struct {
	client  *goplugin.Client
	fc      *plugin.FamilyClient
	desc    *plugin.Description
	pid     int
	started time.Time
	// release lets the goroutine that started the process (locked to its
	// OS thread for Pdeathsig) end; it must stay parked until the process
	// is gone, or the kernel kills the child with the thread.
	release chan struct{}
	// exited is closed when the process has exited (by markExited).
	exited     chan struct{}
	exitedOnce sync.Once
	// inflight counts requests being forwarded to this process.
	inflight inflight
}

// startProcess starts one process of spec and returns it described but
// not yet configured.
func startProcess(ctx context.Context, spec Spec, host sdk.Host, log hclog.Logger) (*process, error) {
	cmd, err := spec.command()
	if err != nil {
		return nil, err
	}
	cfg := &goplugin.ClientConfig{
		HandshakeConfig:  plugin.Handshake,
		Plugins:          plugin.PluginSet(nil, host),
		Cmd:              cmd,
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		AutoMTLS:         true,
		SkipHostEnv:      true,
		Logger:           log,
		StartTimeout:     startTimeout,
		GRPCDialOptions:  plugin.GRPCDialOptions(),
	}
	if spec.SHA256 != "" {
		sum, err := hex.DecodeString(spec.SHA256)
		if err != nil || len(sum) != sha256.Size {
			return nil, fmt.Errorf("plugin %s: sha256 %q is not a hex SHA-256", spec.Name, spec.SHA256)
		}
		cfg.SecureConfig = &goplugin.SecureConfig{Checksum: sum, Hash: sha256.New()}
	}

	p := &process{release: make(chan struct{}), exited: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		// Pdeathsig follows the forking thread: keep this goroutine on its
		// thread, and the thread alive, for as long as the child lives.
		runtime.LockOSThread()
		p.client = goplugin.NewClient(cfg)
		_, err := p.client.Start()
		started <- err
		if err != nil {
			return
		}
		<-p.release
	}()
	if err := <-started; err != nil {
		if p.client != nil {
			p.client.Kill()
		}
		if err == goplugin.ErrChecksumsDoNotMatch {
			return nil, fmt.Errorf("plugin %s: checksum of %s does not match the configured sha256; not starting it: %w", spec.Name, spec.Path, err)
		}
		return nil, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	p.started = time.Now()
	if cmd.Process != nil {
		p.pid = cmd.Process.Pid
	}
	go p.watchExit()

	fail := func(err error) (*process, error) {
		p.kill()
		return nil, err
	}
	proto, err := p.client.Client()
	if err != nil {
		return fail(fmt.Errorf("connect to %s: %w", spec.Name, err))
	}
	if p.fc, err = plugin.Dispense(proto); err != nil {
		return fail(fmt.Errorf("%s: %w", spec.Name, err))
	}
	if p.desc, err = p.fc.Describe(ctx); err != nil {
		return fail(fmt.Errorf("%s: %w", spec.Name, err))
	}
	if p.desc.APIVersion != plugin.APIVersion {
		return fail(fmt.Errorf("%s speaks family API version %d, this host speaks %d", spec.Name, p.desc.APIVersion, plugin.APIVersion))
	}
	return p, nil
}

// command builds the exec.Cmd for a spec with the parent-death signal set.
func (s Spec) command() (*exec.Cmd, error) {
	if s.Path == "" {
		return nil, fmt.Errorf("plugin %s: no path", s.Name)
	}
	cmd := exec.Command(s.Path, s.Args...)
	cmd.Env = append([]string(nil), s.Env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return cmd, nil
}

func (p *process) watchExit() {
	t := time.NewTicker(exitPollInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if p.client.Exited() {
				p.markExited()
				return
			}
		case <-p.exited: // kill saw the exit first
			return
		}
	}
}

// markExited records that the process is gone, once: whoever sees it
// first (the poll, or kill, whose go-plugin Kill returns only after the
// process has exited) closes exited and lets the starting thread go.
func (p *process) markExited() {
	p.exitedOnce.Do(func() {
		close(p.exited)
		close(p.release)
	})
}

// alive reports whether the process has not exited.
func (p *process) alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// ping checks the process answers on its gRPC connection.
func (p *process) ping() error {
	proto, err := p.client.Client()
	if err != nil {
		return err
	}
	return proto.Ping()
}

// stop asks the family to shut down, waits for its in-flight requests (up
// to the grace period), then kills the process.
func (p *process) stop(log hclog.Logger) {
	if p.alive() {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		p.inflight.wait(ctx)
		if err := p.fc.Shutdown(ctx, time.Now().Add(shutdownGrace)); err != nil {
			log.Warn("family shutdown failed; killing it", "error", err)
		} else {
			log.Info("family shut down", "pid", p.pid)
		}
		cancel()
	}
	p.kill()
}

func (p *process) kill() {
	if p.client != nil {
		p.client.Kill()
		if p.client.Exited() {
			p.markExited()
		}
	}
	<-p.exited
}
