package emu

import (
	"fmt"
	"sync/atomic"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/dev/ne2k"
	"github.com/do86/do86/internal/dev/pci"
	"github.com/do86/do86/internal/usernet"
)

// NetConfig is the machine's network card and the network it is on.
type NetConfig struct {
	// Mode is "user" for a card on a user-mode network of its own (DHCP,
	// DNS and NAT to the host's sockets), "" or "none" for no card.
	Mode string
	// NIC is the card: "rtl8029" (PCI, the default) or "ne2k-isa" (an
	// NE2000 at I/O 0x300, IRQ 5).
	NIC string
	// MAC is the card's address; zero derives a stable one from the name
	// of what the machine boots. A snapshot keeps the address it was made
	// with: a resumed guest keeps its address and its DHCP lease.
	MAC [6]byte
	// Forwards are host TCP ports forwarded to the guest, in QEMU's form
	// "tcp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT" (HOSTADDR defaults
	// to 127.0.0.1).
	Forwards []string
	// HostLoopback lets the guest reach the host's 127.0.0.1 at the
	// gateway's address, 10.0.2.2.
	HostLoopback bool
	// PCAP, when set, is a file that records the guest's traffic.
	PCAP string
}

// NIC models.
const (
	NICRTL8029 = "rtl8029"
	NICISA     = "ne2k-isa"
)

// nicSlot is the PCI slot of the RTL8029AS.
const nicSlot = 5

// netDevice is the card and its network. It is the card's Wire, and it
// stands for the card among the machine's timers, resetters and
// snapshot states, so that a restored card whose address differs from the
// configured one gets a network that leases to that address.
type netDevice struct {
	m     *Machine
	card  *ne2k.Card
	cfg   usernet.Config
	net   atomic.Pointer[usernet.Network]
	woken atomic.Bool
	poll  func()
}

// wireNet adds the network card the configuration asks for.
func (m *Machine) wireNet() error {
	c := m.cfg.Net
	switch c.Mode {
	case "", "none":
		return nil
	case "user":
	default:
		return fmt.Errorf("network %q: want user or none", c.Mode)
	}
	mac := c.MAC
	if mac == ([6]byte{}) {
		mac = usernet.MACFromName(m.imageName())
	}
	if mac[0]&1 != 0 {
		return fmt.Errorf("MAC address %s is a group address: a card needs a unicast one", usernet.FormatMAC(mac))
	}
	nd := &netDevice{m: m, cfg: usernet.Config{MAC: mac, HostLoopback: c.HostLoopback, PCAP: c.PCAP, Logf: m.logf}}
	var hook hookup
	for _, s := range c.Forwards {
		f, err := usernet.ParseForward(s)
		if err != nil {
			return err
		}
		nd.cfg.Forwards = append(nd.cfg.Forwards, f)
	}
	switch c.NIC {
	case "", NICRTL8029:
		nd.card = ne2k.NewRTL8029(m.ports, m.dev.router.INTx(nicSlot, pci.INTA), mac, nd)
		hook = pciAt(nicSlot, 0, nd.card.PCI())
	case NICISA:
		nd.card = ne2k.NewISA(m.lines.Pin(ne2k.ISAIRQ), mac, nd)
		hook = func(m *Machine, _ string) error { return nd.card.Register(m.ports, ne2k.ISABase) }
	default:
		return fmt.Errorf("network card %q: want %s or %s", c.NIC, NICRTL8029, NICISA)
	}
	if err := nd.start(); err != nil {
		return err
	}
	nd.poll = nd.pollCard
	m.attach("nic", nd, hook)
	m.closers = append(m.closers, nd)
	m.dev.nic = nd
	return nil
}

// start starts the network for the configured address.
func (nd *netDevice) start() error {
	n, err := usernet.New(nd.cfg)
	if err != nil {
		return err
	}
	n.SetNotify(nd.wake)
	nd.net.Store(n)
	for _, a := range n.ForwardAddrs() {
		nd.m.logf("net: forwarding %s to the guest", a)
	}
	return nil
}

