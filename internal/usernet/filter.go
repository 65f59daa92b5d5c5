package usernet

import (
	"encoding/binary"
	"net/netip"
	"slices"

	"github.com/insomniacslk/dhcp/dhcpv4"
)

var (
	subnet  = netip.MustParsePrefix(Subnet)
	gateway = netip.MustParseAddr(GatewayIP)
	// unreachable are destinations the NAT must never dial for the guest:
	// "this network" and loopback (both reach the host's own services), and
	// multicast and reserved addresses (which would go out on the host's
	// networks).
	unreachable = []netip.Prefix{
		netip.MustParsePrefix("0.0.0.0/8"),
		netip.MustParsePrefix("127.0.0.0/8"),
		netip.MustParsePrefix("224.0.0.0/4"),
		netip.MustParsePrefix("240.0.0.0/4"),
	}
	limitedBroadcast = netip.MustParseAddr("255.255.255.255")
)

// IP protocol numbers and ports the gateway serves itself.
const (
	protoICMP = 1
	protoTCP  = 6
	protoUDP  = 17
	portDNS   = 53
	portDHCP  = 67
	tcpSYN    = 0x02
	tcpACK    = 0x10
)

// allowed applies the egress rules to a frame the guest sent: ARP, and
// IPv4 to the world, to the limited broadcast (DHCP) and to the gateway.
// Within the virtual subnet there is no one else to reach. The gateway
// answers ICMP, DNS and DHCP itself, and its other ports are the host's
// loopback: a connection the guest opens to one of those (a TCP SYN, any
// UDP) passes only with HostLoopback, while the guest's side of forwarded
// connections (which the gateway opened) always passes.
func (n *Network) allowed(f []byte) bool {
	if len(f) < 14 {
		return false
	}
	switch binary.BigEndian.Uint16(f[12:14]) {
	case 0x0806: // ARP
		return true
	case 0x0800:
	default:
		return false
	}
	ip := f[14:]
	if len(ip) < 20 || ip[0]>>4 != 4 {
		return false
	}
	dst := netip.AddrFrom4([4]byte(ip[16:20]))
	switch {
	case dst == limitedBroadcast:
		return true
	case dst == gateway:
		return n.cfg.HostLoopback || !opensHostPort(ip)
	case subnet.Contains(dst):
		return false
	}
	for _, p := range unreachable {
		if p.Contains(dst) {
			return false
		}
	}
	return true
}

// opensHostPort reports whether an IPv4 packet to the gateway would make
// the NAT dial the host: a TCP SYN or a UDP datagram to a port the gateway
// does not serve itself.
func opensHostPort(ip []byte) bool {
	proto := ip[9]
	hl := int(ip[0]&0x0F) * 4
	switch {
	case proto != protoTCP && proto != protoUDP:
		return false
	case len(ip) < hl+14:
		return true // too short to tell: refuse
	}
	port := binary.BigEndian.Uint16(ip[hl+2 : hl+4])
	if proto == protoUDP {
		return port != portDNS && port != portDHCP
	}
	flags := ip[hl+13]
	return flags&tcpSYN != 0 && flags&tcpACK == 0 && port != portDNS
}

// snoopDHCP notes a DHCPACK on its way to the guest: the lease it takes.
func (n *Network) snoopDHCP(f []byte) {
	if len(f) < 14+20+8 || binary.BigEndian.Uint16(f[12:14]) != 0x0800 {
		return
	}
	ip := f[14:]
	hl := int(ip[0]&0x0F) * 4
	if ip[9] != protoUDP || len(ip) < hl+8 {
		return
	}
	udp := ip[hl:]
	if binary.BigEndian.Uint16(udp[0:2]) != portDHCP || binary.BigEndian.Uint16(udp[2:4]) != portDHCP+1 {
		return
	}
	end := min(len(udp), int(binary.BigEndian.Uint16(udp[4:6])))
	if end < 8 {
		return
	}
	m, err := dhcpv4.FromBytes(udp[8:end])
	if err != nil || m.MessageType() != dhcpv4.MessageTypeAck {
		return
	}
	l := Lease{MAC: m.ClientHWAddr.String(), IP: m.YourIPAddr.String()}
	n.leaseMu.Lock()
	first := !slices.Contains(n.leases, l)
	n.leases = append(n.leases, l)
	n.leaseMu.Unlock()
	if first {
		n.logf("net: the guest (%s) took the address %s by DHCP", l.MAC, l.IP)
	}
}
