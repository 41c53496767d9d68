package sysinfo

import (
	"context"
	"errors"
	stdnet "net"
	"slices"
	"time"

	"github.com/shirou/gopsutil/v4/net"
)

// Interface states as HarperDB reports them.
const (
	operUp      = "up"
	operDown    = "down"
	operUnknown = "unknown"
)

// errNoDefaultRoute means the host has no default route (or it cannot be
// read on this platform); default_interface is then null.
var errNoDefaultRoute = errors.New("sysinfo: no default route")

// staticNet is the interface list, read once.
type staticNet struct {
	list        []Interface
	operstate   map[string]string
	defaultName *string
}

// netDynamic is what the network section caches for the TTL.
type netDynamic struct {
	stats       []NetStats
	connections int
}

// netSample is the last counters reading, kept to compute rates.
type netSample struct {
	at     time.Time
	rx, tx map[string]uint64
}

// networkSection returns the interfaces, their counters and the host
// process's connection count.
func (c *Collector) networkSection(ctx context.Context, st *callState, in Inputs) *Network {
	sn := c.staticNetwork(ctx)
	dyn := c.net.get(st.now, c.ttl, func() netDynamic { return c.readNet(ctx, st.now, in.HostPID, sn) })
	return &Network{
		DefaultInterface: sn.defaultName,
		Interfaces:       sn.list,
		Stats:            dyn.stats,
		Connections:      dyn.connections,
	}
}

// staticNetwork reads the interface list and default route once; a failed
// read is not cached, so the next call tries again.
func (c *Collector) staticNetwork(ctx context.Context) *staticNet {
	if c.ifaces != nil {
		return c.ifaces
	}
	sn := &staticNet{list: []Interface{}, operstate: map[string]string{}}
	list, err := c.src.interfaces(ctx)
	defaultIdx, routeErr := c.src.defaultRoute()
	if routeErr != nil {
		defaultIdx = 0
	}
	for _, s := range list {
		it := toInterface(s, defaultIdx)
		sn.list = append(sn.list, it)
		sn.operstate[it.Iface] = it.Operstate
		if it.Default {
			name := it.Iface
			sn.defaultName = &name
		}
	}
	if err == nil {
		c.ifaces = sn
	}
	return sn
}

// toInterface converts gopsutil's interface to HarperDB's shape, keeping
// the first IPv4 address and the first IPv6 one, preferring a global IPv6
// over a link-local one.
func toInterface(s net.InterfaceStat, defaultIdx int) Interface {
	it := Interface{
		Iface: s.Name, IfaceName: s.Name, MAC: s.HardwareAddr, MTU: s.MTU,
		Internal:  slices.Contains(s.Flags, "loopback"),
		Default:   defaultIdx > 0 && s.Index == defaultIdx,
		Operstate: operDown,
	}
	if slices.Contains(s.Flags, "up") {
		it.Operstate = operUp
	}
	for _, a := range s.Addrs {
		ip, ipnet, err := stdnet.ParseCIDR(a.Addr)
		if err != nil {
			continue
		}
		mask := stdnet.IP(ipnet.Mask).String()
		switch {
		case ip.To4() != nil:
			if it.IP4 == "" {
				it.IP4, it.IP4Subnet = ip.String(), mask
			}
		case it.IP6 == "" || (isLinkLocal(it.IP6) && !ip.IsLinkLocalUnicast()):
			it.IP6, it.IP6Subnet = ip.String(), mask
		}
	}
	return it
}

// isLinkLocal reports whether the textual IP is link-local unicast.
func isLinkLocal(ip string) bool {
	parsed := stdnet.ParseIP(ip)
	return parsed != nil && parsed.IsLinkLocalUnicast()
}

// readNet reads per-interface counters and the connection count.
func (c *Collector) readNet(ctx context.Context, now time.Time, pid int, sn *staticNet) netDynamic {
	out := netDynamic{stats: []NetStats{}}
	counters, _ := c.src.netIO(ctx)
	cur := &netSample{at: now, rx: map[string]uint64{}, tx: map[string]uint64{}}
	prev := c.netPrev
	for _, s := range counters {
		ns := NetStats{
			Iface: s.Name, Operstate: sn.operstate[s.Name],
			RxBytes: s.BytesRecv, RxDropped: s.Dropin, RxErrors: s.Errin,
			TxBytes: s.BytesSent, TxDropped: s.Dropout, TxErrors: s.Errout,
		}
		if ns.Operstate == "" {
			ns.Operstate = operUnknown
		}
		cur.rx[s.Name], cur.tx[s.Name] = s.BytesRecv, s.BytesSent
		if prev != nil {
			rx, seenRx := prev.rx[s.Name]
			tx, seenTx := prev.tx[s.Name]
			if secs := now.Sub(prev.at).Seconds(); secs > 0 && seenRx && seenTx {
				ns.RxSec, ns.TxSec = rate(rx, s.BytesRecv, secs), rate(tx, s.BytesSent, secs)
				ns.MS = secs * msPerSecond
			}
		}
		out.stats = append(out.stats, ns)
	}
	c.netPrev = cur
	if n, err := c.src.connections(ctx, int32(pid)); err == nil {
		out.connections = n
	}
	return out
}
