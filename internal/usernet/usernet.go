// Package usernet is user-mode networking for one emulated network card: a
// private virtual Ethernet with a gateway that hands out an address by
// DHCP, answers DNS and forwards the guest's TCP and UDP to host sockets
// (NAT), like QEMU's "-nic user". The network itself is gvisor-tap-vsock's
// virtualnetwork (a gVisor TCP/IP stack); this package connects a card to
// it over one in-memory link, queues frames both ways without ever
// blocking the emulation, forwards host ports to the guest, keeps the host's
// own loopback out of the guest's reach unless asked, records the guest's
// traffic as a pcap file, and notes the leases the guest takes.
//
// Every Network is its own subnet with its own stack: machines never see
// each other's traffic.
package usernet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"

	"github.com/containers/gvisor-tap-vsock/pkg/types"
	"github.com/containers/gvisor-tap-vsock/pkg/virtualnetwork"
	"github.com/sirupsen/logrus"
)

// The virtual network's addresses, QEMU's familiar ones.
const (
	Subnet     = "10.0.2.0/24"
	GatewayIP  = "10.0.2.2"  // the gateway, DNS server and (when asked) the host
	GuestIP    = "10.0.2.15" // the DHCP lease of the guest's card
	GatewayMAC = "52:55:0a:00:02:02"
	// MTU is the link's MTU, advertised by DHCP; TCP segments to and from
	// the guest carry up to MTU-40 bytes.
	MTU = 1500
)

// Limits of the queues between the network and the card.
const (
	// maxQueueBytes bounds the frames waiting for the guest's card: about
	// 1400 full frames, more than a TCP window the stack sends at once.
	maxQueueBytes = 2 << 20
	// maxOut bounds the frames the guest sent that wait for the stack.
	maxOut   = 1024
	minFrame = 60
	maxFrame = 1514
)

// Config configures a network.
type Config struct {
	// MAC is the guest card's address: DHCP gives it GuestIP.
	MAC [6]byte
	// Forwards are host ports forwarded to the guest.
	Forwards []Forward
	// HostLoopback lets the guest reach the host's 127.0.0.1 at GatewayIP.
	HostLoopback bool
	// PCAP, when set, is a file to write every frame the guest sends and
	// receives to, in pcap format.
	PCAP string
	// Logf receives one-line notes (nil: none).
	Logf func(format string, a ...any)
}

// Lease is an address the network's DHCP server gave a card, as seen on
// the wire (a DHCPACK).
type Lease struct {
	MAC string
	IP  string
}

// Stats count the frames through a network.
type Stats struct {
	ToGuest, FromGuest           uint64 // frames
	ToGuestBytes, FromGuestBytes uint64
	// DroppedToGuest counts frames lost because the card's queue was full;
	// DroppedFromGuest frames the guest sent that the network refused
	// (full queue, a destination it may not reach, not IPv4 or ARP).
	DroppedToGuest, DroppedFromGuest uint64
}

// Network is a virtual network with one card on it.
type Network struct {
	cfg     Config
	vn      *virtualnetwork.VirtualNetwork
	conn    net.Conn // our end of the link to the virtual switch
	out     chan []byte
	in      queue
	notify  atomic.Pointer[func()]
	pcap    *pcapFile
	fwd     []*forwarder
	cancel  context.CancelFunc
	done    chan struct{}
	wg      sync.WaitGroup
	closeMu sync.Once

	leaseMu sync.Mutex
	leases  []Lease

	toGuest, fromGuest, toGuestBytes, fromGuestBytes atomic.Uint64
	droppedTo, droppedFrom                           atomic.Uint64
}

var quietLogrus sync.Once

// New starts a network for a card with cfg.MAC: the stack, the link, the
// forwards' listeners and the capture file. Close stops it.
func New(cfg Config) (*Network, error) {
	// gvisor-tap-vsock logs through logrus's global logger, to stderr; what
	// it says (a closed link, a guest's odd DHCP message) is not the
	// user's business.
	quietLogrus.Do(func() { logrus.SetOutput(io.Discard) })
	mac := net.HardwareAddr(cfg.MAC[:]).String()
	vn, err := virtualnetwork.New(&types.Configuration{
		MTU:               MTU,
		Subnet:            Subnet,
		GatewayIP:         GatewayIP,
		GatewayMacAddress: GatewayMAC,
		DHCPStaticLeases:  map[string]string{GuestIP: mac},
		NAT:               hostNAT(cfg.HostLoopback),
		Protocol:          types.VfkitProtocol,
	})
	if err != nil {
		return nil, fmt.Errorf("user network: %w", err)
	}
	n := &Network{cfg: cfg, vn: vn, out: make(chan []byte, maxOut), done: make(chan struct{})}
	n.in.max = maxQueueBytes
	fail := func(err error) (*Network, error) {
		n.Close()
		return nil, err
	}
	if cfg.PCAP != "" {
		if n.pcap, err = createPCAP(cfg.PCAP); err != nil {
			destroyStack(vn)
			return nil, err
		}
	}
	ours, theirs := net.Pipe()
	n.conn = ours
	ctx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	n.wg.Add(3)
	go func() {
		defer n.wg.Done()
		vn.AcceptVfkit(ctx, theirs) // returns when the link closes
		theirs.Close()
	}()
	go n.reader()
	go n.writer()
	for _, f := range cfg.Forwards {
		fw, err := n.forward(f)
		if err != nil {
			return fail(err)
		}
		n.fwd = append(n.fwd, fw)
	}
	return n, nil
}

