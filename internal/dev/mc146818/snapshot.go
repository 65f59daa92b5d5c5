package mc146818

import (
	"bytes"
	"encoding/gob"
	"fmt"
)

// state is what a snapshot keeps of the RTC.
type state struct {
	RAM          [128]byte
	Index        uint8
	EpochSec     int64
	BaseMs       float64
	Frozen       bool
	LastSec      int64
	NextPeriodic float64
}

// Save returns the RTC's state for a snapshot. The guest's wall time is kept
// relative to the guest clock, so it resumes from the saved time.
func (r *RTC) Save() ([]byte, error) {
	var b bytes.Buffer
	err := gob.NewEncoder(&b).Encode(state{r.RAM, r.Index, r.EpochSec, r.BaseMs, r.Frozen, r.LastSec, r.NextPeriodic})
	return b.Bytes(), err
}

// Load restores a state from Save and drives IRQ 8 to its saved level (up
// while IRQF is set).
func (r *RTC) Load(b []byte) error {
	var s state
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&s); err != nil {
		return fmt.Errorf("mc146818: snapshot: %w", err)
	}
	r.RAM, r.Index, r.EpochSec, r.BaseMs, r.Frozen, r.LastSec, r.NextPeriodic =
		s.RAM, s.Index, s.EpochSec, s.BaseMs, s.Frozen, s.LastSec, s.NextPeriodic
	if r.RAM[RegC]&CIRQF != 0 {
		r.irq.Raise()
	} else {
		r.irq.Lower()
	}
	return nil
}
