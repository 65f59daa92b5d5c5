package uhci

import (
	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/pcicfg"
)

// StateKind and StateVersion name the controller's State (bus.Stateful).
const (
	StateKind    = "uhci"
	StateVersion = 1
)

// State is the controller's whole state; the devices on its ports keep
// their own.
type State struct {
	// Config is the PCI configuration space (BAR4, LEGSUP).
	Config pcicfg.ConfigState
	// Cmd, Sts, Intr and Frnum are USBCMD, USBSTS, USBINTR and FRNUM;
	// FlBase is FRBASEADD and SOF is SOFMOD.
	Cmd, Sts, Intr, Frnum uint16
	FlBase                uint32
	SOF                   uint8
	// PortSC holds the ports' status and control bits (without the
	// always-one bit and the line state, which are derived).
	PortSC [NumPorts]uint16
	// IOCCause and SPCause say why USBINT is set: a completed TD with IOC,
	// a short packet (they have separate enables).
	IOCCause, SPCause bool
	// Next is the guest time (ms) the frame after Frnum starts.
	Next float64
	// Asserted is the level of INTD.
	Asserted bool
}

// Compile-time check of the snapshot contract.
var _ bus.Stateful = (*Controller)(nil)

// StateKind names the state (bus.Stateful).
func (c *Controller) StateKind() (string, int) { return StateKind, StateVersion }

// SaveState returns a copy of the state (bus.Stateful).
func (c *Controller) SaveState() any {
	s := c.s
	s.Config = c.fn.SaveConfig()
	return &s
}

// LoadState restores a state from SaveState (bus.Stateful): the registers
// are mapped again where BAR4 had them and INTD goes to its saved level.
func (c *Controller) LoadState(state any) error {
	s, err := bus.StateAs[State](StateKind, state)
	if err != nil {
		return err
	}
	c.s = *s
	c.fn.LoadConfig(s.Config)
	c.fresh = false
	c.epoch++
	bus.SetLevel(c.irq, c.s.Asserted)
	return nil
}
