// Package ide emulates the PIIX3 IDE function (PCI 00:01.1, 8086:7010) in
// legacy mode: two channels of two drives each, ATA hard disks (PIO, READ/WRITE
// MULTIPLE, LBA28/LBA48, bus-master DMA) and ATAPI CD-ROMs of 2048-byte
// sectors (the MMC commands SeaBIOS and Linux use).
//
// Just enough for firmware and operating systems to find, boot from and use
// disks and CDs: no native-mode channels, no timing registers that matter, no
// SMART, security, HPA, tagged queueing, audio or writable CD media. Commands
// complete a short virtual time after they are issued (in Tick, or at the
// host's first status read after that time), the disk I/O itself is done
// synchronously.
package ide

import (
	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/disk"
	"github.com/do86/do86/internal/pcicfg"
)

// Kind is what is attached at a drive position.
type Kind uint8

// Drive kinds.
const (
	None     Kind = iota // no drive
	HardDisk             // an ATA disk
	CDROM                // an ATAPI CD-ROM drive, with or without a medium
)

// The legacy-mode resources of the two channels.
const (
	PrimaryBase      = 0x1F0 // command block, 8 ports
	PrimaryControl   = 0x3F6 // alternate status / device control, 1 port
	PrimaryIRQ       = 14
	SecondaryBase    = 0x170
	SecondaryControl = 0x376
	SecondaryIRQ     = 15
	commandBlockLen  = 8
	bmBlockLen       = 16 // BAR4: 8 bus-master registers per channel
)

// completionDelay is how long (ms of guest time) a drive stays busy before a
// command's data or completion interrupt.
const completionDelay = 0.01

// Controller is the PIIX3 IDE function with its two channels.
type Controller struct {
	mem   bus.Memory
	clock bus.Clock
	ports *bus.Ports

	// Channels are the primary and secondary channel.
	Channels [2]channel

	fn pciFunction
	bm bmPorts
}

// New returns a controller with no drives attached. DMA goes through mem,
// completions are timed on clock, irq14 and irq15 are the channels' lines.
func New(mem bus.Memory, clock bus.Clock, irq14, irq15 bus.IRQ) *Controller {
	c := &Controller{mem: mem, clock: clock}
	c.bm.c = c
	c.fn.c = c
	for i, irq := range []bus.IRQ{irq14, irq15} {
		ch := &c.Channels[i]
		ch.c, ch.irq = c, irq
		for s := range ch.drives {
			ch.drives[s].ch = ch
			ch.drives[s].slot = s
		}
	}
	c.Reset()
	return c
}

// Attach puts a drive at channel (0 primary, 1 secondary) and slot (0
// master, 1 slave). A HardDisk needs a disk; a CDROM takes a read-only disk
// or nil for an empty drive. Attach with None removes the drive. Call it
// before the machine starts (it puts the drive in its power-on state).
func (c *Controller) Attach(channel, slot int, d *disk.Disk, kind Kind) {
	dr := &c.Channels[channel].drives[slot]
	dr.kind, dr.disk = kind, d
	if kind == HardDisk && d == nil {
		dr.kind = None
	}
	dr.powerOn()
}

// Register claims the legacy ports of both channels on p. The bus-master
// registers follow BAR4 wherever the guest places it.
func (c *Controller) Register(p *bus.Ports) error {
	c.ports = p
	regs := []struct {
		base uint16
		n    int
		dev  bus.PortDevice
		name string
	}{
		{PrimaryBase, commandBlockLen, commandBlock{&c.Channels[0]}, "ide0"},
		{PrimaryControl, 1, controlBlock{&c.Channels[0]}, "ide0-control"},
		{SecondaryBase, commandBlockLen, commandBlock{&c.Channels[1]}, "ide1"},
		{SecondaryControl, 1, controlBlock{&c.Channels[1]}, "ide1-control"},
	}
	for _, r := range regs {
		if err := p.Register(r.base, r.n, r.dev, r.name); err != nil {
			return err
		}
	}
	c.moveBM(c.fn.BARBase(4))
	return nil
}

// PCI returns the function to place at 00:01.1.
func (c *Controller) PCI() pcicfg.Function { return &c.fn }

// Reset returns the controller and its drives to their power-on state: the
// drives show their signatures, CD-ROMs owe a unit attention, and BAR4 is
// unprogrammed.
func (c *Controller) Reset() {
	for i := range c.Channels {
		ch := &c.Channels[i]
		ch.DevCtl, ch.Sel = 0, 0
		ch.BMCommand, ch.BMStatus, ch.PRD = 0, 0, 0
		for s := range ch.drives {
			ch.drives[s].powerOn()
		}
		ch.updateIRQ()
	}
	c.fn.init()
	c.moveBM(0)
}

// Tick completes whatever command is due at now and returns the
// milliseconds until the next one (bus.NoDeadline when idle).
func (c *Controller) Tick(now float64) float64 {
	next := float64(bus.NoDeadline)
	for i := range c.Channels {
		for s := range c.Channels[i].drives {
			d := &c.Channels[i].drives[s]
			if d.Event == evNone {
				continue
			}
			if d.Due <= now {
				ev := d.Event
				d.Event = evNone
				d.fire(ev)
			}
			if d.Event != evNone && d.Due-now < next {
				next = max(d.Due-now, 0)
			}
		}
	}
	return next
}

// Compile-time checks of the contracts the machine relies on.
var (
	_ bus.Timer    = (*Controller)(nil)
	_ bus.Resetter = (*Controller)(nil)
)
