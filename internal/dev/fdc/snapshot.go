package fdc

import (
	"bytes"
	"encoding/gob"
	"fmt"
)

// state is what a snapshot keeps of the controller: its registers, the
// command in progress, the drives' heads, and of each diskette the sectors
// the guest wrote (the image itself is the machine's configuration).
type state struct {
	DOR, TDR, DRate, DSR uint8
	Specify              [2]uint8
	Config, PreTrk, Perp uint8
	Lock                 bool
	LastEOT              uint8
	Phase                int
	Cmd                  [9]uint8
	CmdLen, CmdWant      int
	Res                  [10]uint8
	ResLen, ResPos       int
	Int                  bool
	ResetSense           int
	ResetPending         bool
	ResetDue             float64
	Op                   int
	Due                  float64
	X                    Transfer
	Units                [4]Unit
	Drives               [2]driveState
}

type driveState struct {
	Changed  bool
	Sector   uint8
	Inserted bool
	Media    string // the diskette's format, checked on Load
	Size     int64
	Overlay  map[uint32][]byte
}

// Save returns the controller's state for a snapshot.
func (f *FDC) Save() ([]byte, error) {
	s := state{f.DOR, f.TDR, f.DRate, f.DSR, f.Specify, f.Config, f.PreTrk, f.Perp, f.Lock, f.LastEOT,
		f.Phase, f.Cmd, f.CmdLen, f.CmdWant, f.Res, f.ResLen, f.ResPos, f.Int, f.ResetSense,
		f.ResetPending, f.ResetDue, f.Op, f.Due, f.X, f.Units, [2]driveState{}}
	for i, d := range f.Drives {
		s.Drives[i] = driveState{Changed: d.Changed, Sector: d.Sector}
		if d.Disk != nil {
			s.Drives[i].Inserted, s.Drives[i].Media, s.Drives[i].Size = true, d.Disk.Media.Name, d.Disk.Size
			s.Drives[i].Overlay = d.Disk.Overlay
		}
	}
	var b bytes.Buffer
	err := gob.NewEncoder(&b).Encode(s)
	return b.Bytes(), err
}

// Load restores a state from Save onto a controller with the same
// diskettes inserted, and drives the IRQ to the saved INT level.
func (f *FDC) Load(b []byte) error {
	var s state
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&s); err != nil {
		return fmt.Errorf("fdc: snapshot: %w", err)
	}
	for i, d := range s.Drives {
		cur := f.Drives[i].Disk
		switch {
		case d.Inserted != (cur != nil):
			return fmt.Errorf("fdc: the snapshot has drive %c %s, this machine not", 'A'+i, map[bool]string{true: "with a diskette", false: "empty"}[d.Inserted])
		case cur != nil && (cur.Media.Name != d.Media || cur.Size != d.Size):
			return fmt.Errorf("fdc: the snapshot's diskette in %c: is a %s of %d bytes, this one a %s of %d", 'A'+i, d.Media, d.Size, cur.Media.Name, cur.Size)
		}
	}
	f.DOR, f.TDR, f.DRate, f.DSR, f.Specify, f.Config, f.PreTrk, f.Perp, f.Lock, f.LastEOT =
		s.DOR, s.TDR, s.DRate, s.DSR, s.Specify, s.Config, s.PreTrk, s.Perp, s.Lock, s.LastEOT
	f.Phase, f.Cmd, f.CmdLen, f.CmdWant, f.Res, f.ResLen, f.ResPos = s.Phase, s.Cmd, s.CmdLen, s.CmdWant, s.Res, s.ResLen, s.ResPos
	f.Int, f.ResetSense, f.ResetPending, f.ResetDue, f.Op, f.Due, f.X, f.Units =
		s.Int, s.ResetSense, s.ResetPending, s.ResetDue, s.Op, s.Due, s.X, s.Units
	for i, d := range s.Drives {
		f.Drives[i].Changed, f.Drives[i].Sector = d.Changed, d.Sector
		if disk := f.Drives[i].Disk; disk != nil {
			disk.Overlay = d.Overlay
			if disk.Overlay == nil {
				disk.Overlay = map[uint32][]byte{}
			}
		}
	}
	if f.Int {
		f.irq.Raise()
	} else {
		f.irq.Lower()
	}
	return nil
}
