package emu

import (
	"bufio"
	"io"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/dev/acpi"
	"github.com/do86/do86/internal/dev/debugcon"
	"github.com/do86/do86/internal/dev/ferr"
	"github.com/do86/do86/internal/dev/sysctl"
	"github.com/do86/do86/internal/dev/uart16550"
)

// wirePlatform adds power management, the reset and A20 ports, COM1 and the
// debug console.
func (m *Machine) wirePlatform() error {
	p := m.ports
	irq := m.lines.Pin
	d := &m.dev
	type portReg struct {
		base uint16
		n    int
		dev  bus.PortDevice
		name string
	}
	var regs []portReg
	add := func(base uint16, n int, dev bus.PortDevice, name string) {
		regs = append(regs, portReg{base, n, dev, name})
	}

	d.pm = acpi.NewPM(p, m.clock, irq(acpi.SCIIRQ), acpi.Options{
		PowerOff: func() { m.powerOff = true },
		COM1:     true,
	})
	d.pci.Add(1, 3, d.pm)
	m.timers = append(m.timers, d.pm)
	m.resetters = append(m.resetters, d.pm)
	add(0xB2, 2, d.pm.APM(), "apm")
	add(acpi.GPE0Base, acpi.GPE0Len, acpi.Zero{}, "gpe0")
	add(acpi.PCIHotplugBase, acpi.PCIHotplugLen, acpi.Zero{}, "pci-hotplug")
	add(acpi.CPUHotplugBase, acpi.CPUHotplugLen, acpi.Zero{}, "cpu-hotplug")

	d.ferr = ferr.New(irq(ferr.IRQLine))
	add(ferr.Port, 1, d.ferr, "ferr")
	m.resetters = append(m.resetters, d.ferr)

	rc := sysctl.NewResetControl(m.requestReset)
	pa := sysctl.NewPortA(m.requestReset)
	add(0xCF9, 1, rc, "reset-control")
	add(0x92, 1, pa, "port92")
	m.resetters = append(m.resetters, rc, pa)

	var serial io.Writer = io.Discard
	if m.cfg.Serial != nil {
		m.serialBuf = bufio.NewWriterSize(m.cfg.Serial, 4096)
		serial = m.serialBuf
	}
	d.com1 = uart16550.New(irq(uart16550.COM1IRQ), serial)
	add(uart16550.COM1Base, uart16550.Ports, d.com1, "com1")
	m.resetters = append(m.resetters, d.com1)

	var dbg io.Writer = io.Discard
	if m.cfg.Debugcon != nil {
		dbg = m.cfg.Debugcon
	}
	add(0x402, 1, debugcon.New(dbg), "debugcon")
	add(0xE9, 1, debugcon.New(dbg), "debugcon-e9")

	for _, r := range regs {
		if err := p.Register(r.base, r.n, r.dev, r.name); err != nil {
			return err
		}
	}
	return nil
}

// SendSerial queues bytes for the guest's COM1 receiver; safe from any
// goroutine.
func (m *Machine) SendSerial(b []byte) {
	m.Do(func() {
		m.serialIn = append(m.serialIn, b...)
		m.feedSerial()
	})
}

// feedSerial gives the UART what it can take of the pending input.
func (m *Machine) feedSerial() {
	if len(m.serialIn) == 0 {
		return
	}
	n := m.dev.com1.Receive(m.serialIn)
	m.serialIn = m.serialIn[n:]
}

// flushSerial pushes buffered COM1 output to its writer.
func (m *Machine) flushSerial() {
	if m.serialBuf != nil {
		m.serialBuf.Flush()
	}
}
