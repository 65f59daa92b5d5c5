package usbtablet

import (
	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/usb"
)

// StateKind and StateVersion name the tablet's State (bus.Stateful).
const (
	StateKind    = "usbtablet"
	StateVersion = 2
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
	// Held are reports of button changes the host has not polled yet, in
	// order, before the one of X, Y and Buttons: a click shorter than the
	// polling interval still reaches the guest as a press and a release.
	Held []Held
	// Polled says the host has polled the interrupt endpoint since it
	// configured the device.
	Polled bool
}

// Held is a report waiting for a poll: the pointer and buttons it tells.
type Held struct {
	X, Y    uint16
	Buttons uint8
}

// maxHeld bounds the reports held back: a guest that polls no more keeps
// only the latest button changes.
const maxHeld = 16

// Compile-time check of the snapshot contract.
var _ bus.Stateful = (*Tablet)(nil)

// StateKind names the state (bus.Stateful).
func (t *Tablet) StateKind() (string, int) { return StateKind, StateVersion }

// SaveState returns a copy of the state (bus.Stateful).
func (t *Tablet) SaveState() any {
	s := t.s
	s.Pipe.Data = append([]byte(nil), t.s.Pipe.Data...)
	s.Held = append([]Held(nil), t.s.Held...)
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
	t.s.Held = append([]Held(nil), s.Held...)
	if len(t.s.Held) > maxHeld {
		t.s.Held = t.s.Held[len(t.s.Held)-maxHeld:]
	}
	if t.s.Pipe.Pos > len(t.s.Pipe.Data) || t.s.Pipe.Pos < 0 {
		t.s.Pipe.Reset()
	}
	return nil
}
