// Package ne2k emulates an NE2000-compatible Ethernet card: a National
// Semiconductor DP8390 network interface controller with 32 KiB of buffer
// memory, the station address PROM, the remote DMA data port and the reset
// port, behind one of two front-ends — a Realtek RTL8029AS on PCI (10ec:8029,
// one I/O BAR, INTA) or an ISA NE2000 at I/O 0x300, IRQ 5.
//
// Just enough for the NE2000 drivers of Linux (ne, ne2k-pci), the BSDs,
// KolibriOS, HelenOS and DOS packet drivers: register pages 0-2 (and the
// RTL8029AS's identification bytes in pages 0 and 3), remote DMA read and
// write through the data port in byte and word mode (and 32-bit PCI
// accesses), the "send packet" command, the receive ring with its boundary
// and current pages and the overflow rules, transmit, the physical,
// broadcast, multicast-hash and promiscuous accept rules, runt and
// oversized frames, monitor mode, internal loopback, the tally counters and
// the interrupt status and mask registers.
//
// Deliberately not: timing (a frame leaves the moment TXP is written, and
// arrives the moment the ring has room for it — frames wait on the Wire
// meanwhile), collisions and bad frames (the wire is perfect: frames carry
// no FCS and none is ever damaged, so CRC, alignment and FIFO errors never
// happen), the FIFO register's contents, the local DMA's byte order and
// burst options, and the RTL8029AS's EEPROM, boot ROM, full-duplex, LED and
// power-management registers.
package ne2k

import (
	"github.com/do86/do86/internal/bus"
)

// Model names a front-end.
type Model string

// The front-ends.
const (
	// RTL8029 is the Realtek RTL8029AS PCI card (10ec:8029).
	RTL8029 Model = "rtl8029"
	// ISA is a Novell NE2000 on the ISA bus.
	ISA Model = "ne2k-isa"
)

// The ISA card's conventional resources, which HelenOS's driver expects.
const (
	ISABase = 0x300
	ISAIRQ  = 5
)

// Wire connects a card to a network. The card calls it on the emulation
// goroutine; none of its methods may block.
type Wire interface {
	// Transmit hands out a frame the guest sent. The slice is the card's:
	// the wire copies what it keeps.
	Transmit(frame []byte)
	// Peek returns the next frame waiting for the card, or nil. It stays
	// waiting until Pop.
	Peek() []byte
	// Pop removes the frame Peek returned.
	Pop()
}

// Card is an NE2000-compatible card. Its registers are the embedded State.
type Card struct {
	State
	model Model
	irq   bus.IRQ
	wire  Wire
	ports *bus.Ports
	fn    *pciFunction // the RTL8029AS's configuration space; nil on ISA
	prom  [32]byte
	txBuf [MaxFrame]byte
	// Dropped counts the frames the card did not keep: filtered out,
	// runts, oversized, missed for want of room, or sent while too long.
	Dropped uint64
}

// NewRTL8029 returns an RTL8029AS with station address mac, interrupting on
// irq (its INTA pin) and connected to wire (nil: no cable). Its I/O BAR is
// registered on ports where the guest programs it; add PCI() to the bus.
func NewRTL8029(ports *bus.Ports, irq bus.IRQ, mac [6]byte, wire Wire) *Card {
	c := &Card{model: RTL8029, irq: irq, wire: wire, ports: ports}
	c.fn = &pciFunction{c: c}
	c.MAC = mac
	c.Reset()
	return c
}

// NewISA returns an ISA NE2000 with station address mac on irq (the
// machine's line 5, by convention) connected to wire (nil: no cable). Put
// it on the port bus with Register.
func NewISA(irq bus.IRQ, mac [6]byte, wire Wire) *Card {
	c := &Card{model: ISA, irq: irq, wire: wire}
	c.MAC = mac
	c.Reset()
	return c
}

// Register puts an ISA card's ports at base (ISABase by convention).
func (c *Card) Register(ports *bus.Ports, base uint16) error {
	return ports.Register(base, Ports, c, "ne2k")
}

