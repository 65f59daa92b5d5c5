package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/do86/do86/internal/usernet"
	"github.com/do86/do86/pkg/emu"
)

// netFlags are the networking flags of run (and --net, --nic of serve).
type netFlags struct {
	mode         string
	nic          string
	forwards     []string
	hostLoopback bool
	pcap         string
	mac          string
}

const netHelp = `

Networking: --net user (the default) gives the guest an RTL8029 PCI Ethernet
card (--nic ne2k-isa: an NE2000 at I/O 0x300, IRQ 5) on a private network of
its own, like QEMU's "-nic user": DHCP gives it 10.0.2.15, the gateway and
DNS server is 10.0.2.2, and its TCP and UDP connections leave through the
host's sockets. The host's own loopback is out of its reach unless
--net-host-loopback makes 10.0.2.2 stand for the host's 127.0.0.1.
--forward tcp:127.0.0.1:8080-:80 forwards a host port to the guest (an empty
host address is 127.0.0.1); --net-pcap FILE records the guest's traffic for
tcpdump or Wireshark. The card's MAC address is derived from the image's
name unless --mac gives one, and a snapshot keeps it.`

// addRunNetFlags adds run's networking flags and their help.
func addRunNetFlags(cmd *cobra.Command, f *netFlags) {
	fl := cmd.Flags()
	fl.StringVar(&f.mode, "net", "user", "networking: user (a card on a private NAT network) or none (no card)")
	fl.StringVar(&f.nic, "nic", emu.NICRTL8029, "network card: rtl8029 (PCI) or ne2k-isa (ISA, I/O 0x300, IRQ 5)")
	fl.StringArrayVar(&f.forwards, "forward", nil, "forward a host TCP port to the guest: tcp:[HOSTADDR]:PORT-[GUESTADDR]:PORT, e.g. tcp:127.0.0.1:8080-:80 (repeatable)")
	fl.BoolVar(&f.hostLoopback, "net-host-loopback", false, "let the guest reach the host's 127.0.0.1 at 10.0.2.2")
	fl.StringVar(&f.pcap, "net-pcap", "", "write the guest's network traffic to FILE (pcap, for tcpdump or Wireshark)")
	fl.StringVar(&f.mac, "mac", "", "the network card's MAC address (default: derived from the image's name)")
	cmd.Long += netHelp
}

// apply puts the networking flags into a machine configuration.
func (f *netFlags) apply(cfg *emu.Config) error {
	switch f.mode {
	case "", "none":
		if len(f.forwards) > 0 || f.pcap != "" || f.hostLoopback {
			return fmt.Errorf("--forward, --net-pcap and --net-host-loopback need --net user")
		}
		return nil
	case "user":
	default:
		return fmt.Errorf("--net %q: want user or none", f.mode)
	}
	switch f.nic {
	case "", emu.NICRTL8029, emu.NICISA:
	default:
		return fmt.Errorf("--nic %q: want %s or %s", f.nic, emu.NICRTL8029, emu.NICISA)
	}
	n := emu.NetConfig{Mode: f.mode, NIC: f.nic, HostLoopback: f.hostLoopback, PCAP: f.pcap}
	for _, s := range f.forwards {
		if _, err := usernet.ParseForward(s); err != nil {
			return fmt.Errorf("--forward: %w", err)
		}
		n.Forwards = append(n.Forwards, s)
	}
	if f.mac != "" {
		mac, err := usernet.ParseMAC(f.mac)
		if err != nil {
			return fmt.Errorf("--mac: %w", err)
		}
		n.MAC = mac
	}
	cfg.Net = n
	return nil
}
