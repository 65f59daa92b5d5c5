package fwcfg

import (
	"fmt"

	"github.com/do86/do86/internal/bus"
)

// StateKind and StateVersion name the device's State in a snapshot (bus.Stateful).
const (
	StateKind    = "fw_cfg"
	StateVersion = 1
)

// State is what a snapshot keeps of the device: the selected item and the
// read offset into it. The items themselves are the machine's configuration.
type State struct {
	Selector uint16
	Offset   int64
}

// StateKind returns the kind and version of the device's State.
func (d *Device) StateKind() (string, int) { return StateKind, StateVersion }

// SaveState returns the device's state.
func (d *Device) SaveState() any { return &State{Selector: d.sel, Offset: int64(d.off)} }

// LoadState restores a *State; the items stay as set up.
func (d *Device) LoadState(state any) error {
	s, err := bus.StateAs[State](StateKind, state)
	if err != nil {
		return err
	}
	if s.Offset < 0 || s.Offset > 1<<31 {
		return fmt.Errorf("fw_cfg: snapshot with read offset %d", s.Offset)
	}
	d.sel, d.off = s.Selector, int(s.Offset)
	d.cur = d.items[d.sel&^0x4000]
	return nil
}

var _ bus.Stateful = (*Device)(nil)
