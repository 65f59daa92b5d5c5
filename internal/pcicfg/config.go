// Package pcicfg is a PCI function's type-0 configuration space: the
// standard header with its writable bits, BARs that answer size probes and
// report moves, and the state a snapshot keeps of it. Every PCI device
// embeds a Config; the bus that reaches it is internal/dev/pci.
package pcicfg

import "encoding/binary"

// Function is one PCI function's configuration space as the host bridge sees
// it. reg is the byte offset (0–255) of an access of size 1, 2 or 4 bytes
// that never crosses a dword.
type Function interface {
	ConfigRead(reg uint8, size int) uint32
	ConfigWrite(reg uint8, size int, v uint32)
}

// Standard header registers.
const (
	RegVendorID      = 0x00
	RegDeviceID      = 0x02
	RegCommand       = 0x04
	RegStatus        = 0x06
	RegRevision      = 0x08
	RegProgIF        = 0x09
	RegSubclass      = 0x0A
	RegClass         = 0x0B
	RegHeaderType    = 0x0E
	RegBAR0          = 0x10
	RegSubsysVendor  = 0x2C
	RegSubsysID      = 0x2E
	RegInterruptLine = 0x3C
	RegInterruptPin  = 0x3D
)

// INTx pins, as the Interrupt Pin register numbers them.
const (
	INTA = 1
	INTB = 2
	INTC = 3
	INTD = 4
)

// Command register bits.
const (
	CommandIO      = 1 << 0
	CommandMemory  = 1 << 1
	CommandMaster  = 1 << 2
	CommandIntxOff = 1 << 10
)

// BAR describes one base address register.
type BAR struct {
	Size uint32 // a power of two; 0 = not implemented
	IO   bool   // an I/O BAR (else 32-bit memory)
	// Fixed, when non-zero, is the address the BAR always reads, whatever
	// the guest writes (the VGA's framebuffer, which the core fixes).
	Fixed uint32
	// Moved is called with the new base when the guest programs the BAR to
	// a base other than the one last reported (not on size probes, nor on
	// the write that restores the base after a probe). Decoding does not
	// wait for the command register's enable bits.
	Moved func(base uint32)
}

// Config is the 256-byte configuration space of a type-0 function, with the
// writable bits of the standard header and BARs that answer size probes.
// Functions embed it and override ConfigRead/ConfigWrite for their own
// registers beyond 0x40.
type Config struct {
	Space [256]byte
	BARs  [6]BAR
	// Reported holds the base each BAR's Moved callback last heard (the
	// initial base until then), so that a size probe and the write that
	// restores the old value are not reported as moves.
	Reported [6]uint32
	// Writable masks the bits of Space the guest may change (beyond the
	// header's own rules); set bits are writable.
	Writable [256]byte
}

// Init sets the identity of the function and the writable bits of the header.
func (c *Config) Init(vendor, device uint16, class, subclass, progIF, revision uint8) {
	binary.LittleEndian.PutUint16(c.Space[RegVendorID:], vendor)
	binary.LittleEndian.PutUint16(c.Space[RegDeviceID:], device)
	c.Space[RegClass], c.Space[RegSubclass], c.Space[RegProgIF], c.Space[RegRevision] = class, subclass, progIF, revision
	c.Writable[RegCommand] = 0x07
	c.Writable[RegCommand+1] = 0x04
	c.Writable[0x0C] = 0xFF // cache line size
	c.Writable[0x0D] = 0xFF // latency timer
	c.Writable[RegInterruptLine] = 0xFF
}

// SetBAR declares BAR i. The BAR's type bits are set in Space.
func (c *Config) SetBAR(i int, b BAR) {
	c.BARs[i] = b
	v := b.Fixed
	if b.IO {
		v |= 1
	}
	binary.LittleEndian.PutUint32(c.Space[RegBAR0+4*i:], v)
	c.Reported[i] = c.BARBase(i)
}

