package sysinfo

import (
	"errors"
	stdnet "net"
	"testing"

	"github.com/shirou/gopsutil/v4/net"
)

func TestToInterface(t *testing.T) {
	s := net.InterfaceStat{
		Index: 2, Name: "eth0", MTU: 1500, HardwareAddr: "02:00:00:00:00:01", Flags: []string{"up", "broadcast"},
		Addrs: net.InterfaceAddrList{{Addr: "fe80::1/64"}, {Addr: "10.0.0.5/24"}, {Addr: "10.0.0.6/24"}, {Addr: "2001:db8::5/64"}, {Addr: "bogus"}},
	}
	got := toInterface(s, 2)
	want := Interface{
		Iface: "eth0", IfaceName: "eth0", Default: true, IP4: "10.0.0.5", IP4Subnet: "255.255.255.0",
		IP6: "2001:db8::5", IP6Subnet: "ffff:ffff:ffff:ffff::", MAC: "02:00:00:00:00:01",
		Operstate: operUp, MTU: 1500,
	}
	if got != want {
		t.Fatalf("toInterface = %+v, want %+v", got, want)
	}
	lo := toInterface(net.InterfaceStat{Index: 1, Name: "lo", Flags: []string{"loopback"}}, 2)
	if !lo.Internal || lo.Default || lo.Operstate != operDown {
		t.Fatalf("loopback = %+v", lo)
	}
	if none := toInterface(s, 0); none.Default {
		t.Fatal("index 0 (no default route) marked an interface default")
	}
}

func TestDefaultRouteNamesARealInterface(t *testing.T) {
	idx, err := defaultRouteIndex()
	if errors.Is(err, errNoDefaultRoute) {
		t.Skip("this host has no default route")
	}
	if err != nil {
		t.Fatalf("defaultRouteIndex: %v", err)
	}
	if _, err := stdnet.InterfaceByIndex(idx); err != nil {
		t.Fatalf("default route index %d is no interface: %v", idx, err)
	}
}
