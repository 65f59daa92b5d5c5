package pci

import "github.com/do86/do86/internal/pcicfg"

// The PIIX3 PCI-to-ISA bridge (82371SB function 0), at 00:01.0. Just enough
// for SeaBIOS and the guests' PCI interrupt routers: its identity, the PIRQ
// route control registers, and plain storage for the other bridge registers
// the firmware may touch. The ELCR (ports 0x4D0/0x4D1) belongs to the core's
// PIC, not to this function.

// Identity of the 82371SB ISA bridge.
const (
	PIIX3Vendor = 0x8086
	PIIX3Device = 0x7000
)

// PIRQ route control registers: PIRQRCA..PIRQRCD at 0x60–0x63.
const (
	RegPIRQRC = 0x60

	PIRQRouteDisable = 0x80 // IRQROUTEN: the PIRQ drives no ISA line
	pirqIRQMask      = 0x0F // IRQ number, 3–7, 9–12, 14 or 15
)

// validPIRQLines are the ISA lines a PIRQ may be steered to (the others are
// reserved in the PIIX3 datasheet).
const validPIRQLines = 1<<3 | 1<<4 | 1<<5 | 1<<6 | 1<<7 | 1<<9 | 1<<10 | 1<<11 | 1<<12 | 1<<14 | 1<<15

// PIIX3ISA is the ISA bridge function 00:01.0. Its header says
// multi-function, so that the guest goes on to scan 00:01.1 (IDE) and 00:01.3
// (power management).
type PIIX3ISA struct {
	pcicfg.Config

	route func(pirq, irq int)
}

// NewPIIX3ISA returns the ISA bridge in its power-on state, every PIRQ
// unrouted. route, when not nil, hears every change of a PIRQ's effective
// ISA line: pirq 0–3 for PIRQA–PIRQD and irq the line, or -1 when the guest
// disabled the route (pass a Router's Route).
func NewPIIX3ISA(route func(pirq, irq int)) *PIIX3ISA {
	d := &PIIX3ISA{route: route}
	d.initSpace()
	return d
}

func (d *PIIX3ISA) initSpace() {
	d.Config = pcicfg.Config{}
	d.Init(PIIX3Vendor, PIIX3Device, 0x06, 0x01, 0x00, 0x00)
	d.Space[pcicfg.RegHeaderType] = 0x80
	// Reset values of the bridge's own registers (PIIX3 datasheet):
	// IORT, XBCS, TOM, MBIRQ0, MBDMA0/1, PCSC, SMICNTL, FTMR.
	for reg, v := range map[int]byte{0x4C: 0x4D, 0x4E: 0x03, 0x69: 0x02, 0x70: 0x80,
		0x76: 0x0C, 0x77: 0x0C, 0x78: 0x02, 0xA0: 0x08, 0xA8: 0x0F} {
		d.Space[reg] = v
	}
	for r := 0x4C; r < 0xB0; r++ {
		d.Writable[r] = 0xFF
	}
	for i := 0; i < 4; i++ {
		d.Space[RegPIRQRC+i] = PIRQRouteDisable
		d.Writable[RegPIRQRC+i] = PIRQRouteDisable | pirqIRQMask
	}
}

// Reset returns the bridge to its power-on state; routes that were enabled
// are reported as disabled.
func (d *PIIX3ISA) Reset() {
	var before [4]int
	for i := range before {
		before[i] = d.routeOf(i)
	}
	d.initSpace()
	d.report(before)
}

// ConfigWrite writes the bridge's space and reports PIRQ route changes.
func (d *PIIX3ISA) ConfigWrite(reg uint8, size int, v uint32) {
	var before [4]int
	for i := range before {
		before[i] = d.routeOf(i)
	}
	d.Config.ConfigWrite(reg, size, v)
	d.report(before)
}

func (d *PIIX3ISA) report(before [4]int) {
	if d.route == nil {
		return
	}
	for i, b := range before {
		if now := d.routeOf(i); now != b {
			d.route(i, now)
		}
	}
}

func (d *PIIX3ISA) routeOf(n int) int {
	if irq, ok := d.PIRQ(n); ok {
		return irq
	}
	return -1
}

// PIRQ returns the ISA line PIRQ n (0–3 for PIRQA–PIRQD) is routed to, and
// false when the route is disabled or names a reserved line.
func (d *PIIX3ISA) PIRQ(n int) (irq int, ok bool) {
	r := d.Space[RegPIRQRC+n&3]
	irq = int(r & pirqIRQMask)
	if r&PIRQRouteDisable != 0 || validPIRQLines&(1<<irq) == 0 {
		return 0, false
	}
	return irq, true
}
