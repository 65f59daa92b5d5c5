package ide

import "github.com/do86/do86/internal/pcicfg"

// PIIX3 IDE configuration registers beyond the header.
const (
	regIDETIMPrimary   = 0x40 // IDE timing, primary channel (2 bytes)
	regIDETIMSecondary = 0x42 // IDE timing, secondary channel (2 bytes)
	regSIDETIM         = 0x44 // slave IDE timing
	idetimDecodeEnable = 0x80 // in the high byte of IDETIM: the channel decodes its ports
)

// pciFunction is the IDE function's configuration space: legacy mode with a
// bus master (prog IF 0x80) and the bus-master registers at BAR4.
type pciFunction struct {
	pcicfg.Config
	c *Controller
}

// init sets the power-on configuration space.
func (f *pciFunction) init() {
	f.Config = pcicfg.Config{}
	f.Init(0x8086, 0x7010, 0x01, 0x01, 0x80, 0x00)
	f.SetBAR(4, pcicfg.BAR{Size: bmBlockLen, IO: true, Moved: f.c.moveBM})
	// Both channels decode their legacy ports; the guest's drivers check.
	f.Space[regIDETIMPrimary+1] = idetimDecodeEnable
	f.Space[regIDETIMSecondary+1] = idetimDecodeEnable
	for r := regIDETIMPrimary; r <= regSIDETIM; r++ {
		f.Writable[r] = 0xFF
	}
}

// moveBM maps the bus-master registers at the base the guest gave BAR4.
func (c *Controller) moveBM(base uint32) {
	if c.ports == nil {
		return
	}
	c.ports.Unregister(&c.bm)
	if base == 0 || base+bmBlockLen > 0x10000 {
		return
	}
	// A base that overlaps another device leaves the registers unmapped.
	_ = c.ports.Register(uint16(base), bmBlockLen, &c.bm, "ide-busmaster")
}

// index returns the channel's number, 0 or 1.
func (ch *channel) index() int {
	if ch == &ch.c.Channels[1] {
		return 1
	}
	return 0
}
