package i8254

import "github.com/do86/do86/internal/bus"

// StateKind and StateVersion name the PIT's State in a snapshot (bus.Stateful).
const (
	StateKind    = "i8254"
	StateVersion = 1
)

// State is what a snapshot keeps of the PIT; the clock and the IRQ are
// wiring.
type State struct {
	Counters [3]Counter
	PortB    uint8
	Refresh  bool
	IRQLevel bool
}

// StateKind returns the kind and version of the PIT's State.
func (p *PIT) StateKind() (string, int) { return StateKind, StateVersion }

// SaveState returns the PIT's state.
func (p *PIT) SaveState() any {
	return &State{Counters: p.C, PortB: p.PortB, Refresh: p.Refresh, IRQLevel: p.IRQLevel}
}

// LoadState restores a *State and drives IRQ 0 to its saved level.
func (p *PIT) LoadState(state any) error {
	s, err := bus.StateAs[State](StateKind, state)
	if err != nil {
		return err
	}
	p.C, p.PortB, p.Refresh, p.IRQLevel = s.Counters, s.PortB, s.Refresh, s.IRQLevel
	bus.SetLevel(p.irq0, s.IRQLevel)
	return nil
}

var _ bus.Stateful = (*PIT)(nil)
