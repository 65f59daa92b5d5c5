package pci

import (
	"fmt"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/pcicfg"
)

// Kinds and versions of the chipset's states in a snapshot (bus.Stateful):
// the configuration mechanism's address register, the host bridge, the ISA
// bridge and the PIRQ router.
const (
	BusStateKind       = "pci-cf8"
	BusStateVersion    = 1
	I440FXStateKind    = "i440fx"
	I440FXStateVersion = 1
	PIIX3StateKind     = "piix3-isa"
	PIIX3StateVersion  = 1
	RouterStateKind    = "piix3-pirq"
	RouterStateVersion = 1
)

// BusState is what a snapshot keeps of the configuration mechanism; the
// functions save themselves.
type BusState struct{ Addr uint32 }

// StateKind returns the kind and version of the bus's state.
func (b *Bus) StateKind() (string, int) { return BusStateKind, BusStateVersion }

// SaveState returns a *BusState.
func (b *Bus) SaveState() any { return &BusState{Addr: b.Addr} }

// LoadState restores a *BusState.
func (b *Bus) LoadState(state any) error {
	s, err := bus.StateAs[BusState](BusStateKind, state)
	if err != nil {
		return err
	}
	b.Addr = s.Addr
	return nil
}

// I440FXState is what a snapshot keeps of the host bridge: its space.
type I440FXState struct{ Config pcicfg.ConfigState }

// StateKind returns the kind and version of the host bridge's state.
func (h *I440FX) StateKind() (string, int) { return I440FXStateKind, I440FXStateVersion }

// SaveState returns an *I440FXState.
func (h *I440FX) SaveState() any { return &I440FXState{Config: h.SaveConfig()} }

// LoadState restores an *I440FXState and calls MemoryChanged, as the PAM
// and SMRAM registers may differ.
func (h *I440FX) LoadState(state any) error {
	s, err := bus.StateAs[I440FXState](I440FXStateKind, state)
	if err != nil {
		return err
	}
	h.LoadConfig(s.Config)
	if h.MemoryChanged != nil {
		h.MemoryChanged()
	}
	return nil
}

// PIIX3State is what a snapshot keeps of the ISA bridge: its space.
type PIIX3State struct{ Config pcicfg.ConfigState }

// StateKind returns the kind and version of the ISA bridge's state.
func (d *PIIX3ISA) StateKind() (string, int) { return PIIX3StateKind, PIIX3StateVersion }

// SaveState returns a *PIIX3State.
func (d *PIIX3ISA) SaveState() any { return &PIIX3State{Config: d.SaveConfig()} }

// LoadState restores a *PIIX3State. The PIRQ routes are not reported: the
// Router restores its own.
func (d *PIIX3ISA) LoadState(state any) error {
	s, err := bus.StateAs[PIIX3State](PIIX3StateKind, state)
	if err != nil {
		return err
	}
	d.LoadConfig(s.Config)
	return nil
}

// RouterState is what a snapshot keeps of the router: the routes and every
// INTx pin, in the order INTx handed them out.
type RouterState struct {
	Routes [4]int
	Pins   []PinState
}

// PinState is one INTx pin: the ISA line it drives (-1 for none) and its
// level.
type PinState struct {
	Cur      int
	Asserted bool
}

// StateKind returns the kind and version of the router's state.
func (r *Router) StateKind() (string, int) { return RouterStateKind, RouterStateVersion }

// SaveState returns a *RouterState.
func (r *Router) SaveState() any {
	s := &RouterState{Routes: r.Routes}
	for _, p := range r.pins {
		s.Pins = append(s.Pins, PinState{Cur: p.cur, Asserted: p.asserted})
	}
	return s
}

// LoadState restores a *RouterState onto a router whose pins were handed
// out in the same order, and drives the ISA lines to match: each asserted
// pin raises the line it is routed to.
func (r *Router) LoadState(state any) error {
	s, err := bus.StateAs[RouterState](RouterStateKind, state)
	if err != nil {
		return err
	}
	if len(s.Pins) != len(r.pins) {
		return fmt.Errorf("pci: the snapshot's router has %d INTx pins, this machine %d", len(s.Pins), len(r.pins))
	}
	for _, p := range s.Pins {
		if p.Cur < -1 || p.Cur > 15 {
			return fmt.Errorf("pci: the snapshot routes a pin to line %d", p.Cur)
		}
	}
	for _, rt := range s.Routes {
		if rt > 15 {
			return fmt.Errorf("pci: the snapshot routes a PIRQ to line %d", rt)
		}
	}
	for _, p := range r.pins {
		if p.asserted && p.cur >= 0 {
			p.conn(p.cur).Lower()
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

var (
	_ bus.Stateful = (*Bus)(nil)
	_ bus.Stateful = (*I440FX)(nil)
	_ bus.Stateful = (*PIIX3ISA)(nil)
	_ bus.Stateful = (*Router)(nil)
)
