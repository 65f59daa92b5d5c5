// Package bus holds the contracts between the machine and its devices — port
// and MMIO devices that see offsets from their own base, interrupt lines,
// guest-RAM access for DMA, and time — and the port and MMIO buses that
// dispatch the core's accesses to them.
//
// Nothing on the I/O path returns an error or starts a goroutine: the core
// calls out on every IN/OUT and every access to host-served memory, all on the
// one goroutine that owns the core.
package bus

// PortDevice is a device on the I/O port bus. It sees offsets from the base it
// was registered at, never absolute ports. size is 1, 2 or 4. A device returns
// all ones for registers it does not implement.
type PortDevice interface {
	ReadPort(off uint16, size int) uint32
	WritePort(off uint16, size int, v uint32)
}

// MMIODevice is a device on the memory-mapped I/O bus. It sees offsets from
// its own base. size is 1, 2 or 4.
type MMIODevice interface {
	ReadMMIO(off uint32, size int) uint32
	WriteMMIO(off uint32, size int, v uint32)
}

// IRQ is one device's connection to an interrupt line. Raise and Lower are
// idempotent for that device: the line is a wired-OR of every device on it.
// An edge-triggered ISA device pulses with Lower then Raise.
type IRQ interface {
	Raise()
	Lower()
}

// Memory is guest physical memory as DMA engines see it. WritePhys also tells
// the core's JIT that the range changed. Beyond RAM nothing answers a bus
// master, as on a PC: writes are dropped and reads are all ones.
type Memory interface {
	ReadPhys(addr uint32, p []byte)
	WritePhys(addr uint32, p []byte)
}

// Clock is the guest's virtual clock in milliseconds: it follows host time
// while the machine runs and stops while it is paused.
type Clock interface {
	Now() float64
}

// Timer is implemented by devices with time-driven events (counters, command
// completion, transmit). The machine calls Tick from the core's
// run_hardware_timers with the current guest time; Tick fires whatever is due
// and returns the milliseconds until it next needs to be called
// (NoDeadline when nothing is pending).
type Timer interface {
	Tick(now float64) float64
}

// NoDeadline is what Timer.Tick returns when nothing is scheduled.
const NoDeadline = 1e9

// Waker is a Clock that takes note of a device's new deadline between timer
// runs. The machine runs due timers when the guest reads a port, so a guest
// polling for a completion (a status register, or a timer port in a delay
// loop) sees it as soon as it is due, not at the end of the core's slice.
type Waker interface {
	Due(at float64)
}

// Due tells c, when it is a Waker, that a device needs Tick at time at.
func Due(c Clock, at float64) {
	if w, ok := c.(Waker); ok {
		w.Due(at)
	}
}

// Resetter is implemented by devices that return to their power-on state on a
// machine reset.
type Resetter interface {
	Reset()
}

// ReadSplit serves a 2- or 4-byte access to a device made of byte registers by
// reading consecutive offsets, lowest first, as an x86 does on the ISA bus.
func ReadSplit(read func(off uint16) uint8, off uint16, size int) uint32 {
	var v uint32
	for i := 0; i < size; i++ {
		v |= uint32(read(off+uint16(i))) << (8 * i)
	}
	return v
}

// WriteSplit is the write half of ReadSplit.
func WriteSplit(write func(off uint16, v uint8), off uint16, size int, v uint32) {
	for i := 0; i < size; i++ {
		write(off+uint16(i), uint8(v>>(8*i)))
	}
}

// Ones returns the all-ones value of an access of size bytes, what a read of
// nothing returns.
func Ones(size int) uint32 {
	switch size {
	case 1:
		return 0xFF
	case 2:
		return 0xFFFF
	}
	return 0xFFFFFFFF
}

// BytePort is a device of one 8-bit register at one port, such as the
// keyboard controller's data and command ports. A wider access reaches the
// register with its low byte; the bytes above it belong to no one and read
// all ones.
type BytePort struct {
	Read  func() uint8
	Write func(v uint8)
}

// ReadPort reads the register.
func (p BytePort) ReadPort(off uint16, size int) uint32 {
	return ReadSplit(func(o uint16) uint8 {
		if o != 0 {
			return 0xFF
		}
		return p.Read()
	}, off, size)
}

// WritePort writes the register.
func (p BytePort) WritePort(off uint16, size int, v uint32) {
	WriteSplit(func(o uint16, b uint8) {
		if o == 0 {
			p.Write(b)
		}
	}, off, size, v)
}
