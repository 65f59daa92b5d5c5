package i8237

import "github.com/do86/do86/internal/bus"

// StateKind and StateVersion name the DMA controllers' State in a snapshot
// (bus.Stateful).
const (
	StateKind    = "i8237"
	StateVersion = 1
)

// State is what a snapshot keeps of both controllers and the page
// registers; the memory is wiring.
type State struct {
	Channels    [8]Channel
	Controllers [2]Controller
	Pages       [16]uint8
}

// StateKind returns the kind and version of the controllers' State.
func (d *DMA) StateKind() (string, int) { return StateKind, StateVersion }

// SaveState returns the controllers' state.
func (d *DMA) SaveState() any { return &State{Channels: d.Ch, Controllers: d.C, Pages: d.Pages} }

// LoadState restores a *State.
func (d *DMA) LoadState(state any) error {
	s, err := bus.StateAs[State](StateKind, state)
	if err != nil {
		return err
	}
	d.Ch, d.C, d.Pages = s.Channels, s.Controllers, s.Pages
	return nil
}

var _ bus.Stateful = (*DMA)(nil)