// Model returns the card's front-end.
func (c *Card) Model() Model { return c.model }

// Reset returns the card to its power-on state, its station address kept.
func (c *Card) Reset() {
	c.State = State{Model: c.model, MAC: c.MAC}
	c.setPROM()
	c.reset()
	if c.fn != nil {
		c.fn.init()
	}
	c.update()
}

// reset is what the reset port and power-on do to the DP8390: stopped, no
// remote DMA, the reset status set and every interrupt masked.
func (c *Card) reset() {
	c.CR = CRSTP | CRRDAbort
	c.ISR = ISRRST
	c.IMR = 0
	c.update()
}

// setPROM lays out the station address PROM as an NE2000's: sixteen bytes,
// the address then 0x57 0x57 ("W", a 16-bit card) at the end, each byte
// doubled on the card's 16-bit bus.
func (c *Card) setPROM() {
	var p [16]byte
	copy(p[:], c.MAC[:])
	p[14], p[15] = 0x57, 0x57
	for i, b := range p {
		c.prom[2*i], c.prom[2*i+1] = b, b
	}
}

// update drives the interrupt output: asserted while an unmasked status bit
// is set.
func (c *Card) update() {
	bus.SetLevel(c.irq, c.ISR&c.IMR&0x7F != 0)
}

// ReadPort reads a register, the data port or the reset port.
func (c *Card) ReadPort(off uint16, size int) uint32 {
	switch {
	case off >= ResetPort:
		c.reset()
		return 0
	case off >= DataPort:
		return c.dataRead(size)
	}
	return bus.ReadSplit(func(o uint16) uint8 {
		if o >= DataPort {
			return 0xFF
		}
		return c.readReg(uint8(o))
	}, off, size)
}

// WritePort writes a register or the data port; writes to the reset port
// end the reset pulse and change nothing.
func (c *Card) WritePort(off uint16, size int, v uint32) {
	switch {
	case off >= ResetPort:
		return
	case off >= DataPort:
		c.dataWrite(size, v)
		return
	}
	bus.WriteSplit(func(o uint16, b uint8) {
		if o < DataPort {
			c.writeReg(uint8(o), b)
		}
	}, off, size, v)
}

func (c *Card) readReg(off uint8) uint8 {
	if off == CR {
		return c.CR
	}
	switch c.CR & CRPS {
	case 0x00:
		return c.readPage0(off)
	case 0x40:
		switch {
		case off <= PAR0+5:
			return c.PAR[off-PAR0]
		case off == CURR:
			return c.CURR
		default:
			return c.MAR[off-MAR0]
		}
	case 0x80:
		return c.readPage2(off)
	}
	if c.model == RTL8029 {
		switch off {
		case ASID0:
			return 0x29
		case ASID1:
			return 0x80
		}
		return 0
	}
	return 0xFF
}

func (c *Card) readPage0(off uint8) uint8 {
	switch off {
	case CLDA0:
		return uint8(c.CLDA)
	case CLDA1:
		return uint8(c.CLDA >> 8)
	case BNRY:
		return c.BNRY
	case TSR:
		return c.TSR
	case NCR:
		return 0
	case FIFO:
		return 0
	case ISR:
		return c.ISR
	case CRDA0:
		return uint8(c.RSAR)
	case CRDA1:
		return uint8(c.RSAR >> 8)
	case ID0, ID1:
		if c.model == RTL8029 {
			return "PC"[off-ID0]
		}
		return 0xFF
	case RSR:
		return c.RSR
	}
	// The tally counters clear when read.
	i := off - CNTR0
	v := c.CNTR[i]
	c.CNTR[i] = 0
	return v
}

func (c *Card) readPage2(off uint8) uint8 {
	switch off {
	case PSTART:
		return c.PSTART
	case PSTOP:
		return c.PSTOP
	case RNPP:
		return c.RNPP
	case TPSR:
		return c.TPSR
	case LNPP:
		return c.CURR
	case ACU:
		return uint8(c.AC >> 8)
	case ACL:
		return uint8(c.AC)
	case RCR:
		return c.RCR
	case TCR:
		return c.TCR
	case DCR:
		return c.DCR
	case IMR:
		return c.IMR
	}
	return 0xFF
}

