package ferr

import "fmt"

// Save returns the latch's state for a snapshot: FERR and Latched, one
// byte each.
func (l *Latch) Save() ([]byte, error) {
	return []byte{b2u(l.FERR), b2u(l.Latched)}, nil
}

// Load restores a state from Save and drives IRQ 13 to its level.
func (l *Latch) Load(b []byte) error {
	if len(b) != 2 || b[0] > 1 || b[1] > 1 {
		return fmt.Errorf("ferr: snapshot of %d bytes is not the latch's", len(b))
	}
	l.FERR, l.Latched = b[0] == 1, b[1] == 1
	if l.Latched {
		l.irq.Raise()
	} else {
		l.irq.Lower()
	}
	return nil
}

func b2u(v bool) byte {
	if v {
		return 1
	}
	return 0
}
