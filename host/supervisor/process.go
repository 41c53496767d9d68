package supervisor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/hops-dev/hops/sdk"
	"github.com/hops-dev/hops/sdk/plugin"
)

// Timing constants for one process.
const (
	// startTimeout bounds the go-plugin handshake: a family that has not
	// printed its address by then is killed and counted as a failed start.
	startTimeout = 20 * time.Second
	// defaultShutdownGrace is how long a family gets to finish its
	// in-flight requests and its Shutdown call before its process is killed
	// (go-plugin's own kill grace is a fixed 2 s after that): long enough
	// for a family to close its databases, short enough that a stop or a
	// roll is never held up for long by a family that hangs.
	defaultShutdownGrace = 5 * time.Second
	// certTimeout bounds the wait for a process's TLS certificate once its
	// handshake line is read; it has written the certificate before that
	// line, so the wait ends at once unless the process misbehaves.
	certTimeout = 5 * time.Second
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
	// exited is closed when the process has exited (by markExited, once
	// go-plugin has seen the exit).
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
	mtls, err := plugin.NewHostTLS()
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	defer mtls.Close()
	cmd.Env = append(cmd.Env, mtls.Env...)
	cmd.ExtraFiles = []*os.File{mtls.ChildEnd}
	cfg := &goplugin.ClientConfig{
		HandshakeConfig:  plugin.Handshake,
		Plugins:          plugin.PluginSet(nil, host),
		Cmd:              cmd,
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		TLSConfig:        mtls.Config,
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
		// The child inherits the forking thread's timer slack; this
		// thread runs nothing else and ends with this goroutine.
		err := setTimerSlack(spec.TimerSlack)
		if err == nil {
			_, err = p.client.Start()
		}
		mtls.Started()
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

	fail := func(err error) (*process, error) {
		p.kill()
		return nil, err
	}
	if err := mtls.Trust(certTimeout); err != nil {
		return fail(fmt.Errorf("%s: %w", spec.Name, err))
	}
	proto, err := p.client.Client()
	if err != nil {
		return fail(fmt.Errorf("connect to %s: %w", spec.Name, err))
	}
	if p.fc, err = plugin.Dispense(proto); err != nil {
		return fail(fmt.Errorf("%s: %w", spec.Name, err))
	}
	go p.watchExit()
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

// watchExit waits for go-plugin's exit signal and records the exit.
func (p *process) watchExit() {
	select {
	case <-p.fc.Exited():
		p.markExited()
	case <-p.exited: // kill saw the exit first
	}
}

// markExited records that the process is gone, once: whoever sees it
// first (watchExit, or kill, whose go-plugin Kill returns only after the
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

// ping checks the process answers go-plugin's health check on its gRPC
// connection within timeout (go-plugin's own Ping has no deadline, and a
// hung process would hold the caller forever).
func (p *process) ping(timeout time.Duration) error {
	proto, err := p.client.Client()
	if err != nil {
		return err
	}
	gc, ok := proto.(*goplugin.GRPCClient)
	if !ok {
		return proto.Ping()
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	_, err = healthpb.NewHealthClient(gc.Conn).Check(ctx, &healthpb.HealthCheckRequest{Service: goplugin.GRPCServiceName})
	return err
}

// stop waits for the process's in-flight requests and asks the family to
// shut down, both within grace, then kills the process.
func (p *process) stop(log hclog.Logger, grace time.Duration) {
	if p.alive() {
		ctx, cancel := context.WithTimeout(context.Background(), grace)
		p.inflight.wait(ctx)
		if err := p.fc.Shutdown(ctx, time.Now().Add(grace)); err != nil {
			log.Warn("family shutdown failed; killing it", "error", err)
		} else {
			log.Info("family shut down", "pid", p.pid)
		}
		cancel()
	}
	p.kill()
}

// killHung kills a process that does not answer: SIGKILL first, since
// go-plugin's Kill begins with an RPC asking the process to stop, which a
// hung process never answers.
func (p *process) killHung() {
	if p.pid > 0 {
		_ = syscall.Kill(p.pid, syscall.SIGKILL)
	}
	p.kill()
}

// kill ends the process through go-plugin and returns once it is gone.
func (p *process) kill() {
	if p.client != nil {
		p.client.Kill()
		if p.client.Exited() {
			p.markExited()
		}
	}
	<-p.exited
}
