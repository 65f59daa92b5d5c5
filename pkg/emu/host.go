package emu

import (
	"github.com/do86/do86/internal/bus"
)

// The machine is the core's Host: it dispatches the core's calls to the
// buses and device timers.

// PortRead serves IN.
func (m *Machine) PortRead(port uint16, size int) uint32 {
	m.pollFERR()
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

// RunTimers runs every device timer and returns the earliest deadline.
func (m *Machine) RunTimers(now float64) float64 {
	m.pollFERR()
	next := float64(bus.NoDeadline)
	for _, t := range m.timers {
		if d := t.Tick(now); d < next {
			next = d
		}
	}
	return next
}

// Log receives the core's console output.
func (m *Machine) Log(msg string) { m.cfg.Logger.Debug("core: " + msg) }
