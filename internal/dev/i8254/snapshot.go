package i8254

import (
	"bytes"
	"encoding/gob"
	"fmt"
)

// state is what a snapshot keeps of the PIT.
type state struct {
	C        [3]Counter
	PortB    uint8
	Refresh  bool
	IRQLevel bool
}

// Save returns the PIT's state for a snapshot.
func (p *PIT) Save() ([]byte, error) {
	var b bytes.Buffer
	err := gob.NewEncoder(&b).Encode(state{p.C, p.PortB, p.Refresh, p.IRQLevel})
	return b.Bytes(), err
}

// Load restores a state from Save and drives IRQ 0 to its saved level. The
// clock and the IRQ stay as wired.
func (p *PIT) Load(b []byte) error {
	var s state
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&s); err != nil {
		return fmt.Errorf("i8254: snapshot: %w", err)
	}
	p.C, p.PortB, p.Refresh, p.IRQLevel = s.C, s.PortB, s.Refresh, s.IRQLevel
	if s.IRQLevel {
		p.irq0.Raise()
	} else {
		p.irq0.Lower()
	}
	return nil
}
