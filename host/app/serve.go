package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"

	"github.com/hops-dev/hops/host/server"
	"github.com/hops-dev/hops/host/tlscerts"
	"github.com/hops-dev/hops/sdk"
)

// maxCertListBytes bounds the list_certificates answer the TLS source
// reads: certificates are a few KiB each.
const maxCertListBytes = 16 << 20

// internalCaller is who the host acts as when it asks a family for
// something on its own behalf (the certificate list for HTTPS).
var internalCaller = sdk.Caller{Username: "hops-internal", Role: "super_user", SuperUser: true,
	Permissions: json.RawMessage(`{"super_user":true}`), Internal: true}

// endpoint is one address the operations API listens on.
type endpoint struct {
	addr   string
	secure bool
}

// endpoints lists the configured addresses: operationsApi.network.port
// (plain HTTP) and securePort (HTTPS), each when set.
func (in *instance) endpoints() []endpoint {
	host := in.cfg.String("operationsApi.network.host")
	var eps []endpoint
	if p := in.cfg.Int("operationsApi.network.port"); p > 0 {
		eps = append(eps, endpoint{addr: net.JoinHostPort(host, strconv.Itoa(p))})
	}
	if p := in.cfg.Int("operationsApi.network.securePort"); p > 0 {
		eps = append(eps, endpoint{addr: net.JoinHostPort(host, strconv.Itoa(p)), secure: true})
	}
	return eps
}

// serveAll starts srv on every endpoint, taking listeners from listen.
func (in *instance) serveAll(srv *server.Server, listen func(addr string) (net.Listener, error)) (map[string]net.Listener, error) {
	lns := map[string]net.Listener{}
	for _, ep := range in.endpoints() {
		ln, err := listen(ep.addr)
		if err != nil {
			for _, l := range lns {
				l.Close()
			}
			return nil, fmt.Errorf("listen on %s: %w", ep.addr, err)
		}
		lns[ep.addr] = ln
		if ep.secure {
			src, err := in.tlsSource()
			if err != nil {
				return nil, err
			}
			cfg := src.TLSConfig()
			go func() { in.serveErr(srv.ServeTLS(ln, cfg)) }()
			fmt.Fprintf(in.opts.Stdout, "hops: serving the operations API on https://%s\n", ln.Addr())
		} else {
			go func() { in.serveErr(srv.Serve(ln)) }()
			fmt.Fprintf(in.opts.Stdout, "hops: serving the operations API on http://%s (root %s)\n", ln.Addr(), in.cfg.RootPath())
		}
		in.log.Info("serving", "address", ln.Addr().String(), "tls", ep.secure)
	}
	if len(lns) == 0 {
		return nil, fmt.Errorf("neither operationsApi.network.port nor securePort is set: nothing to serve")
	}
	return lns, nil
}

func (in *instance) serveErr(err error) {
	if err != nil {
		in.log.Error("server stopped with an error", "error", err)
	}
}

// tlsSource returns the certificate source for HTTPS, built on first use:
// the operator's files when tls.certificate (or operationsApi.tls) names
// them, else it reads the certs family's list through the registry (as an internal
// super user) and the key files under rootPath, and picks up certificate
// changes on the next handshake.
func (in *instance) tlsSource() (*tlscerts.Source, error) {
	in.tlsMu.Lock()
	defer in.tlsMu.Unlock()
	if in.tls != nil {
		return in.tls, nil
	}
	opts := tlscerts.Options{
		RootPath: in.cfg.RootPath(),
		Hostname: in.hostname(),
		List:     in.listCertificates,
		Logger:   in.log.Named("tls"),
	}
	if cert, key, ca := in.cfg.TLSFiles(); cert != "" {
		opts.Files = &tlscerts.Files{Certificate: cert, PrivateKey: key, CertificateAuthority: ca}
	}
	src, err := tlscerts.New(opts)
	if err != nil {
		return nil, fmt.Errorf("https: %w", err)
	}
	if err := src.Refresh(context.Background()); err != nil {
		in.log.Warn("no certificate to serve HTTPS with yet", "error", err)
	}
	in.tls = src
	return src, nil
}

func (in *instance) listCertificates(ctx context.Context) ([]byte, error) {
	reply, err := in.router.Do(ctx, internalCaller, []byte(`{"operation":"list_certificates"}`))
	if err != nil {
		return nil, err
	}
	defer reply.Body.Close()
	if err := reply.Err(); err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(reply.Body, maxCertListBytes))
}

// hostname is the node's name for its certificate: families.certs.hostname,
// else the machine's host name (the certs family applies the same rule).
func (in *instance) hostname() string {
	if h := in.cfg.String("families.certs.hostname"); h != "" {
		return h
	}
	h, _ := os.Hostname()
	return h
}
