package mc146818

import "github.com/do86/do86/internal/bus"

// StateKind and StateVersion name the RTC's State in a snapshot (bus.Stateful).
const (
	StateKind    = "mc146818"
	StateVersion = 1
)

// State is what a snapshot keeps of the RTC. The guest's wall time is kept
// relative to the guest clock, so it resumes from the saved time.
type State struct {
	RAM          [128]byte
	Index        uint8
	EpochSec     int64
	BaseMs       float64
	Frozen       bool
	LastSec      int64
	NextPeriodic float64
}

// StateKind returns the kind and version of the RTC's State.
func (r *RTC) StateKind() (string, int) { return StateKind, StateVersion }

// SaveState returns the RTC's state.
func (r *RTC) SaveState() any {
	return &State{RAM: r.RAM, Index: r.Index, EpochSec: r.EpochSec, BaseMs: r.BaseMs,
		Frozen: r.Frozen, LastSec: r.LastSec, NextPeriodic: r.NextPeriodic}
}

// LoadState restores a *State and drives IRQ 8 to its saved level (up
// while IRQF is set).
func (r *RTC) LoadState(state any) error {
	s, err := bus.StateAs[State](StateKind, state)
	if err != nil {
		return err
	}
	r.RAM, r.Index, r.EpochSec, r.BaseMs, r.Frozen, r.LastSec, r.NextPeriodic =
		s.RAM, s.Index, s.EpochSec, s.BaseMs, s.Frozen, s.LastSec, s.NextPeriodic
	bus.SetLevel(r.irq, r.RAM[RegC]&CIRQF != 0)
	return nil
}

var _ bus.Stateful = (*RTC)(nil)
