package sdk

import (
	"context"
	"fmt"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	pb "github.com/hops-dev/hops/sdk/proto"
)

// PluginName is the name a family is dispensed under from a go-plugin
// client.
const PluginName = "family"

// Handshake is the go-plugin handshake every hops family uses. The cookie
// only stops a family binary from being run by hand by mistake; it is not
// a security measure (AutoMTLS and checksums are).
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  APIVersion,
	MagicCookieKey:   "HOPS_PLUGIN_MAGIC_COOKIE",
	MagicCookieValue: "9b1d3c5e-hops-family",
}

// Plugin is the go-plugin glue for a family. On the plugin side set Impl;
// on the host side set Host (the service families call back into).
type Plugin struct {
	plugin.NetRPCUnsupportedPlugin
	// Impl is the family served (plugin side).
	Impl Family
	// Host serves the family's calls back into the host (host side).
	Host HostService
	// Logger is the plugin side's logger.
	Logger hclog.Logger
}

// GRPCServer registers the Family service (plugin side).
func (p *Plugin) GRPCServer(broker *plugin.GRPCBroker, s *grpc.Server) error {
	srv, err := newFamilyServer(p.Impl, broker, p.Logger)
	if err != nil {
		return err
	}
	pb.RegisterFamilyServer(s, srv)
	return nil
}

// GRPCClient returns a *FamilyClient (host side) and starts the Host
// service on the broker, passing its id to the family in Configure.
func (p *Plugin) GRPCClient(_ context.Context, broker *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	fc := newFamilyClient(pb.NewFamilyClient(conn))
	if p.Host != nil {
		fc.brokerID = broker.NextId()
		go broker.AcceptAndServe(fc.brokerID, func(opts []grpc.ServerOption) *grpc.Server {
			s := grpc.NewServer(append(opts, grpcServerOptions()...)...)
			pb.RegisterHostServer(s, &hostServer{impl: p.Host})
			return s
		})
	}
	return fc, nil
}

// PluginSet returns the go-plugin plugin map for the host side.
func PluginSet(host HostService) map[string]plugin.Plugin {
	return map[string]plugin.Plugin{PluginName: &Plugin{Host: host}}
}

// Dispense returns the FamilyClient of a started go-plugin client.
func Dispense(c plugin.ClientProtocol) (*FamilyClient, error) {
	raw, err := c.Dispense(PluginName)
	if err != nil {
		return nil, fmt.Errorf("dispense family: %w", err)
	}
	fc, ok := raw.(*FamilyClient)
	if !ok {
		return nil, fmt.Errorf("dispense family: got %T", raw)
	}
	return fc, nil
}
