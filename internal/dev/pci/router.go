package pci

import (
	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/pcicfg"
)

// INTx pins, as the Interrupt Pin register (0x3D) numbers them (pcicfg's,
// named here too for the board's wiring).
const (
	INTA = pcicfg.INTA
	INTB = pcicfg.INTB
	INTC = pcicfg.INTC
	INTD = pcicfg.INTD
)

// Swizzle returns the PIRQ (0–3 for PIRQA–PIRQD) that pin (INTA–INTD) of a
// device in slot on bus 0 drives. The board rotates the pins by slot, so
// that slot 1's INTA is PIRQA, slot 2's INTA is PIRQB, and so on — the table
// SeaBIOS programs interrupt lines from and its DSDT's _PRT describes.
func Swizzle(slot, pin int) int {
	return (slot + pin - 2) & 3
}

// Router connects PCI functions' INTx pins to ISA interrupt lines through the
// PIIX3's PIRQ routes, and follows the guest when it reprograms them: an
// asserted pin moves from its old line to the new one.
type Router struct {
	// Routes holds the ISA line each PIRQ drives, -1 for none.
	Routes [4]int

	line func(n int) bus.IRQ
	pins []*intxPin
}

// NewRouter returns a router with every PIRQ unrouted. line hands out a
// connection to ISA line n (the machine's Lines.Pin); the router asks for at
// most one connection per pin and line.
func NewRouter(line func(n int) bus.IRQ) *Router {
	return &Router{Routes: [4]int{-1, -1, -1, -1}, line: line}
}

// Route steers PIRQ pirq (0–3) to ISA line irq, or nowhere when irq is
// negative. It has the shape NewPIIX3ISA expects.
func (r *Router) Route(pirq, irq int) {
	if irq > 15 {
		irq = -1
	}
	r.Routes[pirq&3] = irq
	for _, p := range r.pins {
		if p.pirq == pirq&3 {
			p.move(irq)
		}
	}
}

// INTx returns the interrupt line of pin (INTA–INTD) of the function in slot:
// a level the function raises while it wants service.
func (r *Router) INTx(slot, pin int) bus.IRQ {
	p := &intxPin{r: r, pirq: Swizzle(slot, pin), cur: -1}
	p.cur = r.Routes[p.pirq]
	r.pins = append(r.pins, p)
	return p
}

// intxPin is one function's INTx output.
type intxPin struct {
	r        *Router
	pirq     int
	cur      int // ISA line now driven, -1 for none
	asserted bool
	conns    [16]bus.IRQ
}

func (p *intxPin) conn(n int) bus.IRQ {
	if p.conns[n] == nil {
		p.conns[n] = p.r.line(n)
	}
	return p.conns[n]
}

// Raise asserts the pin on the line its PIRQ is routed to.
func (p *intxPin) Raise() {
	p.asserted = true
	if p.cur >= 0 {
		p.conn(p.cur).Raise()
	}
}

// Lower deasserts the pin.
func (p *intxPin) Lower() {
	p.asserted = false
	if p.cur >= 0 {
		p.conn(p.cur).Lower()
	}
}

// move follows a new route: the assertion leaves the old line for the new.
func (p *intxPin) move(irq int) {
	if irq == p.cur {
		return
	}
	if p.asserted && p.cur >= 0 {
		p.conn(p.cur).Lower()
	}
	p.cur = irq
	if p.asserted && p.cur >= 0 {
		p.conn(p.cur).Raise()
	}
}
