package vga

import (
	"bytes"
	"encoding/gob"
	"fmt"

	"github.com/do86/do86/internal/pcicfg"
)

// state is what a snapshot keeps of the VGA: its registers, DAC and video
// memory (the exported fields) and its PCI space. The framebuffer is the
// core's memory and is saved with it.
type state struct {
	VGA    *VGA
	PCI    pcicfg.ConfigState
	HasPCI bool
}

// Save returns the adapter's state for a snapshot.
func (v *VGA) Save() ([]byte, error) {
	s := state{VGA: v}
	if v.pciFn != nil {
		s.PCI, s.HasPCI = v.pciFn.SaveConfig(), true
	}
	var b bytes.Buffer
	err := gob.NewEncoder(&b).Encode(s)
	return b.Bytes(), err
}

// Load restores a state from Save. The next Render redraws the whole
// screen; the clock and framebuffer stay as wired.
func (v *VGA) Load(b []byte) error {
	var s state
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&s); err != nil {
		return fmt.Errorf("vga: snapshot: %w", err)
	}
	if s.VGA == nil {
		return fmt.Errorf("vga: snapshot without registers")
	}
	n := s.VGA
	n.clock, n.lfb, n.pciFn = v.clock, v.lfb, v.pciFn
	*v = *n
	v.r.full, v.r.pal = true, true
	if v.pciFn != nil && s.HasPCI {
		v.pciFn.LoadConfig(s.PCI)
	}
	return nil
}