// BARBase returns the base address BAR i is programmed to.
func (c *Config) BARBase(i int) uint32 {
	v := binary.LittleEndian.Uint32(c.Space[RegBAR0+4*i:])
	if c.BARs[i].IO {
		return v &^ 3
	}
	return v &^ 0xF
}

// Command returns the command register.
func (c *Config) Command() uint16 { return binary.LittleEndian.Uint16(c.Space[RegCommand:]) }

// ConfigRead reads the space.
func (c *Config) ConfigRead(reg uint8, size int) uint32 {
	var v uint32
	for i := 0; i < size; i++ {
		v |= uint32(c.Space[int(reg)+i]) << (8 * i)
	}
	return v
}

// ConfigWrite writes the space, honouring writable bits and BAR sizes.
func (c *Config) ConfigWrite(reg uint8, size int, v uint32) {
	if reg >= RegBAR0 && reg < RegBAR0+24 {
		c.writeBAR(reg, size, v)
		return
	}
	if reg == RegStatus || reg == RegStatus+1 && size == 1 {
		// Status bits are write-one-to-clear; none are set here.
		if size <= 2 {
			return
		}
	}
	for i := 0; i < size; i++ {
		r := int(reg) + i
		if r == RegStatus || r == RegStatus+1 {
			continue
		}
		b := uint8(v >> (8 * i))
		m := c.Writable[r]
		c.Space[r] = c.Space[r]&^m | b&m
	}
}

func (c *Config) writeBAR(reg uint8, size int, v uint32) {
	i := int(reg-RegBAR0) / 4
	o := int(reg-RegBAR0) % 4
	cur := binary.LittleEndian.Uint32(c.Space[RegBAR0+4*i:])
	// A memory BAR's type bits (space, type, prefetchable) are read-only.
	typeBits := cur & 0xF
	// Merge a partial write into the dword.
	for k := 0; k < size; k++ {
		sh := 8 * (o + k)
		cur = cur&^(0xFF<<sh) | (v>>(8*k)&0xFF)<<sh
	}
	b := c.BARs[i]
	if b.Size == 0 {
		binary.LittleEndian.PutUint32(c.Space[RegBAR0+4*i:], 0)
		return
	}
	var nv uint32
	if b.Fixed != 0 {
		// Answer size probes; otherwise keep the fixed address.
		if cur&^0xF == 0xFFFFFFF0 {
			nv = ^(b.Size - 1)
		} else {
			nv = b.Fixed
		}
	} else {
		nv = cur & ^(b.Size - 1)
	}
	if b.IO {
		nv = nv&^3 | 1
	} else {
		nv = nv&^0xF | typeBits
	}
	binary.LittleEndian.PutUint32(c.Space[RegBAR0+4*i:], nv)
	probe := nv&^0xF == ^(b.Size-1)&^0xF
	if b.Fixed != 0 || probe || c.BARBase(i) == c.Reported[i] {
		return
	}
	c.Reported[i] = c.BARBase(i)
	if b.Moved != nil {
		b.Moved(c.Reported[i])
	}
}

// ConfigState is what a snapshot keeps of a function's configuration space:
// its bytes and the BAR bases last reported. BAR sizes, writable masks and
// callbacks are the function's wiring. Every PCI function's State holds one.
type ConfigState struct {
	Space    [256]byte
	Reported [6]uint32
}

// SaveConfig returns the space's state.
func (c *Config) SaveConfig() ConfigState { return ConfigState{c.Space, c.Reported} }

// LoadConfig restores a space from SaveConfig and calls each BAR's Moved
// callback with the base it had, so that the function's I/O and memory
// ranges are registered again where the guest had put them.
func (c *Config) LoadConfig(s ConfigState) {
	c.Space, c.Reported = s.Space, s.Reported
	for i, b := range c.BARs {
		if b.Moved != nil {
			b.Moved(c.Reported[i])
		}
	}
}
