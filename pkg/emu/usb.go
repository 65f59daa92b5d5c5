package emu

import (
	"sync/atomic"

	"github.com/do86/do86/internal/dev/pci"
	"github.com/do86/do86/internal/dev/uhci"
	"github.com/do86/do86/internal/dev/usbtablet"
)

// The USB controller is the PIIX3's function 2, beside its IDE function
// (1.1), on INTD as the board wires it.
const (
	usbSlot     = 1
	usbFunction = 2
)

// usbBus is the USB controller with the tablet on its first port.
type usbBus struct {
	hc     *uhci.Controller
	tablet *usbtablet.Tablet
	// absolute is inUse as last seen on the emulation goroutine, for
	// other goroutines (PointerAbsolute).
	absolute atomic.Bool
}

// wireUSB adds the USB controller and the tablet, unless the configuration
// leaves USB out.
func (m *Machine) wireUSB() {
	if m.cfg.NoUSB {
		return
	}
	u := &usbBus{tablet: usbtablet.New()}
	halted := func() bool { return m.core != nil && m.core.InHLT() }
	u.hc = uhci.New(m.core, m.ports, m.clock, m.dev.router.INTx(usbSlot, pci.INTD), uhci.Options{CPUHalted: halted})
	u.hc.Attach(0, u.tablet)
	m.attach("usb", u, pciAt(usbSlot, usbFunction, u.hc.PCI()))
	m.attach("usb-tablet", u.tablet)
	m.ptr.usb = u
}

// Reset, StateKind, SaveState and LoadState are the controller's: the
// machine knows usbBus as the controller (bus.Resetter, bus.Stateful), with
// a Tick of its own.
func (u *usbBus) Reset()                    { u.hc.Reset() }
func (u *usbBus) StateKind() (string, int)  { return u.hc.StateKind() }
func (u *usbBus) SaveState() any            { return u.hc.SaveState() }
func (u *usbBus) LoadState(state any) error { return u.hc.LoadState(state) }

// inUse reports whether the guest drives the tablet: its controller runs,
// the port is enabled, and the guest configured the device and polls it.
func (u *usbBus) inUse() bool {
	return u.hc.Running() && u.hc.PortEnabled(0) && u.tablet.InUse()
}

// Tick runs the controller's frames and notes whether the tablet is in
// use (bus.Timer).
func (u *usbBus) Tick(now float64) float64 {
	d := u.hc.Tick(now)
	if in := u.inUse(); in != u.absolute.Load() {
		u.absolute.Store(in)
	}
	return d
}

// PointerAbsolute reports whether the guest drives the USB tablet, so that
// Pointer positions land exactly (input.Absolute); safe from any goroutine.
func (m *Machine) PointerAbsolute() bool {
	return m.ptr.usb != nil && m.ptr.usb.absolute.Load()
}
