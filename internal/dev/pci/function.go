// Package pci is PCI configuration mechanism #1 (ports 0xCF8/0xCFC) on bus 0;
// the chipset's i440FX host bridge and PIIX3 ISA bridge functions; and Router,
// which steers functions' INTx pins to ISA lines through the PIIX3's PIRQs.
// The configuration space each function embeds is package pcicfg.
//
// Just enough for SeaBIOS and the guests: one bus, no bridges, no MSI, no
// expansion ROM BARs, no APIC-only routing.
package pci

import (
	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/pcicfg"
)

// Bus is configuration mechanism #1: the address register at 0xCF8 and the
// data window at 0xCFC–0xCFF, for bus 0. Functions absent from the bus read
// all ones, which is how the guest's scan finds nothing there.
//
// Register it either for the eight ports 0xCF8–0xCFF, or — when 0xCF9 is the
// PIIX reset control register, as on a PC — for the one port 0xCF8 and
// Data() for the four ports at 0xCFC.
type Bus struct {
	// Addr is the address register: enable bit 31, bus 23–16, device
	// 15–11, function 10–8, dword register 7–2.
	Addr  uint32
	slots [32][8]pcicfg.Function
}

// Add places f at device dev, function fn of bus 0.
func (b *Bus) Add(dev, fn int, f pcicfg.Function) { b.slots[dev][fn] = f }

func (b *Bus) target() (pcicfg.Function, uint8) {
	if b.Addr&0x80000000 == 0 || (b.Addr>>16)&0xFF != 0 {
		return nil, 0
	}
	return b.slots[(b.Addr>>11)&31][(b.Addr>>8)&7], uint8(b.Addr & 0xFC)
}

// ReadPort serves ports 0xCF8–0xCFF (offset 0 = 0xCF8). The address
// register answers dword reads; narrower reads see its bytes.
func (b *Bus) ReadPort(off uint16, size int) uint32 {
	if off < 4 {
		return uint32(uint64(b.Addr) >> (8 * off))
	}
	return b.readData(off-4, size)
}

// WritePort serves ports 0xCF8–0xCFF. Only a dword write at 0xCF8 sets the
// address; byte writes there (a guest probing for mechanism #2) are ignored.
func (b *Bus) WritePort(off uint16, size int, v uint32) {
	if off < 4 {
		if off == 0 && size == 4 {
			b.Addr = v & 0x80FFFFFC
		}
		return
	}
	b.writeData(off-4, size, v)
}

func (b *Bus) readData(o uint16, size int) uint32 {
	f, reg := b.target()
	if f == nil {
		return bus.Ones(size)
	}
	if int(o)+size > 4 {
		size = 4 - int(o)
	}
	return f.ConfigRead(reg+uint8(o), size)
}

func (b *Bus) writeData(o uint16, size int, v uint32) {
	f, reg := b.target()
	if f == nil {
		return
	}
	if int(o)+size > 4 {
		size = 4 - int(o)
	}
	f.ConfigWrite(reg+uint8(o), size, v)
}

// Data returns the data window 0xCFC–0xCFF as a device of its own (offset
// 0 = 0xCFC), for a machine that registers the bus at 0xCF8 alone.
func (b *Bus) Data() bus.PortDevice { return dataWindow{b} }

type dataWindow struct{ b *Bus }

// ReadPort reads the selected function's configuration space.
func (d dataWindow) ReadPort(off uint16, size int) uint32 { return d.b.readData(off&3, size) }

// WritePort writes the selected function's configuration space.
func (d dataWindow) WritePort(off uint16, size int, v uint32) {
	d.b.writeData(off&3, size, v)
}
