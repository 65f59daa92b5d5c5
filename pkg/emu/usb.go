package emu

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"reflect"
	"sync/atomic"

	"github.com/do86/do86/internal/bus"
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
	m.dev.pci.Add(usbSlot, usbFunction, u.hc.PCI())
	m.timers = append(m.timers, u)
	m.resetters = append(m.resetters, u.hc)
	m.ptr.usb = u
}

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

// usbStateDevices are the USB devices a snapshot keeps, under their state
// kinds.
func (m *Machine) usbStateDevices() []namedDevice {
	u := m.ptr.usb
	if u == nil {
		return nil
	}
	return []namedDevice{
		{uhci.StateKind, stateBlob{u.hc}},
		{usbtablet.StateKind, stateBlob{u.tablet}},
	}
}

// stateBlob keeps a bus.Stateful device in a snapshot's device blob: its
// kind and version, then its State, gob-encoded by field name.
type stateBlob struct{ d bus.Stateful }

// Save encodes the device's state.
func (s stateBlob) Save() ([]byte, error) {
	kind, version := s.d.StateKind()
	var b bytes.Buffer
	enc := gob.NewEncoder(&b)
	for _, v := range []any{kind, version, s.d.SaveState()} {
		if err := enc.Encode(v); err != nil {
			return nil, fmt.Errorf("%s: %w", kind, err)
		}
	}
	return b.Bytes(), nil
}

// Load decodes a state from Save and gives it to the device; a state of
// another kind or version is refused, naming the device.
func (s stateBlob) Load(p []byte) error {
	kind, version := s.d.StateKind()
	dec := gob.NewDecoder(bytes.NewReader(p))
	var k string
	var v int
	if err := dec.Decode(&k); err != nil {
		return fmt.Errorf("%s: snapshot: %w", kind, err)
	}
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("%s: snapshot: %w", kind, err)
	}
	if k != kind || v != version {
		return fmt.Errorf("%s: the snapshot holds %s version %d, this do86 has version %d", kind, k, v, version)
	}
	st := reflect.New(reflect.TypeOf(s.d.SaveState()).Elem()).Interface()
	if err := dec.Decode(st); err != nil {
		return fmt.Errorf("%s: snapshot: %w", kind, err)
	}
	return s.d.LoadState(st)
}
