package emu

import (
	"fmt"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/pcicfg"
)

// Devices join the machine one way: wiring calls attach with the device's
// instance name, the device, and the hookups that put it on the buses.
//
//	com1 := uart16550.New(m.lines.Pin(uart16550.COM1IRQ), out)
//	m.attach("com1", com1, ports(uart16550.COM1Base, uart16550.Ports, com1))
//
// attach then does the rest by what the device is: a bus.Timer is ticked by
// the run loop, a bus.Resetter is reset with the machine, a bus.Stateful is
// kept in snapshots under its instance name. Nothing else registers a
// device.
//
// The instance name is the device's name in this machine for good: a
// snapshot finds the device's state by it, so it never changes once chosen
// and never follows a Go type's name. It names the device's port ranges in
// I/O traces too. Two devices of one name are a wiring error; "machine" is
// the machine's own state. The names in use: pit, rtc, dma, fdc, i8042,
// pci, i440fx, piix3, pirq, vga, ide, pm, gpe0, pci-hotplug, cpu-hotplug,
// reset-control, port92, com1, debugcon, debugcon-e9, fw_cfg and, when
// configured, ahci.

// A hookup puts a device on one of the machine's buses; name is its
// instance name.
type hookup func(m *Machine, name string) error

// ports maps n I/O ports from base to dev.
func ports(base uint16, n int, dev bus.PortDevice) hookup {
	return func(m *Machine, name string) error { return m.ports.Register(base, n, dev, name) }
}

// pciAt places a function at device dev, function fn of PCI bus 0; the
// function's BARs map its ranges where the guest puts them.
func pciAt(dev, fn int, f pcicfg.Function) hookup {
	return func(m *Machine, name string) error {
		if m.dev.pci == nil {
			return fmt.Errorf("PCI function %02x.%d before the PCI bus", dev, fn)
		}
		m.dev.pci.Add(dev, fn, f)
		return nil
	}
}

// ownPorts is a device that maps its several port ranges itself: register
// is its Register method.
func ownPorts(register func(*bus.Ports) error) hookup {
	return func(m *Machine, _ string) error { return register(m.ports) }
}

// machineStateName is the name under which a snapshot keeps the machine's
// own state; no device may have it.
const machineStateName = "machine"

// registry is what attach keeps: the names taken, the stateful devices in
// wiring order, and the wiring errors for wire to report.
type registry struct {
	names  map[string]bool
	states []namedState
	errs   []error
}

type namedState struct {
	name string
	dev  bus.Stateful
}

// attach wires dev into the machine under its instance name (see above).
// Errors are kept for wire to report with the others.
func (m *Machine) attach(name string, dev any, hookups ...hookup) {
	r := &m.dev.reg
	if r.names == nil {
		r.names = map[string]bool{}
	}
	switch {
	case name == "" || name == machineStateName:
		r.errs = append(r.errs, fmt.Errorf("a device may not be named %q", name))
		return
	case r.names[name]:
		r.errs = append(r.errs, fmt.Errorf("two devices named %s", name))
		return
	}
	r.names[name] = true
	for _, h := range hookups {
		if err := h(m, name); err != nil {
			r.errs = append(r.errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	if t, ok := dev.(bus.Timer); ok {
		m.timers = append(m.timers, t)
	}
	if rs, ok := dev.(bus.Resetter); ok {
		m.resetters = append(m.resetters, rs)
	}
	if s, ok := dev.(bus.Stateful); ok {
		r.states = append(r.states, namedState{name, s})
	}
}
