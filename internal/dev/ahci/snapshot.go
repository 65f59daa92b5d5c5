package ahci

import (
	"bytes"
	"encoding/gob"
	"fmt"

	"github.com/do86/do86/internal/disk"
	"github.com/do86/do86/internal/pcicfg"
)

// state is what a snapshot keeps of the HBA: the PCI space, the global and
// port registers (the ports' exported fields) and the interrupt timing. The
// disks are the machine's configuration.
type state struct {
	Config   pcicfg.ConfigState
	GHC, IS  uint32
	Ports    []Port
	Sectors  []uint64
	Asserted bool
	Held     bool
	Due      float64
}

// Save returns the controller's state for a snapshot.
func (c *Controller) Save() ([]byte, error) {
	s := state{Config: c.fn.SaveConfig(), GHC: c.GHC, IS: c.IS, Ports: c.Ports,
		Asserted: c.Asserted, Held: c.Held, Due: c.Due}
	for _, p := range c.Ports {
		var n uint64
		if p.disk != nil {
			n = p.disk.Sectors()
		}
		s.Sectors = append(s.Sectors, n)
	}
	var b bytes.Buffer
	err := gob.NewEncoder(&b).Encode(s)
	return b.Bytes(), err
}

// Load restores a state from Save onto a controller with the same ports and
// disks, registers the ABAR again where BAR5 had it, and drives the INTx
// line to its saved level.
func (c *Controller) Load(b []byte) error {
	var s state
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&s); err != nil {
		return fmt.Errorf("ahci: snapshot: %w", err)
	}
	if len(s.Ports) != len(c.Ports) || len(s.Sectors) != len(c.Ports) {
		return fmt.Errorf("ahci: the snapshot has %d ports, this controller %d", len(s.Ports), len(c.Ports))
	}
	for i, p := range c.Ports {
		var n uint64
		if p.disk != nil {
			n = p.disk.Sectors()
		}
		if n != s.Sectors[i] {
			return fmt.Errorf("ahci: the snapshot's port %d has a disk of %d sectors, this one %d", i, s.Sectors[i], n)
		}
	}
	for i := range c.Ports {
		p := &c.Ports[i]
		n := s.Ports[i]
		n.c, n.index, n.disk, n.buf = p.c, p.index, p.disk, p.buf
		*p = n
	}
	c.GHC, c.IS, c.Asserted, c.Held, c.Due = s.GHC, s.IS, s.Asserted, s.Held, s.Due
	c.fn.LoadConfig(s.Config)
	if c.Asserted {
		c.irq.Raise()
	} else {
		c.irq.Lower()
	}
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
