package vga

import (
	"fmt"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/pcicfg"
)

// StateKind and StateVersion name the adapter's State in a snapshot
// (bus.Stateful).
const (
	StateKind    = "vga"
	StateVersion = 1
)

// State is what a snapshot keeps of the VGA: its registers, DAC and video
// memory and its PCI space. The framebuffer is the core's memory and is
// saved with it.
type State struct {
	Registers Registers
	PCI       pcicfg.ConfigState
	HasPCI    bool
}

// StateKind returns the kind and version of the adapter's State.
func (v *VGA) StateKind() (string, int) { return StateKind, StateVersion }

// SaveState returns the adapter's state.
func (v *VGA) SaveState() any {
	s := &State{Registers: v.Registers}
	if v.pciFn != nil {
		s.PCI, s.HasPCI = v.pciFn.SaveConfig(), true
	}
	return s
}

// LoadState restores a *State. The next Render redraws the whole screen;
// the clock and framebuffer stay as wired.
func (v *VGA) LoadState(state any) error {
	s, err := bus.StateAs[State](StateKind, state)
	if err != nil {
		return err
	}
	if s.Registers.DACStep > 2 || s.Registers.DACRStep > 2 {
		return fmt.Errorf("vga: snapshot with DAC cycle steps %d and %d", s.Registers.DACStep, s.Registers.DACRStep)
	}
	v.Registers = s.Registers
	v.r.full, v.r.pal = true, true
	if v.pciFn != nil && s.HasPCI {
		v.pciFn.LoadConfig(s.PCI)
	}
	return nil
}

var _ bus.Stateful = (*VGA)(nil)
