package fdc

import (
	"fmt"
	"maps"
	"slices"

	"github.com/do86/do86/internal/bus"
)

// StateKind and StateVersion name the controller's State in a snapshot (bus.Stateful).
const (
	StateKind    = "fdc"
	StateVersion = 1
)

// State is what a snapshot keeps of the controller: its registers, the
// command in progress, the drives' heads, and of each diskette the sectors
// the guest wrote (the image itself is the machine's configuration).
type State struct {
	Registers Registers
	Drives    [2]DriveState
}

// DriveState is what a snapshot keeps of a drive and its diskette.
type DriveState struct {
	Changed  bool
	Sector   uint8
	Inserted bool
	Media    string // the diskette's format, checked on load
	Size     int64
	Overlay  map[uint32][]byte
}

// StateKind returns the kind and version of the controller's State.
func (f *FDC) StateKind() (string, int) { return StateKind, StateVersion }

// SaveState returns the controller's state.
func (f *FDC) SaveState() any {
	s := &State{Registers: f.Registers}
	for i, d := range f.Drives {
		s.Drives[i] = DriveState{Changed: d.Changed, Sector: d.Sector}
		if d.Disk != nil {
			s.Drives[i].Inserted, s.Drives[i].Media, s.Drives[i].Size = true, d.Disk.Media.Name, d.Disk.Size
			s.Drives[i].Overlay = cloneOverlay(d.Disk.Overlay)
		}
	}
	return s
}

// LoadState restores a *State onto a controller with the same diskettes
// inserted, and drives the IRQ to the saved INT level.
func (f *FDC) LoadState(state any) error {
	s, err := bus.StateAs[State](StateKind, state)
	if err != nil {
		return err
	}
	for i, d := range s.Drives {
		cur := f.Drives[i].Disk
		switch {
		case d.Inserted != (cur != nil):
			return fmt.Errorf("fdc: the snapshot has drive %c %s, this machine not", 'A'+i, map[bool]string{true: "with a diskette", false: "empty"}[d.Inserted])
		case cur != nil && (cur.Media.Name != d.Media || cur.Size != d.Size):
			return fmt.Errorf("fdc: the snapshot's diskette in %c: is a %s of %d bytes, this one a %s of %d", 'A'+i, d.Media, d.Size, cur.Media.Name, cur.Size)
		}
	}
	f.Registers = s.Registers
	for i, d := range s.Drives {
		f.Drives[i].Changed, f.Drives[i].Sector = d.Changed, d.Sector
		if disk := f.Drives[i].Disk; disk != nil {
			disk.Overlay = cloneOverlay(d.Overlay)
		}
	}
	bus.SetLevel(f.irq, f.Int)
	return nil
}

// cloneOverlay copies a diskette's written sectors (never nil).
func cloneOverlay(o map[uint32][]byte) map[uint32][]byte {
	c := make(map[uint32][]byte, len(o))
	for k, v := range maps.All(o) {
		c[k] = slices.Clone(v)
	}
	return c
}

var _ bus.Stateful = (*FDC)(nil)
