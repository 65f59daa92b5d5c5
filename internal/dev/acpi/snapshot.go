package acpi

import (
	"bytes"
	"encoding/gob"
	"fmt"

	"github.com/do86/do86/internal/pcicfg"
)

// state is what a snapshot keeps of the PM function.
type state struct {
	Config       pcicfg.ConfigState
	Sts, En, Cnt uint16
	Regs         [pmIOSize]byte
	TmrEpoch     uint64
	APMC         uint8
	SMB          [smbusIOSize]byte
}

// Save returns the function's state for a snapshot.
func (p *PM) Save() ([]byte, error) {
	var b bytes.Buffer
	err := gob.NewEncoder(&b).Encode(state{p.SaveConfig(), p.Sts, p.En, p.Cnt, p.Regs, p.TmrEpoch, p.APMC, p.SMB})
	return b.Bytes(), err
}

// Load restores a state from Save, registers the I/O block and the SMBus
// host again where the configuration space puts them, and drives the SCI to
// the level the registers imply.
func (p *PM) Load(b []byte) error {
	var s state
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&s); err != nil {
		return fmt.Errorf("acpi: snapshot: %w", err)
	}
	p.LoadConfig(s.Config)
	p.Sts, p.En, p.Cnt, p.Regs, p.TmrEpoch, p.APMC, p.SMB = s.Sts, s.En, s.Cnt, s.Regs, s.TmrEpoch, s.APMC, s.SMB
	p.Remap()
	p.updateSCI()
	return nil
}
