package emu

import (
	"io"

	"github.com/do86/do86/internal/dev/acpi"
	"github.com/do86/do86/internal/dev/debugcon"
	"github.com/do86/do86/internal/dev/ferr"
	"github.com/do86/do86/internal/dev/sysctl"
	"github.com/do86/do86/internal/dev/uart16550"
)

// wirePlatform adds power management, the reset and A20 ports, COM1 and the
// debug console.
func (m *Machine) wirePlatform() {
	irq := m.lines.Pin
	d := &m.dev

	d.pm = acpi.NewPM(m.ports, m.clock, irq(acpi.SCIIRQ), acpi.Options{
		PowerOff: func() { m.powerOff = true },
		COM1:     true,
	})
	m.attach("pm", d.pm, pciAt(1, 3, d.pm), ports(0xB2, 2, d.pm.APM()))
	m.attach("gpe0", acpi.Zero{}, ports(acpi.GPE0Base, acpi.GPE0Len, acpi.Zero{}))
	m.attach("pci-hotplug", acpi.Zero{}, ports(acpi.PCIHotplugBase, acpi.PCIHotplugLen, acpi.Zero{}))
	m.attach("cpu-hotplug", acpi.Zero{}, ports(acpi.CPUHotplugBase, acpi.CPUHotplugLen, acpi.Zero{}))

	d.ferr = ferr.New(irq(ferr.IRQLine))
	m.attach("ferr", d.ferr, ports(ferr.Port, 1, d.ferr))

	rc := sysctl.NewResetControl(m.requestReset)
	m.attach("reset-control", rc, ports(sysctl.ResetControlPort, 1, rc))
	pa := sysctl.NewPortA(m.requestReset)
	m.attach("port92", pa, ports(sysctl.PortAPort, 1, pa))

	m.serial = newSerialTap(m)
	d.com1 = uart16550.New(irq(uart16550.COM1IRQ), m.serial)
	m.attach("com1", d.com1, ports(uart16550.COM1Base, uart16550.Ports, d.com1))

	var dbg io.Writer = io.Discard
	if m.cfg.Debugcon != nil {
		dbg = m.cfg.Debugcon
	}
	seabios, bochs := debugcon.New(dbg), debugcon.New(dbg)
	m.attach("debugcon", seabios, ports(debugcon.SeaBIOSPort, 1, seabios))
	m.attach("debugcon-e9", bochs, ports(debugcon.BochsPort, 1, bochs))
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
func (m *Machine) flushSerial() { m.serial.flush() }
