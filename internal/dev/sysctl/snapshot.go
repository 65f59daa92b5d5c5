package sysctl

import "fmt"

// Save returns the register for a snapshot.
func (r *ResetControl) Save() ([]byte, error) { return []byte{r.RC}, nil }

// Load restores a register from Save.
func (r *ResetControl) Load(b []byte) error {
	if len(b) != 1 {
		return fmt.Errorf("sysctl: snapshot of reset control: %d bytes", len(b))
	}
	r.RC = b[0]
	return nil
}

// Save returns the register for a snapshot.
func (p *PortA) Save() ([]byte, error) { return []byte{p.Value}, nil }

// Load restores a register from Save.
func (p *PortA) Load(b []byte) error {
	if len(b) != 1 {
		return fmt.Errorf("sysctl: snapshot of port A: %d bytes", len(b))
	}
	p.Value = b[0]
	return nil
}
