package uart16550

import (
	"bytes"
	"encoding/gob"
	"fmt"
)

// state is what a snapshot keeps of the UART.
type state struct {
	IER, LCR, MCR, SCR, FCR uint8
	Divisor                 uint16
	LSRErr, MSRDelta        uint8
	THRPending              bool
	RX                      []byte
	LastRX                  uint8
	Pending                 []byte
}

// Save returns the UART's state for a snapshot.
func (u *UART) Save() ([]byte, error) {
	var b bytes.Buffer
	err := gob.NewEncoder(&b).Encode(state{u.IER, u.LCR, u.MCR, u.SCR, u.FCR, u.Divisor,
		u.LSRErr, u.MSRDelta, u.THRPending, u.RX, u.LastRX, u.Pending})
	return b.Bytes(), err
}

// Load restores a state from Save and drives the IRQ to the level it
// implies. The output writer stays as wired.
func (u *UART) Load(b []byte) error {
	var s state
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&s); err != nil {
		return fmt.Errorf("uart16550: snapshot: %w", err)
	}
	u.IER, u.LCR, u.MCR, u.SCR, u.FCR, u.Divisor = s.IER, s.LCR, s.MCR, s.SCR, s.FCR, s.Divisor
	u.LSRErr, u.MSRDelta, u.THRPending, u.RX, u.LastRX, u.Pending = s.LSRErr, s.MSRDelta, s.THRPending, s.RX, s.LastRX, s.Pending
	u.update()
	return nil
}
