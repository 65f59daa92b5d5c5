package ferr

import "github.com/do86/do86/internal/bus"

// StateKind names the latch's state in snapshots.
func (l *Latch) StateKind() (string, int) { return "ferr", 1 }

// SaveState returns a copy of the latch's State.
func (l *Latch) SaveState() any {
	s := l.State
	return &s
}

// LoadState restores a State and drives IRQ 13 to its level.
func (l *Latch) LoadState(state any) error {
	s, err := bus.StateAs[State]("ferr", state)
	if err != nil {
		return err
	}
	l.State = *s
	bus.SetLevel(l.irq, l.Latched)
	return nil
}