func (c *Card) writeReg(off uint8, v uint8) {
	if off == CR {
		c.writeCR(v)
		return
	}
	switch c.CR & CRPS {
	case 0x00:
		c.writePage0(off, v)
	case 0x40:
		switch {
		case off <= PAR0+5:
			c.PAR[off-PAR0] = v
		case off == CURR:
			c.CURR = v
		default:
			c.MAR[off-MAR0] = v
		}
	case 0x80:
		switch off {
		case CLDA0:
			c.CLDA = c.CLDA&0xFF00 | uint16(v)
		case CLDA1:
			c.CLDA = c.CLDA&0x00FF | uint16(v)<<8
		case RNPP:
			c.RNPP = v
		case LNPP:
			c.CURR = v
		case ACU:
			c.AC = c.AC&0x00FF | uint16(v)<<8
		case ACL:
			c.AC = c.AC&0xFF00 | uint16(v)
		}
	}
}

func (c *Card) writePage0(off uint8, v uint8) {
	switch off {
	case PSTART:
		c.PSTART = v
	case PSTOP:
		c.PSTOP = v
	case BNRY:
		c.BNRY = v
		// Packets were removed: the overflow's reset status clears, and
		// frames that waited for room may come in.
		c.ISR &^= ISRRST
		if c.CR&CRSTP != 0 {
			c.ISR |= ISRRST
		}
		c.Poll()
	case TPSR:
		c.TPSR = v
	case TBCR0:
		c.TBCR = c.TBCR&0xFF00 | uint16(v)
	case TBCR1:
		c.TBCR = c.TBCR&0x00FF | uint16(v)<<8
	case ISR:
		c.ISR &^= v & 0x7F
		if v&ISRPRX != 0 && c.receiving() && !c.ringEmpty() {
			// Frames the guest has not read keep PRX up: a driver
			// that acknowledges before it has seen them all (Linux's
			// does after nine) still hears of them.
			c.ISR |= ISRPRX
		}
		c.update()
		c.Poll()
	case RSAR0:
		c.RSAR = c.RSAR&0xFF00 | uint16(v)
	case RSAR1:
		c.RSAR = c.RSAR&0x00FF | uint16(v)<<8
	case RBCR0:
		c.RBCR = c.RBCR&0xFF00 | uint16(v)
	case RBCR1:
		c.RBCR = c.RBCR&0x00FF | uint16(v)<<8
	case RCR:
		c.RCR = v & 0x3F
		c.Poll()
	case TCR:
		c.TCR = v & 0x1F
		c.Poll()
	case DCR:
		c.DCR = v & 0x7F
	case IMR:
		c.IMR = v & 0x7F
		c.update()
	}
}

// writeCR carries out a command: stop or start, a remote DMA command, a
// transmission, and the page select.
func (c *Card) writeCR(v uint8) {
	run := c.CR & (CRSTP | CRSTA)
	switch {
	case v&CRSTP != 0:
		run = CRSTP
		c.ISR |= ISRRST
	case v&CRSTA != 0:
		run = CRSTA
		c.ISR &^= ISRRST
	}
	c.CR = v&(CRRD|CRPS) | run
	if v&CRRDAbort == 0 {
		switch v & CRRD {
		case CRRDRead, CRRDWrite:
			if c.RBCR == 0 {
				c.ISR |= ISRRDC
			}
		case CRRDSend:
			c.sendPacket()
		}
	}
	if v&CRTXP != 0 && run == CRSTA {
		c.transmit()
	}
	c.update()
	c.Poll()
}

// Tick moves frames that wait on the wire into the ring (bus.Timer); the
// machine also calls Poll when one arrives. While a frame waits for room it
// asks to be called again soon, in case the guest makes room in a way that
// writes no register.
func (c *Card) Tick(now float64) float64 {
	c.Poll()
	if c.wire != nil && c.wire.Peek() != nil {
		return 10
	}
	return bus.NoDeadline
}
