package ne2k

import (
	"github.com/do86/do86/internal/pcicfg"
)

// The RTL8029AS's PCI identity.
const (
	vendorRealtek  = 0x10EC
	deviceRTL8029  = 0x8029
	classNetwork   = 0x02
	subclassEthern = 0x00
)

// pciFunction is the RTL8029AS's configuration space: the card's ports at
// BAR0 (I/O, 32 bytes) and INTA.
type pciFunction struct {
	pcicfg.Config
	c *Card
}

// init sets the power-on configuration space.
func (f *pciFunction) init() {
	f.Config = pcicfg.Config{}
	f.Init(vendorRealtek, deviceRTL8029, classNetwork, subclassEthern, 0, 0)
	f.Space[pcicfg.RegSubsysVendor] = vendorRealtek & 0xFF
	f.Space[pcicfg.RegSubsysVendor+1] = vendorRealtek >> 8
	f.Space[pcicfg.RegSubsysID] = deviceRTL8029 & 0xFF
	f.Space[pcicfg.RegSubsysID+1] = deviceRTL8029 >> 8
	f.Space[pcicfg.RegInterruptPin] = pcicfg.INTA
	f.SetBAR(0, pcicfg.BAR{Size: Ports, IO: true, Moved: f.c.mapIO})
}

// PCI returns the RTL8029AS's configuration space, for the PCI bus (nil on
// the ISA card).
func (c *Card) PCI() pcicfg.Function {
	if c.fn == nil {
		return nil
	}
	return c.fn
}

// mapIO puts the card's ports at the base the guest gave BAR0.
func (c *Card) mapIO(base uint32) {
	if c.ports == nil {
		return
	}
	c.ports.Unregister(c)
	if base == 0 || base+Ports > 0x10000 {
		return
	}
	// A base that overlaps another device leaves the card unmapped.
	_ = c.ports.Register(uint16(base), Ports, c, "rtl8029")
}
