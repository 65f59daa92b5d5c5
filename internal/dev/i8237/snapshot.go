package i8237

import (
	"bytes"
	"encoding/gob"
	"fmt"
)

// state is what a snapshot keeps of the DMA controllers.
type state struct {
	Ch    [8]Channel
	C     [2]Controller
	Pages [16]uint8
}

// Save returns the controllers' state for a snapshot.
func (d *DMA) Save() ([]byte, error) {
	var b bytes.Buffer
	err := gob.NewEncoder(&b).Encode(state{d.Ch, d.C, d.Pages})
	return b.Bytes(), err
}

// Load restores a state from Save; the memory stays as wired.
func (d *DMA) Load(b []byte) error {
	var s state
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&s); err != nil {
		return fmt.Errorf("i8237: snapshot: %w", err)
	}
	d.Ch, d.C, d.Pages = s.Ch, s.C, s.Pages
	return nil
}
