package ide

import (
	"fmt"
	"slices"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/disk"
	"github.com/do86/do86/internal/pcicfg"
)

// StateKind and StateVersion name the controller's State in a snapshot (bus.Stateful).
const (
	StateKind    = "piix3-ide"
	StateVersion = 1
)

// State is what a snapshot keeps of the controller: the PCI space, each
// channel's registers, each drive's registers and command in progress, and
// what was attached where (checked on load: the disks are the machine's
// configuration).
type State struct {
	Config   pcicfg.ConfigState
	Channels [2]ChannelState
	Drives   [2][2]DriveState
	Attached [2][2]Attached
}

// Attached is what a drive position held when saved.
type Attached struct {
	Kind    Kind
	Sectors uint64
}

// StateKind returns the kind and version of the controller's State.
func (c *Controller) StateKind() (string, int) { return StateKind, StateVersion }

// SaveState returns the controller's state.
func (c *Controller) SaveState() any {
	s := &State{Config: c.fn.SaveConfig()}
	for i := range c.Channels {
		ch := &c.Channels[i]
		s.Channels[i] = ch.ChannelState
		for k := range ch.drives {
			s.Drives[i][k] = ch.drives[k].DriveState
			s.Drives[i][k].Buf = slices.Clone(ch.drives[k].Buf)
			s.Attached[i][k] = ch.drives[k].attached()
		}
	}
	return s
}

func (d *drive) attached() Attached {
	a := Attached{Kind: d.kind}
	if d.disk != nil {
		a.Sectors = d.disk.Sectors()
	}
	return a
}

// LoadState restores a *State onto a controller with the same drives
// attached, registers the bus-master ports again where BAR4 had them, and
// drives both IRQs to their saved levels.
func (c *Controller) LoadState(state any) error {
	s, err := bus.StateAs[State](StateKind, state)
	if err != nil {
		return err
	}
	for i := range c.Channels {
		if sel := s.Channels[i].Sel; sel != 0 && sel != 1 {
			return fmt.Errorf("ide: the snapshot's channel %d selects drive %d", i, sel)
		}
		for k := range c.Channels[i].drives {
			if got, want := c.Channels[i].drives[k].attached(), s.Attached[i][k]; got != want {
				return fmt.Errorf("ide: the snapshot's drive %d.%d (kind %d, %d sectors) is not this machine's (kind %d, %d sectors)",
					i, k, want.Kind, want.Sectors, got.Kind, got.Sectors)
			}
		}
	}
	for i := range c.Channels {
		ch := &c.Channels[i]
		ch.ChannelState = s.Channels[i]
		for k := range ch.drives {
			ch.drives[k].DriveState = s.Drives[i][k]
			ch.drives[k].Buf = slices.Clone(s.Drives[i][k].Buf)
		}
		bus.SetLevel(ch.irq, ch.IRQLevel)
	}
	c.fn.LoadConfig(s.Config)
	return nil
}

// Disk returns the medium attached to a drive (nil for none), for a machine
// that saves the disks' changed sectors with a snapshot.
func (c *Controller) Disk(channel, slot int) *disk.Disk {
	return c.Channels[channel&1].drives[slot&1].disk
}

var _ bus.Stateful = (*Controller)(nil)
