package usbtablet

import (
	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/usb"
)

// StateKind and StateVersion name the tablet's State (bus.Stateful).
const (
	StateKind    = "usbtablet"
	StateVersion = 1
)

// State is the tablet's whole state.
type State struct {
	// Pipe is endpoint 0's control transfer in progress.
	Pipe usb.ControlPipe
	// Standard is the address, configuration and features.
	Standard usb.Standard
	// Idle and Protocol are the HID idle rate and protocol the host set.
	Idle, Protocol uint8
	// X, Y and Buttons are the pointer as the next report tells it; Wheel
	// the notches (positive: away from the user) not reported yet.
	X, Y    uint16
	Buttons uint8
	Wheel   int32
	// Pending says the next poll of the interrupt endpoint gets a report.
	Pending bool
	// Polled says the host has polled the interrupt endpoint since it
	// configured the device.
	Polled bool
}

// Compile-time check of the snapshot contract.
var _ bus.Stateful = (*Tablet)(nil)

// StateKind names the state (bus.Stateful).
func (t *Tablet) StateKind() (string, int) { return StateKind, StateVersion }

// SaveState returns a copy of the state (bus.Stateful).
func (t *Tablet) SaveState() any {
	s := t.s
	s.Pipe.Data = append([]byte(nil), t.s.Pipe.Data...)
	return &s
}

// LoadState restores a state from SaveState (bus.Stateful). The tablet has
// no interrupt line of its own.
func (t *Tablet) LoadState(state any) error {
	s, err := bus.StateAs[State](StateKind, state)
	if err != nil {
		return err
	}
	t.s = *s
	t.s.Pipe.Data = append([]byte(nil), s.Pipe.Data...)
	if t.s.Pipe.Pos > len(t.s.Pipe.Data) || t.s.Pipe.Pos < 0 {
		t.s.Pipe.Reset()
	}
	return nil
}
