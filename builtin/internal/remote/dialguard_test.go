package remote

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
)

func TestIsPublic(t *testing.T) {
	for addr, want := range map[string]bool{
		"8.8.8.8": true, "2606:4700:4700::1111": true, "93.184.216.34": true,
		"127.0.0.1": false, "::1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false,
		"169.254.169.254": false, "fe80::1": false, "0.0.0.0": false, "::": false, "100.64.0.1": false,
		"fc00::1": false, "::ffff:127.0.0.1": false, "::ffff:10.0.0.1": false, "224.0.0.1": false,
		"255.255.255.255": false, "64:ff9b::7f00:1": false, "2002:7f00:1::": false,
	} {
		if got := IsPublic(netip.MustParseAddr(addr)); got != want {
			t.Errorf("IsPublic(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestDialerRefusesPrivateUnlessAllowed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	addr := ln.Addr().String()
	ctx := context.Background()
	if _, err := Dialer(nil)(ctx, "tcp", addr); !errors.Is(err, ErrNotPublic) {
		t.Errorf("guarded dial of %s: %v, want ErrNotPublic", addr, err)
	}
	// A name that resolves to loopback is refused on the resolved address.
	_, port, _ := net.SplitHostPort(addr)
	if _, err := Dialer(nil)(ctx, "tcp", net.JoinHostPort("localhost", port)); !errors.Is(err, ErrNotPublic) {
		t.Errorf("guarded dial of localhost: %v, want ErrNotPublic", err)
	}
	allowed, err := NewEndpointSet("http://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Dialer(allowed)(ctx, "tcp", addr)
	if err != nil {
		t.Fatalf("allowed dial: %v", err)
	}
	c.Close()
	if err := CheckHost(ctx, "localhost"); !errors.Is(err, ErrNotPublic) {
		t.Errorf("CheckHost(localhost) = %v", err)
	}
	if err := CheckHost(ctx, "8.8.8.8"); err != nil {
		t.Errorf("CheckHost(8.8.8.8) = %v", err)
	}
}
