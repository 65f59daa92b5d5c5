package ahci

import (
	"fmt"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/disk"
	"github.com/do86/do86/internal/pcicfg"
)

// StateKind and StateVersion name the HBA's State in a snapshot
// (bus.Stateful).
const (
	StateKind    = "ahci"
	StateVersion = 1
)

// State is what a snapshot keeps of the HBA: the PCI space, the global and
// port registers and the interrupt timing, and the size of each port's disk
// (checked on load: the disks are the machine's configuration).
type State struct {
	Config   pcicfg.ConfigState
	GHC, IS  uint32
	Ports    []PortState
	Sectors  []uint64
	Asserted bool
	Held     bool
	Due      float64
}

// StateKind returns the kind and version of the HBA's State.
func (c *Controller) StateKind() (string, int) { return StateKind, StateVersion }

// SaveState returns the HBA's state.
func (c *Controller) SaveState() any {
	s := &State{Config: c.fn.SaveConfig(), GHC: c.GHC, IS: c.IS,
		Asserted: c.Asserted, Held: c.Held, Due: c.Due}
	for i := range c.Ports {
		s.Ports = append(s.Ports, c.Ports[i].PortState)
		s.Sectors = append(s.Sectors, c.Ports[i].sectors())
	}
	return s
}

func (p *Port) sectors() uint64 {
	if p.disk == nil {
		return 0
	}
	return p.disk.Sectors()
}

// LoadState restores a *State onto a controller with the same ports and
// disks, registers the ABAR again where BAR5 had it, and drives the INTx
// line to its saved level.
func (c *Controller) LoadState(state any) error {
	s, err := bus.StateAs[State](StateKind, state)
	if err != nil {
		return err
	}
	if len(s.Ports) != len(c.Ports) || len(s.Sectors) != len(c.Ports) {
		return fmt.Errorf("ahci: the snapshot has %d ports, this controller %d", len(s.Ports), len(c.Ports))
	}
	for i := range c.Ports {
		if n := c.Ports[i].sectors(); n != s.Sectors[i] {
			return fmt.Errorf("ahci: the snapshot's port %d has a disk of %d sectors, this one %d", i, s.Sectors[i], n)
		}
	}
	for i := range c.Ports {
		c.Ports[i].PortState = s.Ports[i]
	}
	c.GHC, c.IS, c.Asserted, c.Held, c.Due = s.GHC, s.IS, s.Asserted, s.Held, s.Due
	c.fn.LoadConfig(s.Config)
	bus.SetLevel(c.irq, c.Asserted)
	return nil
}

// Disk returns the disk attached to port (nil for none), for a machine that
// saves the disks' changed sectors with a snapshot.
func (c *Controller) Disk(port int) *disk.Disk {
	if port < 0 || port >= len(c.Ports) {
		return nil
	}
	return c.Ports[port].disk
}

var _ bus.Stateful = (*Controller)(nil)
