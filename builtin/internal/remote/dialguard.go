package remote

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// ErrNotPublic refuses a connection to an address that is not public
// (loopback, private, link-local, unspecified, multicast or reserved).
var ErrNotPublic = errors.New("the address is not public")

// nonPublic are the IPv4 and IPv6 ranges a guarded dial refuses besides
// what netip's predicates cover: "this network", carrier-grade NAT, IETF
// protocol assignments, benchmarking, reserved and broadcast, and the IPv6
// ranges that embed or translate an IPv4 address (NAT64, 6to4, Teredo),
// whose embedded address could be private.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2002::/16"),
	netip.MustParsePrefix("2001::/32"),
	netip.MustParsePrefix("100::/64"),
}

// IsPublic reports whether ip is an address a user's fetch may reach.
func IsPublic(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// publicOnly is a net.Dialer Control hook: it runs with the address the
// socket is about to connect to, after name resolution, so a name that
// resolves to a private address (at any time, DNS rebinding included)
// cannot be reached.
func publicOnly(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("dial %s: %w", address, ErrNotPublic)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !IsPublic(ip) {
		return fmt.Errorf("dial %s: %w", address, ErrNotPublic)
	}
	return nil
}

// DialTimeout bounds one connection attempt of a guarded dial.
const DialTimeout = 10 * time.Second

// Dialer returns a DialContext that connects anywhere for a host:port in
// allowed, and only to public addresses otherwise (checked on the
// resolved address at connect time).
func Dialer(allowed EndpointSet) func(ctx context.Context, network, addr string) (net.Conn, error) {
	open := &net.Dialer{Timeout: DialTimeout}
	guarded := &net.Dialer{Timeout: DialTimeout, Control: publicOnly}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if allowed.AllowsHostPort(addr) {
			return open.DialContext(ctx, network, addr)
		}
		return guarded.DialContext(ctx, network, addr)
	}
}

// CheckHost resolves host and returns ErrNotPublic (wrapped) when any of
// its addresses is not public: the early check of a request, before a
// job starts; the dial guard checks again at connect time.
func CheckHost(ctx context.Context, host string) error {
	if ip, err := netip.ParseAddr(host); err == nil {
		if !IsPublic(ip) {
			return fmt.Errorf("%s: %w", host, ErrNotPublic)
		}
		return nil
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", host, err)
	}
	for _, a := range addrs {
		if !IsPublic(a) {
			return fmt.Errorf("%s: %w", host, ErrNotPublic)
		}
	}
	return nil
}

// OpenDialer returns a DialContext with DialTimeout and no guard: a super
// user's fetch.
func OpenDialer() func(ctx context.Context, network, addr string) (net.Conn, error) {
	return (&net.Dialer{Timeout: DialTimeout}).DialContext
}
