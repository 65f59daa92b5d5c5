// Package i8237 emulates the PC's pair of Intel 8237 DMA controllers —
// channels 0–3 (8-bit, ports 0x00–0x0F), channels 4–7 (16-bit, ports
// 0xC0–0xDF) — and the page registers at 0x80–0x8F.
//
// Just enough for the floppy controller and the guests that program it:
// devices move data with WriteMemory and ReadMemory, which honour each
// channel's address, count, page, direction, auto-initialisation and mask.
// It deliberately does not time transfers, model DREQ/DACK handshakes, the
// cascade between the two chips, memory-to-memory transfers or priorities.
package i8237

import "github.com/do86/do86/internal/bus"

// Controller registers, by index from the controller's base (the 16-bit
// controller spaces them two ports apart).
const (
	RegStatusCommand = 0x8 // read status, write command
	RegRequest       = 0x9 // write request
	RegSingleMask    = 0xA // write single mask bit
	RegMode          = 0xB // write mode
	RegClearFlipFlop = 0xC // write: clear byte pointer flip-flop
	RegMasterClear   = 0xD // read temporary, write master clear
	RegClearMask     = 0xE // write: clear all mask bits
	RegAllMask       = 0xF // read/write all mask bits
)

// Mode register fields.
const (
	ModeChannelMask  = 0x03
	ModeTransferMask = 0x0C
	ModeVerify       = 0x00 // no memory access
	ModeWrite        = 0x04 // device to memory
	ModeRead         = 0x08 // memory to device
	ModeAutoInit     = 0x10
	ModeDecrement    = 0x20
	ModeModeMask     = 0xC0 // demand, single, block, cascade
)

// CommandDisable is the command register's controller disable bit.
const CommandDisable = 0x04

// pageIndex maps a channel to its page register (offset from 0x80).
var pageIndex = [8]int{0x7, 0x3, 0x1, 0x2, 0xF, 0xB, 0x9, 0xA}

// Channel is one DMA channel's registers. Addresses and counts of channels
// 4–7 are in 16-bit words.
type Channel struct {
	BaseAddr, BaseCount uint16
	Addr, Count         uint16 // current address and count (units left minus one)
	Mode                uint8
}

// Controller is the state of one 8237 beyond its channels.
type Controller struct {
	Command  uint8
	Status   uint8 // bits 3–0 terminal count reached, 7–4 request pending
	Request  uint8 // software requests, bits 3–0
	Mask     uint8 // bits 3–0
	FlipFlop bool  // the next byte of an address or count is the high byte
}

// DMA is both controllers and the page registers.
type DMA struct {
	Ch    [8]Channel
	C     [2]Controller
	Pages [16]uint8 // page registers 0x80–0x8F, including the unused ones

	mem bus.Memory
}

// New returns the DMA controllers moving data to and from mem.
func New(mem bus.Memory) *DMA {
	d := &DMA{mem: mem}
	d.Reset()
	return d
}

// Reset is a master clear of both controllers: every channel masked.
func (d *DMA) Reset() {
	d.Ch = [8]Channel{}
	d.Pages = [16]uint8{}
	d.masterClear(0)
	d.masterClear(1)
}

func (d *DMA) masterClear(c int) {
	d.C[c] = Controller{Mask: 0x0F}
}

// port is one controller's register file as a port device.
type port struct {
	d     *DMA
	c     int
	shift uint // 0 for the 8-bit controller, 1 for the 16-bit one
}

// Low returns the 8-bit controller (channels 0–3), 16 ports at 0x00.
func (d *DMA) Low() bus.PortDevice { return &port{d: d, c: 0} }

// High returns the 16-bit controller (channels 4–7), 32 ports at 0xC0.
func (d *DMA) High() bus.PortDevice { return &port{d: d, c: 1, shift: 1} }

// PageRegisters returns the page registers, 16 ports at 0x80.
func (d *DMA) PageRegisters() bus.PortDevice { return pages{d} }

// Register puts both controllers and the page registers on p.
func (d *DMA) Register(p *bus.Ports) error {
	if err := p.Register(0x00, 16, d.Low(), "dma1"); err != nil {
		return err
	}
	if err := p.Register(0xC0, 32, d.High(), "dma2"); err != nil {
		return err
	}
	return p.Register(0x80, 16, d.PageRegisters(), "dma-page")
}

// ReadPort reads a controller register.
func (p *port) ReadPort(off uint16, size int) uint32 {
	return bus.ReadSplit(func(off uint16) uint8 { return p.d.read(p.c, int(off>>p.shift)) }, off, size)
}

// WritePort writes a controller register.
func (p *port) WritePort(off uint16, size int, v uint32) {
	bus.WriteSplit(func(off uint16, v uint8) { p.d.write(p.c, int(off>>p.shift), v) }, off, size, v)
}

// flip returns which byte of a 16-bit register this access reaches and
// toggles the flip-flop.
func (c *Controller) flip() (high bool) {
	high = c.FlipFlop
	c.FlipFlop = !c.FlipFlop
	return high
}

func (d *DMA) read(c int, reg int) uint8 {
	ctl := &d.C[c]
	if reg < 8 {
		ch := &d.Ch[c*4+(reg>>1)]
		v := ch.Addr
		if reg&1 != 0 {
			v = ch.Count
		}
		if ctl.flip() {
			return uint8(v >> 8)
		}
		return uint8(v)
	}
	switch reg {
	case RegStatusCommand:
		// Reading the status clears the terminal count bits.
		v := ctl.Status&0x0F | ctl.Request<<4
		ctl.Status &^= 0x0F
		return v
	case RegMasterClear:
		return 0 // temporary register: memory-to-memory is not done
	case RegAllMask:
		return 0xF0 | ctl.Mask
	}
	return 0xFF
}

func (d *DMA) write(c int, reg int, v uint8) {
	ctl := &d.C[c]
	if reg < 8 {
		ch := &d.Ch[c*4+(reg>>1)]
		base, cur := &ch.BaseAddr, &ch.Addr
		if reg&1 != 0 {
			base, cur = &ch.BaseCount, &ch.Count
		}
		if ctl.flip() {
			*base = *base&0x00FF | uint16(v)<<8
		} else {
			*base = *base&0xFF00 | uint16(v)
		}
		*cur = *base
		return
	}
	bit := uint8(1) << (v & 3)
	switch reg {
	case RegStatusCommand:
		ctl.Command = v
	case RegRequest:
		if v&4 != 0 {
			ctl.Request |= bit
		} else {
			ctl.Request &^= bit
		}
	case RegSingleMask:
		if v&4 != 0 {
			ctl.Mask |= bit
		} else {
			ctl.Mask &^= bit
		}
	case RegMode:
		d.Ch[c*4+int(v&3)].Mode = v
	case RegClearFlipFlop:
		ctl.FlipFlop = false
	case RegMasterClear:
		d.masterClear(c)
	case RegClearMask:
		ctl.Mask = 0
	case RegAllMask:
		ctl.Mask = v & 0x0F
	}
}

// pages is the page register block; every byte reads back what was written.
type pages struct{ d *DMA }

// ReadPort reads page registers.
func (p pages) ReadPort(off uint16, size int) uint32 {
	return bus.ReadSplit(func(off uint16) uint8 {
		if off >= 16 {
			return 0xFF
		}
		return p.d.Pages[off]
	}, off, size)
}

// WritePort writes page registers.
func (p pages) WritePort(off uint16, size int, v uint32) {
	bus.WriteSplit(func(off uint16, v uint8) {
		if off < 16 {
			p.d.Pages[off] = v
		}
	}, off, size, v)
}