// hostNAT maps the gateway's address to the host's loopback when the guest
// may reach it.
func hostNAT(on bool) map[string]string {
	if !on {
		return nil
	}
	return map[string]string{GatewayIP: "127.0.0.1"}
}

// Close stops the network: the forwards' listeners, the link, the stack
// and the capture file. Connections through it end.
func (n *Network) Close() error {
	var err error
	n.closeMu.Do(func() {
		for _, f := range n.fwd {
			f.close()
		}
		close(n.done)
		if n.cancel != nil {
			n.cancel()
		}
		if n.conn != nil {
			n.conn.Close()
		}
		n.wg.Wait()
		destroyStack(n.vn)
		if n.pcap != nil {
			err = n.pcap.close()
		}
	})
	return err
}

// SetNotify sets a function called, on the network's goroutine, each time
// a frame starts waiting for the card. It must not block.
func (n *Network) SetNotify(fn func()) { n.notify.Store(&fn) }

// Transmit takes a frame the guest sent (ne2k.Wire). It never blocks: when
// the network is behind, the frame is dropped, as a congested wire would.
func (n *Network) Transmit(frame []byte) {
	f := append([]byte(nil), frame...)
	select {
	case n.out <- f:
	default:
		n.droppedFrom.Add(1)
	}
}

// Peek returns the next frame waiting for the card, or nil (ne2k.Wire).
func (n *Network) Peek() []byte { return n.in.peek() }

// Pop removes the frame Peek returned (ne2k.Wire).
func (n *Network) Pop() { n.in.pop() }

// Leases returns the leases the guest took, in order.
func (n *Network) Leases() []Lease {
	n.leaseMu.Lock()
	defer n.leaseMu.Unlock()
	return append([]Lease(nil), n.leases...)
}

// ForwardAddrs returns the host addresses the forwards listen on, in the
// order given (a host port 0 shows the port chosen).
func (n *Network) ForwardAddrs() []string {
	var l []string
	for _, f := range n.fwd {
		l = append(l, f.l.Addr().String())
	}
	return l
}

// Stats returns the network's counters.
func (n *Network) Stats() Stats {
	return Stats{
		ToGuest: n.toGuest.Load(), FromGuest: n.fromGuest.Load(),
		ToGuestBytes: n.toGuestBytes.Load(), FromGuestBytes: n.fromGuestBytes.Load(),
		DroppedToGuest: n.droppedTo.Load() + n.in.droppedCount(), DroppedFromGuest: n.droppedFrom.Load(),
	}
}

// reader takes the frames the switch sends to the card: one Read is one
// frame. They are padded to Ethernet's minimum, as the sending station
// would, captured, and queued for the card.
func (n *Network) reader() {
	defer n.wg.Done()
	buf := make([]byte, 65536)
	for {
		k, err := n.conn.Read(buf)
		if err != nil {
			return
		}
		if k < 14 || k > maxFrame {
			n.droppedTo.Add(1)
			continue
		}
		f := make([]byte, max(k, minFrame))
		copy(f, buf[:k])
		n.pcap.write(f)
		n.snoopDHCP(f)
		n.toGuest.Add(1)
		n.toGuestBytes.Add(uint64(len(f)))
		if n.in.push(f) {
			if fn := n.notify.Load(); fn != nil {
				(*fn)()
			}
		}
	}
}

// writer hands the frames the guest sent to the switch, one Write each,
// after the capture and the egress rules.
func (n *Network) writer() {
	defer n.wg.Done()
	for {
		select {
		case <-n.done:
			return
		case f := <-n.out:
			n.pcap.write(f)
			n.fromGuest.Add(1)
			n.fromGuestBytes.Add(uint64(len(f)))
			if !n.allowed(f) {
				n.droppedFrom.Add(1)
				continue
			}
			if _, err := n.conn.Write(f); err != nil {
				if errors.Is(err, io.ErrClosedPipe) {
					return
				}
				n.droppedFrom.Add(1)
			}
		}
	}
}

// logf writes a note.
func (n *Network) logf(format string, a ...any) {
	if n.cfg.Logf != nil {
		n.cfg.Logf(format, a...)
	}
}
