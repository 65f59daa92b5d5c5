package ne2k

import (
	"fmt"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/pcicfg"
)

// StateKind and StateVersion name the card's snapshot state.
const (
	StateKind    = "ne2k"
	StateVersion = 1
)

// State is what a snapshot keeps of a card: the front-end, the station
// address (configuration that a resumed guest must keep: it caches it, and
// its DHCP lease is bound to it), the DP8390's registers, the buffer memory
// and, on the RTL8029AS, the PCI configuration space. The wire, the
// interrupt line and the port bus are wiring.
type State struct {
	Model Model
	MAC   [6]byte

	CR, ISR, IMR, DCR, TCR, RCR uint8
	TSR, RSR                    uint8
	PSTART, PSTOP, BNRY, CURR   uint8
	TPSR, RNPP                  uint8
	TBCR, RSAR, RBCR            uint16
	CLDA, AC                    uint16
	PAR                         [6]byte
	MAR                         [8]byte
	CNTR                        [3]uint8
	Mem                         [MemSize]byte

	// Config is the RTL8029AS's configuration space; it lives in the PCI
	// function and is filled in only in a saved State.
	Config pcicfg.ConfigState
}

// StateKind names the card's state (bus.Stateful).
func (c *Card) StateKind() (string, int) { return StateKind, StateVersion }

// SaveState returns a copy of the card's state (bus.Stateful).
func (c *Card) SaveState() any {
	s := c.State
	if c.fn != nil {
		s.Config = c.fn.SaveConfig()
	}
	return &s
}

// LoadState restores a state of the same front-end (bus.Stateful): the
// station address becomes the snapshot's, the I/O BAR is registered again
// where the guest had it and the interrupt line is driven to its level.
func (c *Card) LoadState(state any) error {
	s, err := bus.StateAs[State](StateKind, state)
	if err != nil {
		return err
	}
	if s.Model != c.model {
		return fmt.Errorf("ne2k: the snapshot's card is an %s, this machine's an %s", s.Model, c.model)
	}
	c.State = *s
	c.Config = pcicfg.ConfigState{}
	c.setPROM()
	if c.fn != nil {
		c.fn.LoadConfig(s.Config)
	}
	c.update()
	return nil
}

// StationAddress returns the MAC address in the card's PROM.
func (c *Card) StationAddress() [6]byte { return c.MAC }
