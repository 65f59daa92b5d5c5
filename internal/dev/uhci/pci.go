package uhci

import (
	"encoding/binary"

	"github.com/do86/do86/internal/pcicfg"
)

// The PIIX3's USB function.
const (
	vendorIntel   = 0x8086
	devicePIIX3   = 0x7020
	classSerial   = 0x0C
	subclassUSB   = 0x03
	progIFUHCI    = 0x00
	revision      = 0x01
	barIO         = 4
	intxDisable   = pcicfg.CommandIntxOff
	regSBRN       = 0x60 // serial bus release number
	sbrnUSB10     = 0x10 // USB 1.0
	regLEGSUP     = 0xC0 // legacy support, 16 bits
	legsupDefault = 0x2000
)

// LEGSUP bits (PIIX3/PIIX4 datasheets, USB function register C0h).
const (
	// LegsupPIRQEnable routes the controller's interrupt to its PIRQ (INTD).
	LegsupPIRQEnable = 1 << 13
	// LegsupIRQStatus reads the controller's interrupt status.
	LegsupIRQStatus = 1 << 12
	// legsupRW are the read/write bits: the trap and SMI enables, A20
	// pass-through, and the PIRQ enable.
	legsupRW = 0x20BF
	// legsupRWC are the trap status bits, cleared by writing 1.
	legsupRWC = 0x8F00
)

// pciFunction is the USB function's configuration space.
type pciFunction struct {
	pcicfg.Config
	c *Controller
}

// init sets the power-on configuration space.
func (f *pciFunction) init() {
	f.Config = pcicfg.Config{}
	f.Init(vendorIntel, devicePIIX3, classSerial, subclassUSB, progIFUHCI, revision)
	f.Space[pcicfg.RegInterruptPin] = pcicfg.INTD
	f.Space[regSBRN] = sbrnUSB10
	binary.LittleEndian.PutUint16(f.Space[regLEGSUP:], legsupDefault)
	f.SetBAR(barIO, pcicfg.BAR{Size: IOSize, IO: true, Moved: f.c.moveIO})
}

func (f *pciFunction) legsup() uint16 { return binary.LittleEndian.Uint16(f.Space[regLEGSUP:]) }

func (f *pciFunction) pirqEnabled() bool { return f.legsup()&LegsupPIRQEnable != 0 }

// ConfigRead reads the space; LEGSUP's status bit follows the controller.
func (f *pciFunction) ConfigRead(reg uint8, size int) uint32 {
	v := f.Config.ConfigRead(reg, size)
	for i := 0; i < size; i++ {
		if int(reg)+i == regLEGSUP+1 && f.c.interrupting() {
			v |= LegsupIRQStatus >> 8 << (8 * i)
		}
	}
	return v
}

// ConfigWrite writes the space: LEGSUP by its bit rules, the rest as the
// header has it. A write may route or unroute the interrupt.
func (f *pciFunction) ConfigWrite(reg uint8, size int, v uint32) {
	var rest []int
	for i := 0; i < size; i++ {
		r := int(reg) + i
		if r != regLEGSUP && r != regLEGSUP+1 {
			rest = append(rest, i)
			continue
		}
		sh := 8 * (r - regLEGSUP)
		b := uint16(v>>(8*i)&0xFF) << sh
		m := uint16(0xFF) << sh
		old := f.legsup()
		nv := old&^(legsupRW&m) | b&legsupRW&m
		nv &^= b & legsupRWC & m
		binary.LittleEndian.PutUint16(f.Space[regLEGSUP:], nv)
	}
	if len(rest) == size {
		f.Config.ConfigWrite(reg, size, v)
	} else {
		for _, i := range rest {
			f.Config.ConfigWrite(reg+uint8(i), 1, v>>(8*i)&0xFF)
		}
	}
	f.c.epoch++ // bus mastering may have changed
	f.c.updateIRQ()
}

// moveIO registers the I/O registers at the base the guest gave BAR4.
func (c *Controller) moveIO(base uint32) {
	c.mapIO(base)
}

func (c *Controller) mapIO(base uint32) {
	if c.ports == nil {
		return
	}
	if c.mapped != 0 {
		c.ports.Unregister(&c.regs)
		c.mapped = 0
	}
	if base == 0 || base+IOSize > 0x10000 {
		return
	}
	// A base that overlaps another device leaves the registers unmapped.
	if c.ports.Register(uint16(base), IOSize, &c.regs, "uhci") == nil {
		c.mapped = uint16(base)
	}
}

// PCI returns the function to place on the PCI bus (slot 1, function 2 on
// a PIIX3 board).
func (c *Controller) PCI() pcicfg.Function { return &c.fn }
