package plugin

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/hops-dev/hops/sdk"
	pb "github.com/hops-dev/hops/sdk/internal/proto"
)

// APIVersion is the version of the family contract this package speaks.
// go-plugin's handshake (ProtocolVersion) refuses a family built against
// another version, and the host checks what Describe says too. Version 2:
// Handle streams carry one request after another (a header with the first
// chunk, an end mark on the last), where version 1 carried one request
// per stream; a version-1 plugin cannot talk to this host.
const APIVersion = 2

// pluginName is the name a family is dispensed under from a go-plugin
// client.
const pluginName = "family"

// Handshake is the go-plugin handshake every hops family uses. The cookie
// only stops a family binary from being run by hand by mistake; it is not
// a security measure (mutual TLS, tls.go, and checksums are).
var Handshake = goplugin.HandshakeConfig{
	ProtocolVersion:  APIVersion,
	MagicCookieKey:   "HOPS_PLUGIN_MAGIC_COOKIE",
	MagicCookieValue: "9b1d3c5e-hops-family",
}

// grpcPlugin is the go-plugin glue for a family: impl is served in the
// family's process; host serves the family's calls back, in the host's.
type grpcPlugin struct {
	goplugin.NetRPCUnsupportedPlugin
	impl sdk.Family
	host sdk.Host
	log  hclog.Logger
}

// GRPCServer registers the Family service (the family's process).
func (p *grpcPlugin) GRPCServer(broker *goplugin.GRPCBroker, s *grpc.Server) error {
	if p.impl == nil {
		return errors.New("no family to serve")
	}
	srv, err := newFamilyServer(p.impl, broker, p.log)
	if err != nil {
		return err
	}
	pb.RegisterFamilyServer(s, srv)
	return nil
}

// GRPCClient returns a *FamilyClient (the host's process) and starts the
// Host service on the broker, passing its id to the family in Configure.
// go-plugin cancels ctx when the plugin's process has exited; the
// FamilyClient's Exited reports it.
func (p *grpcPlugin) GRPCClient(ctx context.Context, broker *goplugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	fc := newFamilyClient(pb.NewFamilyClient(conn), ctx.Done())
	if p.host != nil {
		fc.brokerID = broker.NextId()
		go broker.AcceptAndServe(fc.brokerID, func(opts []grpc.ServerOption) *grpc.Server {
			s := grpc.NewServer(append(opts, grpcServerOptions()...)...)
			pb.RegisterHostServer(s, &hostServer{impl: p.host})
			return s
		})
	}
	return fc, nil
}

// PluginSet returns the go-plugin plugin map of a family. The host passes
// its sdk.Host (the family's calls back into it are served with it) and a
// nil family; Serve passes the family. A test serving a family in-process
// (go-plugin's TestPluginGRPCConn) passes both.
func PluginSet(fam sdk.Family, host sdk.Host) goplugin.PluginSet {
	return goplugin.PluginSet{pluginName: &grpcPlugin{impl: fam, host: host}}
}

// Dispense returns the FamilyClient of a started go-plugin client.
func Dispense(c goplugin.ClientProtocol) (*FamilyClient, error) {
	raw, err := c.Dispense(pluginName)
	if err != nil {
		return nil, fmt.Errorf("dispense family: %w", err)
	}
	fc, ok := raw.(*FamilyClient)
	if !ok {
		return nil, fmt.Errorf("dispense family: got %T", raw)
	}
	return fc, nil
}
