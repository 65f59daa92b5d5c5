package sysctl

import "github.com/do86/do86/internal/bus"

// Kinds and versions of the registers' states in a snapshot (bus.Stateful).
const (
	ResetControlStateKind    = "reset-control"
	ResetControlStateVersion = 1
	PortAStateKind           = "port-a"
	PortAStateVersion        = 1
)

// ResetControlState is what a snapshot keeps of the reset control register.
type ResetControlState struct{ RC uint8 }

// StateKind returns the kind and version of the register's state.
func (r *ResetControl) StateKind() (string, int) {
	return ResetControlStateKind, ResetControlStateVersion
}

// SaveState returns a *ResetControlState.
func (r *ResetControl) SaveState() any { return &ResetControlState{RC: r.RC} }

// LoadState restores a *ResetControlState.
func (r *ResetControl) LoadState(state any) error {
	s, err := bus.StateAs[ResetControlState](ResetControlStateKind, state)
	if err != nil {
		return err
	}
	r.RC = s.RC
	return nil
}

// PortAState is what a snapshot keeps of System Control Port A.
type PortAState struct{ Value uint8 }

// StateKind returns the kind and version of the port's state.
func (p *PortA) StateKind() (string, int) { return PortAStateKind, PortAStateVersion }

// SaveState returns a *PortAState.
func (p *PortA) SaveState() any { return &PortAState{Value: p.Value} }

// LoadState restores a *PortAState.
func (p *PortA) LoadState(state any) error {
	s, err := bus.StateAs[PortAState](PortAStateKind, state)
	if err != nil {
		return err
	}
	p.Value = s.Value
	return nil
}

var (
	_ bus.Stateful = (*ResetControl)(nil)
	_ bus.Stateful = (*PortA)(nil)
)
