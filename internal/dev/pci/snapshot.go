package pci

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"fmt"

	"github.com/do86/do86/internal/pcicfg"
)

// Save returns the address register for a snapshot; the functions save
// themselves.
func (b *Bus) Save() ([]byte, error) { return binary.LittleEndian.AppendUint32(nil, b.Addr), nil }

// Load restores the address register from Save.
func (b *Bus) Load(p []byte) error {
	if len(p) != 4 {
		return fmt.Errorf("pci: snapshot of the bus: %d bytes", len(p))
	}
	b.Addr = binary.LittleEndian.Uint32(p)
	return nil
}

// Save returns the host bridge's space for a snapshot.
func (h *I440FX) Save() ([]byte, error) { return pcicfg.EncodeConfig(&h.Config) }

// Load restores the space from Save and calls MemoryChanged, as the PAM
// and SMRAM registers may differ.
func (h *I440FX) Load(b []byte) error {
	if err := pcicfg.DecodeConfig(&h.Config, b); err != nil {
		return err
	}
	if h.MemoryChanged != nil {
		h.MemoryChanged()
	}
	return nil
}

// Save returns the ISA bridge's space for a snapshot.
func (d *PIIX3ISA) Save() ([]byte, error) { return pcicfg.EncodeConfig(&d.Config) }

// Load restores the space from Save. The PIRQ routes are not reported: the
// Router restores its own.
func (d *PIIX3ISA) Load(b []byte) error { return pcicfg.DecodeConfig(&d.Config, b) }

// routerState is what a snapshot keeps of the router.
type routerState struct {
	Routes [4]int
	Pins   []pinState // in the order INTx handed them out
}

type pinState struct {
	Cur      int
	Asserted bool
}

// Save returns the routes and the level and line of every INTx pin.
func (r *Router) Save() ([]byte, error) {
	s := routerState{Routes: r.Routes}
	for _, p := range r.pins {
		s.Pins = append(s.Pins, pinState{p.cur, p.asserted})
	}
	var b bytes.Buffer
	err := gob.NewEncoder(&b).Encode(s)
	return b.Bytes(), err
}

// Load restores a state from Save onto a router whose pins were handed out
// in the same order, and drives the ISA lines to match: each asserted pin
// raises the line it is routed to.
func (r *Router) Load(b []byte) error {
	var s routerState
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&s); err != nil {
		return fmt.Errorf("pci: snapshot of the router: %w", err)
	}
	if len(s.Pins) != len(r.pins) {
		return fmt.Errorf("pci: the snapshot's router has %d INTx pins, this machine %d", len(s.Pins), len(r.pins))
	}
	for i, p := range r.pins {
		if p.asserted && p.cur >= 0 {
			p.conn(p.cur).Lower()
		}
		if c := s.Pins[i].Cur; c < -1 || c > 15 {
			return fmt.Errorf("pci: the snapshot routes a pin to line %d", c)
		}
	}
	r.Routes = s.Routes
	for i, p := range r.pins {
		p.cur, p.asserted = s.Pins[i].Cur, s.Pins[i].Asserted
		if p.asserted && p.cur >= 0 {
			p.conn(p.cur).Raise()
		}
	}
	return nil
}
