// Package ahci emulates an AHCI 1.0 SATA host bus adapter presenting as the
// Intel ICH9's (PCI 8086:2922, class 01:06:01): the ABAR registers at BAR5,
// up to six ports with command lists, received FIS areas and PRDT
// scatter/gather DMA, and SATA hard disks answering ATA commands (IDENTIFY,
// READ/WRITE DMA, PIO and NCQ reads and writes, FLUSH, SET FEATURES and the
// power commands) on one level-triggered INTx line.
//
// Just enough for SeaBIOS, Linux and hobby kernels to find, boot from and use
// a disk: no ATAPI devices, port multipliers, MSI, BAR4 index/data pair,
// staggered spin-up, link power management, command completion coalescing,
// enclosure management or 64-bit addresses. Commands run to completion when
// the guest issues them; their interrupt follows a short virtual time later
// (Tick). A failing command still clears its PxCI bit (as QEMU's HBA does),
// so a guest need not restart the port to go on.
package ahci

import (
	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/disk"
	"github.com/do86/do86/internal/pcicfg"
)

// ABARSize is the size of the memory BAR5 (the ABAR) that holds the registers.
const ABARSize = 0x1000

// MaxPorts is the number of SATA ports of an ICH9.
const MaxPorts = 6

// irqDelay is how long (ms of guest time) a completed command's interrupt
// waits before the line rises, so that a guest that issues a command and
// then waits for its interrupt is waiting by then.
const irqDelay = 0.01

// Controller is the AHCI function: the generic host control registers and
// its ports.
type Controller struct {
	mem   bus.Memory
	mmio  *bus.MMIO
	clock bus.Clock
	irq   bus.IRQ

	// GHC is the global host control register; IS the per-port interrupt
	// pending bits.
	GHC, IS uint32
	// Ports are the implemented ports, 0 to len(Ports)-1.
	Ports []Port
	// Asserted is the level the controller drives its INTx line to.
	Asserted bool
	// Held says a completed command's interrupt may not raise the line
	// before the guest time Due.
	Held bool
	Due  float64

	fn   pciFunction
	abar abar
	// mapped is the base the ABAR is registered at on mmio, 0 for none.
	mapped uint32
}

// New returns a controller of ports ports (clamped to 1–MaxPorts), none with
// a disk attached. DMA goes through mem; the ABAR is registered on mmio
// wherever the guest programs BAR5; interrupts are timed on clock and drive
// irq, the function's INTA.
func New(mem bus.Memory, mmio *bus.MMIO, clock bus.Clock, irq bus.IRQ, ports int) *Controller {
	ports = min(max(ports, 1), MaxPorts)
	c := &Controller{mem: mem, mmio: mmio, clock: clock, irq: irq, Ports: make([]Port, ports)}
	c.abar.c = c
	c.fn.c = c
	for i := range c.Ports {
		c.Ports[i].c, c.Ports[i].index = c, i
	}
	c.Reset()
	return c
}

// Attach connects a SATA hard disk to port (nil disconnects it). Call it
// before the machine starts: the port goes to its power-on state.
func (c *Controller) Attach(port int, d *disk.Disk) {
	p := &c.Ports[port]
	p.disk = d
	p.powerOn()
	c.updateIRQ()
}

// PCI returns the function to place on the PCI bus.
func (c *Controller) PCI() pcicfg.Function { return &c.fn }

// Reset returns the controller to its power-on state: BAR5 unprogrammed
// (the ABAR unmapped), the ports stopped with their devices' signatures in
// their registers, and the interrupt line low.
func (c *Controller) Reset() {
	c.fn.init()
	c.mapABAR(0)
	c.GHC, c.IS = ghcAE, 0
	c.Held, c.Due = false, 0
	for i := range c.Ports {
		c.Ports[i].powerOn()
	}
	c.updateIRQ()
}

// hbaReset is GHC.HR: the guest resets the whole HBA. The ports' command
// list and FIS addresses survive; everything else starts over.
func (c *Controller) hbaReset() {
	c.GHC, c.IS = ghcAE, 0
	c.Held = false
	for i := range c.Ports {
		p := &c.Ports[i]
		clb, fb := p.CLB, p.FB
		p.powerOn()
		p.CLB, p.FB = clb, fb
	}
	c.updateIRQ()
}

// Tick raises a completed command's interrupt once it is due and returns
// the milliseconds until it is (bus.NoDeadline when nothing waits).
func (c *Controller) Tick(now float64) float64 {
	if !c.Held {
		return bus.NoDeadline
	}
	if now >= c.Due {
		c.Held = false
		c.updateIRQ()
		return bus.NoDeadline
	}
	return c.Due - now
}

// holdIRQ delays the line for an interrupt a command completion just posted.
func (c *Controller) holdIRQ() {
	c.Held = true
	c.Due = c.clock.Now() + irqDelay
}

// updateIRQ recomputes IS from the ports' enabled interrupt status and drives
// the line: high while GHC.IE is set and any port has an interrupt pending.
func (c *Controller) updateIRQ() {
	for i := range c.Ports {
		if c.Ports[i].IS&c.Ports[i].IE != 0 {
			c.IS |= 1 << i
		}
	}
	want := c.GHC&ghcIE != 0 && c.IS != 0
	switch {
	case !want:
		if c.Asserted {
			c.Asserted = false
			c.irq.Lower()
		}
	case c.Held:
		// The completion's interrupt waits for Tick; a line already high
		// for another reason stays high.
	case !c.Asserted:
		c.Asserted = true
		c.irq.Raise()
	}
}

// mapABAR registers the ABAR at base on the MMIO bus (0: nowhere).
func (c *Controller) mapABAR(base uint32) {
	if c.mmio == nil {
		return
	}
	if c.mapped != 0 {
		c.mmio.Unregister(&c.abar)
		c.mapped = 0
	}
	if base == 0 {
		return
	}
	// A base that overlaps another device leaves the registers unmapped.
	if c.mmio.Register(base, ABARSize, &c.abar, "ahci") == nil {
		c.mapped = base
	}
}

// Compile-time checks of the contracts the machine relies on.
var (
	_ bus.Timer      = (*Controller)(nil)
	_ bus.Resetter   = (*Controller)(nil)
	_ bus.MMIODevice = (*abar)(nil)
)
