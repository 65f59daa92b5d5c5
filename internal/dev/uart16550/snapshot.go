package uart16550

import (
	"slices"

	"github.com/do86/do86/internal/bus"
)

// StateKind and StateVersion name the UART's State in a snapshot (bus.Stateful).
const (
	StateKind    = "uart16550"
	StateVersion = 1
)

// State is what a snapshot keeps of the UART; the IRQ and the output
// writer are wiring.
type State struct {
	IER, LCR, MCR, SCR, FCR uint8
	Divisor                 uint16
	LSRErr, MSRDelta        uint8
	THRPending              bool
	RX                      []byte
	LastRX                  uint8
	Pending                 []byte
}

// StateKind returns the kind and version of the UART's State.
func (u *UART) StateKind() (string, int) { return StateKind, StateVersion }

// SaveState returns the UART's state.
func (u *UART) SaveState() any {
	return &State{IER: u.IER, LCR: u.LCR, MCR: u.MCR, SCR: u.SCR, FCR: u.FCR, Divisor: u.Divisor,
		LSRErr: u.LSRErr, MSRDelta: u.MSRDelta, THRPending: u.THRPending,
		RX: slices.Clone(u.RX), LastRX: u.LastRX, Pending: slices.Clone(u.Pending)}
}

// LoadState restores a *State and drives the IRQ to the level it implies.
func (u *UART) LoadState(state any) error {
	s, err := bus.StateAs[State](StateKind, state)
	if err != nil {
		return err
	}
	u.IER, u.LCR, u.MCR, u.SCR, u.FCR, u.Divisor = s.IER, s.LCR, s.MCR, s.SCR, s.FCR, s.Divisor
	u.LSRErr, u.MSRDelta, u.THRPending, u.LastRX = s.LSRErr, s.MSRDelta, s.THRPending, s.LastRX
	u.RX, u.Pending = slices.Clone(s.RX), slices.Clone(s.Pending)
	u.update()
	return nil
}

var _ bus.Stateful = (*UART)(nil)
