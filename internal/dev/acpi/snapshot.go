package acpi

import (
	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/pcicfg"
)

// StateKind and StateVersion name the function's State in a snapshot (bus.Stateful).
const (
	StateKind    = "piix4-pm"
	StateVersion = 1
)

// State is what a snapshot keeps of the PM function; where its ranges are
// registered follows from the configuration space.
type State struct {
	Config       pcicfg.ConfigState
	Sts, En, Cnt uint16
	Regs         [pmIOSize]byte
	TmrEpoch     uint64
	APMC         uint8
	SMB          [smbusIOSize]byte
}

// StateKind returns the kind and version of the function's State.
func (p *PM) StateKind() (string, int) { return StateKind, StateVersion }

// SaveState returns the function's state.
func (p *PM) SaveState() any {
	return &State{Config: p.SaveConfig(), Sts: p.Sts, En: p.En, Cnt: p.Cnt, Regs: p.Regs,
		TmrEpoch: p.TmrEpoch, APMC: p.APMC, SMB: p.SMB}
}

// LoadState restores a *State, registers the I/O block and the SMBus host
// again where the configuration space puts them, and drives the SCI to the
// level the registers imply.
func (p *PM) LoadState(state any) error {
	s, err := bus.StateAs[State](StateKind, state)
	if err != nil {
		return err
	}
	p.LoadConfig(s.Config)
	p.Sts, p.En, p.Cnt, p.Regs, p.TmrEpoch, p.APMC, p.SMB = s.Sts, s.En, s.Cnt, s.Regs, s.TmrEpoch, s.APMC, s.SMB
	p.Remap()
	p.updateSCI()
	return nil
}

var _ bus.Stateful = (*PM)(nil)
