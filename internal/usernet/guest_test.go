package usernet_test

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/do86/do86/internal/usernet"
	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/insomniacslk/dhcp/dhcpv4"
	"gvisor.dev/gvisor/pkg/buffer"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/link/channel"
	"gvisor.dev/gvisor/pkg/tcpip/link/ethernet"
	"gvisor.dev/gvisor/pkg/tcpip/network/arp"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/icmp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"
)

var guestMAC = [6]byte{0x02, 0xD0, 0x86, 0xAA, 0xBB, 0xCC}

// guest stands in for a card and its operating system: a TCP/IP stack of
// its own (gVisor's, with the address DHCP would give) whose frames go
// through the Network's card interface — Transmit out, Peek/Pop in — the
// way the emulated card's do.
type guest struct {
	t     *testing.T
	net   atomic.Pointer[usernet.Network]
	s     *stack.Stack
	ch    *channel.Endpoint
	mu    sync.Mutex
	raw   [][]byte // every frame that reached the guest
	keep  bool     // keep raw frames
	wake  chan struct{}
	ctx   context.Context
	close context.CancelFunc
	wg    sync.WaitGroup
}

func newNetwork(t *testing.T, cfg usernet.Config) *usernet.Network {
	t.Helper()
	if cfg.MAC == [6]byte{} {
		cfg.MAC = guestMAC
	}
	cfg.Logf = t.Logf
	n, err := usernet.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

func newGuest(t *testing.T, n *usernet.Network, mac [6]byte) *guest {
	t.Helper()
	g := &guest{t: t, wake: make(chan struct{}, 1)}
	g.ctx, g.close = context.WithCancel(context.Background())
	g.ch = channel.New(1024, usernet.MTU, tcpip.LinkAddress(mac[:]))
	g.s = stack.New(stack.Options{
		NetworkProtocols:   []stack.NetworkProtocolFactory{ipv4.NewProtocol, arp.NewProtocol},
		TransportProtocols: []stack.TransportProtocolFactory{tcp.NewProtocol, udp.NewProtocol, icmp.NewProtocol4},
	})
	if err := g.s.CreateNIC(1, ethernet.New(g.ch)); err != nil {
		t.Fatal(err)
	}
	addr := tcpip.AddressWithPrefix{Address: tcpip.AddrFrom4([4]byte{10, 0, 2, 15}), PrefixLen: 24}
	if err := g.s.AddProtocolAddress(1, tcpip.ProtocolAddress{Protocol: ipv4.ProtocolNumber, AddressWithPrefix: addr}, stack.AddressProperties{}); err != nil {
		t.Fatal(err)
	}
	g.s.SetRouteTable([]tcpip.Route{{Destination: header.IPv4EmptySubnet, Gateway: tcpip.AddrFrom4([4]byte{10, 0, 2, 2}), NIC: 1}})
	g.attach(n)
	g.wg.Add(2)
	go func() { // out: the guest's frames to the network
		defer g.wg.Done()
		for {
			pkt := g.ch.ReadContext(g.ctx)
			if pkt == nil {
				return
			}
			b := pkt.ToView().AsSlice()
			g.net.Load().Transmit(b)
			pkt.DecRef()
		}
	}()
	go func() { // in: frames waiting for the card
		defer g.wg.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			n := g.net.Load()
			for f := n.Peek(); f != nil; f = n.Peek() {
				n.Pop()
				g.deliver(f)
			}
			select {
			case <-g.ctx.Done():
				return
			case <-g.wake:
			case <-tick.C:
			}
		}
	}()
	t.Cleanup(func() {
		g.close()
		g.wg.Wait()
		g.s.Destroy()
	})
	return g
}

// attach plugs the guest's card into network n, as a machine resumed from
// a snapshot finds a new network.
func (g *guest) attach(n *usernet.Network) {
	n.SetNotify(func() {
		select {
		case g.wake <- struct{}{}:
		default:
		}
	})
	g.net.Store(n)
}

func (g *guest) deliver(f []byte) {
	g.mu.Lock()
	if g.keep {
		g.raw = append(g.raw, append([]byte(nil), f...))
	}
	g.mu.Unlock()
	pkt := stack.NewPacketBuffer(stack.PacketBufferOptions{Payload: buffer.MakeWithData(append([]byte(nil), f...))})
	g.ch.InjectInbound(0, pkt)
	pkt.DecRef()
}

// frames returns the frames the guest received so far (with keep set).
func (g *guest) frames() [][]byte {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([][]byte(nil), g.raw...)
}

// dial connects from the guest to addr (IPv4 "a.b.c.d:port").
func (g *guest) dial(ctx context.Context, addr string) (net.Conn, error) {
	ap, err := netipAddrPort(addr)
	if err != nil {
		return nil, err
	}
	return gonet.DialContextTCP(ctx, g.s, ap, ipv4.ProtocolNumber)
}

// listen listens on the guest's port.
func (g *guest) listen(port uint16) net.Listener {
	l, err := gonet.ListenTCP(g.s, tcpip.FullAddress{NIC: 1, Port: port}, ipv4.ProtocolNumber)
	if err != nil {
		g.t.Fatal(err)
	}
	return l
}

func netipAddrPort(s string) (tcpip.FullAddress, error) {
	a, err := net.ResolveTCPAddr("tcp4", s)
	if err != nil {
		return tcpip.FullAddress{}, err
	}
	return tcpip.FullAddress{NIC: 1, Addr: tcpip.AddrFrom4Slice(a.IP.To4()), Port: uint16(a.Port)}, nil
}

// dhcpFrame builds a DHCP message from the guest's card as a broadcast
// Ethernet frame, the way a client without an address sends it.
func dhcpFrame(t *testing.T, m *dhcpv4.DHCPv4, mac [6]byte) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: mac[:], DstMAC: net.HardwareAddr{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.IPv4zero, DstIP: net.IPv4bcast}
	u := &layers.UDP{SrcPort: 68, DstPort: 67}
	u.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, u, gopacket.Payload(m.ToBytes())); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rawFrame builds an IPv4 frame from the guest to dst with a TCP SYN to port.
func rawSYN(t *testing.T, dst net.IP, port uint16) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: guestMAC[:], DstMAC: gatewayMAC, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: net.IPv4(10, 0, 2, 15), DstIP: dst}
	tc := &layers.TCP{SrcPort: 40000, DstPort: layers.TCPPort(port), SYN: true, Seq: 1, Window: 64000}
	tc.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tc); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// waitFor polls cond until it holds or d passes.
func waitFor(d time.Duration, cond func() bool) bool {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		if cond() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cond()
}

var gatewayMAC = net.HardwareAddr{0x52, 0x55, 0x0A, 0x00, 0x02, 0x02}

// arpRequest is the guest asking for the gateway's address.
func arpRequest(t *testing.T) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: guestMAC[:], DstMAC: net.HardwareAddr{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, EthernetType: layers.EthernetTypeARP}
	a := &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
		Operation: layers.ARPRequest, SourceHwAddress: guestMAC[:], SourceProtAddress: []byte{10, 0, 2, 15},
		DstHwAddress: make([]byte, 6), DstProtAddress: []byte{10, 0, 2, 2}}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true}, eth, a); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// echoRequest is a ping of size payload bytes from the guest to the gateway.
func echoRequest(t *testing.T, size int) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: guestMAC[:], DstMAC: gatewayMAC, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolICMPv4, SrcIP: net.IPv4(10, 0, 2, 15), DstIP: net.IPv4(10, 0, 2, 2)}
	ic := &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoRequest, 0), Id: 7, Seq: 1}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, ic, gopacket.Payload(make([]byte, size))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
