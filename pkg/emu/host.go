package emu

import (
	"github.com/do86/do86/internal/bus"
)

// The machine is the core's Host: it dispatches the core's calls to the
// buses and device timers.

// PortRead serves IN. Device timers already due run first: the core runs
// them only between slices of 100,000 instructions, and a guest that polls
// a port (a status register, the PM timer or the PIT in a delay loop) for
// a device's completion would otherwise wait for the slice's end — at a
// few MIPS, as port-bound loops run, tens of milliseconds for each floppy
// sector or seek (KolibriOS's floppy driver waits like that). Devices that
// schedule an event between timer runs say so through the clock (bus.Due).
func (m *Machine) PortRead(port uint16, size int) uint32 {
	m.pollFERR()
	// Every 16th read looks at the clock: a polling guest reads a port a
	// few times a microsecond, and the clock costs as much as the read.
	if m.portReads++; m.portReads&15 == 0 {
		if now := m.clock.Now(); now >= m.clock.next {
			m.RunTimers(now)
		}
	}
	return m.ports.Read(port, size)
}

// PortWrite serves OUT.
func (m *Machine) PortWrite(port uint16, size int, v uint32) {
	m.pollFERR()
	m.ports.Write(port, size, v)
}

// pollFERR hands the CPU's FERR# level to the error latch. The core tells
// nobody when an x87 instruction raises an exception, so the level is
// looked at whenever the core calls out: on every port access (a guest
// waiting for IRQ 13 reads a timer port to delay) and every timer run.
func (m *Machine) pollFERR() {
	if m.dev.ferr != nil {
		m.dev.ferr.SetFERR(m.core.FERR())
	}
}

// MMIORead serves reads of host-held physical memory.
func (m *Machine) MMIORead(addr uint32, size int) uint32 { return m.mmio.Read(addr, size) }

// MMIOWrite serves writes of host-held physical memory.
func (m *Machine) MMIOWrite(addr uint32, size int, v uint32) { m.mmio.Write(addr, size, v) }

// Now is the guest clock.
func (m *Machine) Now() float64 { return m.clock.Now() }

// RunTimers runs every device timer and returns the milliseconds until the
// earliest deadline.
func (m *Machine) RunTimers(now float64) float64 {
	m.pollFERR()
	next := float64(bus.NoDeadline)
	for _, t := range m.timers {
		if d := t.Tick(now); d < next {
			next = d
		}
	}
	m.clock.next = now + next
	return next
}

// Log receives the core's console output.
func (m *Machine) Log(msg string) { m.cfg.Logger.Debug("core: " + msg) }
