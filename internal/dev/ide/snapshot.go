package ide

import (
	"bytes"
	"encoding/gob"
	"fmt"

	"github.com/do86/do86/internal/disk"
	"github.com/do86/do86/internal/pcicfg"
)

// state is what a snapshot keeps of the controller: the PCI space, each
// channel's registers and each drive's registers and command in progress
// (their exported fields). The disks are the machine's configuration.
type state struct {
	Config   pcicfg.ConfigState
	Channels [2]channelState
}

type channelState struct {
	Regs    channel
	Drives  [2]drive
	Kinds   [2]Kind
	Sectors [2]uint64
}

// Save returns the controller's state for a snapshot.
func (c *Controller) Save() ([]byte, error) {
	s := state{Config: c.fn.SaveConfig()}
	for i := range c.Channels {
		ch := &c.Channels[i]
		s.Channels[i].Regs = *ch
		s.Channels[i].Drives = ch.drives
		for k := range ch.drives {
			s.Channels[i].Kinds[k] = ch.drives[k].kind
			if d := ch.drives[k].disk; d != nil {
				s.Channels[i].Sectors[k] = d.Sectors()
			}
		}
	}
	var b bytes.Buffer
	err := gob.NewEncoder(&b).Encode(s)
	return b.Bytes(), err
}

// Load restores a state from Save onto a controller with the same drives
// attached, registers the bus-master ports again where BAR4 had them, and
// drives both IRQs to their saved levels.
func (c *Controller) Load(b []byte) error {
	var s state
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&s); err != nil {
		return fmt.Errorf("ide: snapshot: %w", err)
	}
	for i := range c.Channels {
		for k := range c.Channels[i].drives {
			d := &c.Channels[i].drives[k]
			var sectors uint64
			if d.disk != nil {
				sectors = d.disk.Sectors()
			}
			if d.kind != s.Channels[i].Kinds[k] || sectors != s.Channels[i].Sectors[k] {
				return fmt.Errorf("ide: the snapshot's drive %d.%d (kind %d, %d sectors) is not this machine's (kind %d, %d sectors)",
					i, k, s.Channels[i].Kinds[k], s.Channels[i].Sectors[k], d.kind, sectors)
			}
		}
	}
	for i := range c.Channels {
		ch := &c.Channels[i]
		regs := s.Channels[i].Regs
		regs.c, regs.irq, regs.drives = ch.c, ch.irq, ch.drives
		*ch = regs
		for k := range ch.drives {
			d := &ch.drives[k]
			n := s.Channels[i].Drives[k]
			n.ch, n.slot, n.kind, n.disk = d.ch, d.slot, d.kind, d.disk
			*d = n
		}
		if ch.irq != nil {
			if ch.IRQLevel {
				ch.irq.Raise()
			} else {
				ch.irq.Lower()
			}
		}
	}
	c.fn.LoadConfig(s.Config)
	return nil
}

// Disk returns the medium attached to a drive (nil for none), for a machine
// that saves the disks' changed sectors with a snapshot.
func (c *Controller) Disk(channel, slot int) *disk.Disk {
	return c.Channels[channel&1].drives[slot&1].disk
}
