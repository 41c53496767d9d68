//go:build linux

package sysinfo

import (
	"encoding/binary"
	"fmt"
	"math"
	"syscall"
)

// Offsets into struct rtmsg (linux/rtnetlink.h), the header of a route
// message: destination prefix length, routing table and route type.
const (
	rtmDstLenOffset = 1
	rtmTableOffset  = 4
	rtmTypeOffset   = 7
	// uint32Size is the size of the RTA_OIF and RTA_PRIORITY attributes.
	uint32Size = 4
)

// defaultRouteIndex asks the kernel (netlink, no packets leave the host)
// for the default route's interface index, IPv4 first, then IPv6.
func defaultRouteIndex() (int, error) {
	var lastErr error = errNoDefaultRoute
	for _, family := range []int{syscall.AF_INET, syscall.AF_INET6} {
		idx, err := defaultRouteFor(family)
		if err == nil {
			return idx, nil
		}
		lastErr = err
	}
	return 0, lastErr
}

// defaultRouteFor returns the output interface of the main table's
// default route with the lowest metric for one address family.
func defaultRouteFor(family int) (int, error) {
	rib, err := syscall.NetlinkRIB(syscall.RTM_GETROUTE, family)
	if err != nil {
		return 0, fmt.Errorf("sysinfo: dump routes: %w", err)
	}
	msgs, err := syscall.ParseNetlinkMessage(rib)
	if err != nil {
		return 0, fmt.Errorf("sysinfo: parse routes: %w", err)
	}
	best, bestMetric := 0, uint32(math.MaxUint32)
	for i := range msgs {
		m := &msgs[i]
		if m.Header.Type != syscall.RTM_NEWROUTE || len(m.Data) < syscall.SizeofRtMsg ||
			m.Data[rtmDstLenOffset] != 0 || m.Data[rtmTableOffset] != syscall.RT_TABLE_MAIN ||
			m.Data[rtmTypeOffset] != syscall.RTN_UNICAST {
			continue
		}
		attrs, err := syscall.ParseNetlinkRouteAttr(m)
		if err != nil {
			continue
		}
		oif, metric := 0, uint32(0)
		for _, a := range attrs {
			if len(a.Value) < uint32Size {
				continue
			}
			switch a.Attr.Type {
			case syscall.RTA_OIF:
				oif = int(binary.NativeEndian.Uint32(a.Value))
			case syscall.RTA_PRIORITY:
				metric = binary.NativeEndian.Uint32(a.Value)
			}
		}
		if oif > 0 && metric < bestMetric {
			best, bestMetric = oif, metric
		}
	}
	if best == 0 {
		return 0, errNoDefaultRoute
	}
	return best, nil
}