// Close stops the network.
func (nd *netDevice) Close() error {
	if n := nd.net.Swap(nil); n != nil {
		return n.Close()
	}
	return nil
}

// Transmit, Peek and Pop connect the card to the current network (ne2k.Wire).
func (nd *netDevice) Transmit(f []byte) {
	if n := nd.net.Load(); n != nil {
		n.Transmit(f)
	}
}

func (nd *netDevice) Peek() []byte {
	if n := nd.net.Load(); n != nil {
		return n.Peek()
	}
	return nil
}

func (nd *netDevice) Pop() {
	if n := nd.net.Load(); n != nil {
		n.Pop()
	}
}

// wake is called by the network, on its goroutine, when a frame arrives:
// it asks the emulation goroutine to poll the card, at most once at a
// time, and never waits (a full work queue leaves it to the card's Tick).
func (nd *netDevice) wake() {
	if !nd.woken.CompareAndSwap(false, true) {
		return
	}
	select {
	case nd.m.work <- nd.poll:
	default:
		nd.woken.Store(false)
	}
}

func (nd *netDevice) pollCard() {
	nd.woken.Store(false)
	if !nd.m.paused.Load() {
		nd.card.Poll()
	}
}

// Tick polls the card (bus.Timer).
func (nd *netDevice) Tick(now float64) float64 { return nd.card.Tick(now) }

// Reset resets the card (bus.Resetter).
func (nd *netDevice) Reset() { nd.card.Reset() }

// StateKind, SaveState and LoadState are the card's (bus.Stateful). A
// loaded state whose station address differs from the network's moves
// the network to that address.
func (nd *netDevice) StateKind() (string, int) { return nd.card.StateKind() }

func (nd *netDevice) SaveState() any { return nd.card.SaveState() }

func (nd *netDevice) LoadState(state any) error {
	if err := nd.card.LoadState(state); err != nil {
		return err
	}
	mac := nd.card.StationAddress()
	if mac == nd.cfg.MAC {
		return nil
	}
	nd.m.logf("net: the snapshot's card has the address %s (configured: %s); keeping it", usernet.FormatMAC(mac), usernet.FormatMAC(nd.cfg.MAC))
	nd.cfg.MAC = mac
	if err := nd.Close(); err != nil {
		nd.m.logf("net: %v", err)
	}
	return nd.start()
}

// NetLease is an address the user-mode network's DHCP server gave the guest.
type NetLease struct {
	MAC, IP string
}

// NetLeases returns the DHCP leases the guest took (as seen on the wire),
// oldest first; nil without a network. Safe from any goroutine.
func (m *Machine) NetLeases() []NetLease {
	n := m.network()
	if n == nil {
		return nil
	}
	var l []NetLease
	for _, x := range n.Leases() {
		l = append(l, NetLease{x.MAC, x.IP})
	}
	return l
}

// NetForwards returns the host addresses the port forwards listen on, in
// the order configured (a host port 0 shows the port chosen).
func (m *Machine) NetForwards() []string {
	if n := m.network(); n != nil {
		return n.ForwardAddrs()
	}
	return nil
}

// NetMAC returns the network card's address and whether there is a card.
// Call it on the emulation goroutine or while Run is not running.
func (m *Machine) NetMAC() (string, bool) {
	if m.dev.nic == nil {
		return "", false
	}
	return usernet.FormatMAC(m.dev.nic.cfg.MAC), true
}

func (m *Machine) network() *usernet.Network {
	if m.dev.nic == nil {
		return nil
	}
	return m.dev.nic.net.Load()
}

var (
	_ bus.Stateful = (*netDevice)(nil)
	_ ne2k.Wire    = (*netDevice)(nil)
)

// logf writes a note to the machine's logger.
func (m *Machine) logf(format string, a ...any) { m.cfg.Logger.Info(fmt.Sprintf(format, a...)) }
