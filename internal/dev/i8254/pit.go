// Package i8254 emulates the Intel 8254 programmable interval timer at ports
// 0x40–0x43 and the timer half of system control port B (0x61).
//
// Just enough for BIOSes and guests: all six modes with counts computed from
// the guest clock, latch and read-back commands, counter 0 on IRQ 0 and
// counter 2's gate and output on port 0x61. It deliberately makes no sound
// and delivers at most one timer interrupt per Tick however long the guest
// was away.
package i8254

import (
	"math"

	"github.com/do86/do86/internal/bus"
)

// InputHz is the frequency of the counters' clock input.
const InputHz = 1193182

// Port offsets from the base (0x40).
const (
	PortCounter0 = 0
	PortCounter1 = 1
	PortCounter2 = 2
	PortControl  = 3
)

// Control word fields.
const (
	SelectReadBack = 3 << 6 // SC1 SC0 = 11: read-back command
	ReadBackCount  = 1 << 5 // read-back: 0 latches the count
	ReadBackStatus = 1 << 4 // read-back: 0 latches the status
)

// PIT is the timer. Counters 0 and 1 have their gates tied high; counter 0's
// OUT drives IRQ 0, counter 1 is the legacy refresh timer, counter 2's gate
// and OUT are on port 0x61.
type PIT struct {
	C [3]Counter

	// PortB holds the writable bits of port 0x61 (gate 2, speaker, and
	// the parity/channel check enables); Refresh is the toggle of bit 4.
	PortB   uint8
	Refresh bool
	// IRQLevel is the level IRQ 0 was last driven to.
	IRQLevel bool

	clock bus.Clock
	irq0  bus.IRQ
}

// New returns a PIT in its power-on state reading time from clock and
// pulsing irq0 for counter 0.
func New(clock bus.Clock, irq0 bus.IRQ) *PIT {
	p := &PIT{clock: clock, irq0: irq0}
	p.Reset()
	return p
}

// Reset returns the timer to its power-on state: no counter programmed,
// speaker and gate 2 off.
func (p *PIT) Reset() {
	p.C[0].reset(true)
	p.C[1].reset(true)
	p.C[2].reset(false)
	p.PortB = 0
	p.Refresh = false
}

// ticks converts guest milliseconds to input clock ticks.
func ticks(now float64) int64 {
	return int64(math.Floor(now*InputHz/1000 + 1e-6))
}

func (p *PIT) now() int64 { return ticks(p.clock.Now()) }

// pulse signals a rising edge of OUT0 to the edge-triggered interrupt line.
func (p *PIT) pulse() {
	p.irq0.Lower()
	p.irq0.Raise()
	p.IRQLevel = true
}

// lowerIRQ0 drives IRQ 0 low: OUT0 went low.
func (p *PIT) lowerIRQ0() {
	p.irq0.Lower()
	p.IRQLevel = false
}

// catchUp delivers an edge of counter 0 that fell due before the guest
// reprograms it, so reprogramming does not swallow it.
func (p *PIT) catchUp(t int64) {
	if p.C[0].takeEdge(t) {
		p.pulse()
	}
}

// Tick fires IRQ 0 if counter 0's output rose since the last call (once,
// however many periods passed) and returns the milliseconds until its next
// rising edge.
func (p *PIT) Tick(now float64) float64 {
	t := ticks(now)
	p.catchUp(t)
	next, ok := p.C[0].nextEdge(t)
	if !ok {
		return bus.NoDeadline
	}
	ms := float64(next)*1000/InputHz - now
	if ms < 0 {
		ms = 0
	}
	return math.Min(ms, bus.NoDeadline)
}

// ReadPort serves the counters' ports; the control port reads all ones.
func (p *PIT) ReadPort(off uint16, size int) uint32 {
	return bus.ReadSplit(p.readByte, off, size)
}

// WritePort serves the counters' ports and the control word port.
func (p *PIT) WritePort(off uint16, size int, v uint32) {
	bus.WriteSplit(p.writeByte, off, size, v)
}

func (p *PIT) readByte(off uint16) uint8 {
	if off > PortCounter2 {
		return 0xFF
	}
	return p.C[off].readByte(p.now())
}

func (p *PIT) writeByte(off uint16, v uint8) {
	t := p.now()
	switch {
	case off <= PortCounter2:
		if off == PortCounter0 {
			p.catchUp(t)
		}
		c := &p.C[off]
		c.writeByte(t, v)
		if off == PortCounter0 && !c.out(t) {
			p.lowerIRQ0()
		}
	case off == PortControl:
		p.control(t, v)
	}
}

// control handles a write to the control word register.
func (p *PIT) control(t int64, v uint8) {
	if v&SelectReadBack == SelectReadBack {
		for i := range p.C {
			if v&(2<<i) == 0 {
				continue
			}
			c := &p.C[i]
			if v&ReadBackStatus == 0 && !c.StatusLatched {
				c.Status = c.status(t)
				c.StatusLatched = true
			}
			if v&ReadBackCount == 0 {
				c.latch(t)
			}
		}
		return
	}
	i := v >> 6
	c := &p.C[i]
	if (v>>4)&3 == RWLatch {
		c.latch(t)
		return
	}
	if i == 0 {
		p.catchUp(t)
	}
	c.control(v)
	if i == 0 && !c.out(t) {
		// Mode 0 drives OUT low until terminal count.
		p.lowerIRQ0()
	}
}
