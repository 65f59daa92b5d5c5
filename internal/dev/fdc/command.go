package fdc

import "github.com/do86/do86/internal/bus"

// Command opcodes: the low five bits of a command's first byte, or the
// whole byte for commands without MT, MFM or SK bits.
const (
	cmdReadTrack         = 0x02
	cmdSpecify           = 0x03
	cmdSenseDriveStatus  = 0x04
	cmdWriteData         = 0x05
	cmdReadData          = 0x06
	cmdRecalibrate       = 0x07
	cmdSenseInterrupt    = 0x08
	cmdWriteDeletedData  = 0x09
	cmdReadID            = 0x0A
	cmdReadDeletedData   = 0x0C
	cmdFormatTrack       = 0x0D
	cmdDumpreg           = 0x0E
	cmdSeek              = 0x0F
	cmdVersion           = 0x10
	cmdPerpendicularMode = 0x12
	cmdConfigure         = 0x13
	cmdLock              = 0x14
	cmdVerify            = 0x16
	cmdRelativeSeek      = 0x8F // 1 DIR 0 0 1 1 1 1
)

// Bits of command and parameter bytes.
const (
	cmdMT              = 0x80 // multi-track: go on to head 1 at the end of head 0's track
	cmdLockBit         = 0x80 // LOCK's new value
	cmdRelSeekIn       = 0x40 // RELATIVE SEEK toward higher cylinders
	specifyND          = 0x01 // SPECIFY: non-DMA mode
	verifyEC           = 0x80 // VERIFY: count sectors instead of ending at EOT
	perpendicularOW    = 0x80 // PERPENDICULAR MODE: overwrite D3-D0
	perpendicularDrive = 0x3C // PERPENDICULAR MODE: D3-D0
)

// versionEnhanced is VERSION's answer: an enhanced controller (82077AA).
const versionEnhanced = 0x90

// cmdLength returns the number of bytes of the command whose first byte is
// b, 0 if b starts no command the 82077AA knows. Commands without MT, MFM or
// SK bits must match exactly, so that the 82078's extra commands (PART ID,
// SAVE, POWERDOWN) come out invalid as they do on an 82077AA.
func cmdLength(b uint8) int {
	switch b & 0x1F {
	case cmdReadData, cmdReadDeletedData, cmdWriteData, cmdWriteDeletedData,
		cmdReadTrack, cmdVerify:
		return 9
	case cmdReadID:
		return 2
	case cmdFormatTrack:
		return 6
	}
	switch {
	case b == cmdSpecify, b == cmdSeek, b&0xBF == cmdRelativeSeek:
		return 3
	case b == cmdConfigure:
		return 4
	case b == cmdSenseDriveStatus, b == cmdRecalibrate, b == cmdPerpendicularMode:
		return 2
	case b == cmdSenseInterrupt, b == cmdDumpreg, b == cmdVersion, b&0x7F == cmdLock:
		return 1
	}
	return 0
}

// startCommand takes a command's first byte.
func (f *FDC) startCommand(b uint8) {
	n := cmdLength(b)
	if n == 0 {
		// The guest sent something the controller does not know.
		f.result(st0Invalid)
		return
	}
	f.Cmd[0] = b
	f.CmdLen = 1
	f.CmdWant = n
	if n == 1 {
		f.dispatch()
		return
	}
	f.Phase = phaseCommand
}

// result enters the result phase with bytes for the guest to read.
func (f *FDC) result(b ...uint8) {
	f.ResLen = copy(f.Res[:], b)
	f.ResPos = 0
	f.Phase = phaseResult
}

// dispatch runs a command whose bytes have all arrived.
func (f *FDC) dispatch() {
	f.Phase = phaseIdle
	c := f.Cmd
	unit := int(c[1] & 0x03)
	head := c[1] >> 2 & 1
	switch {
	case c[0] == cmdSpecify:
		// The guest sets step rate, head load and unload times, and DMA or not.
		f.Specify = [2]uint8{c[1], c[2]}
	case c[0] == cmdSenseDriveStatus:
		f.result(f.st3(unit, head))
	case c[0] == cmdRecalibrate:
		f.seek(unit, head, 0, true)
	case c[0] == cmdSeek:
		f.seek(unit, head, c[2], false)
	case c[0]&0xBF == cmdRelativeSeek:
		target := int(f.Units[unit].PCN) - int(c[2])
		if c[0]&cmdRelSeekIn != 0 {
			target = int(f.Units[unit].PCN) + int(c[2])
		}
		f.seek(unit, head, uint8(min(max(target, 0), 255)), false)
	case c[0] == cmdSenseInterrupt:
		f.senseInterrupt()
	case c[0] == cmdVersion:
		f.result(versionEnhanced)
	case c[0] == cmdConfigure:
		f.Config = c[2] & 0x7F
		f.PreTrk = c[3]
	case c[0]&0x7F == cmdLock:
		f.Lock = c[0]&cmdLockBit != 0
		lock := uint8(0)
		if f.Lock {
			lock = 0x10
		}
		f.result(lock)
	case c[0] == cmdPerpendicularMode:
		keep := f.Perp & perpendicularDrive
		if c[1]&perpendicularOW != 0 {
			keep = c[1] & perpendicularDrive
		}
		f.Perp = keep | c[1]&0x03
	case c[0] == cmdDumpreg:
		f.dumpreg()
	default:
		f.startTransfer()
	}
}

// st3 is SENSE DRIVE STATUS's answer for a drive: write protection (also
// without a diskette, as a drive's sensor sees it), track 0, the head asked.
func (f *FDC) st3(unit int, head uint8) uint8 {
	v := st3RY | st3TS | head<<2 | uint8(unit)
	if f.Units[unit].PCN == 0 {
		v |= st3T0
	}
	if unit < len(f.Drives) {
		if d := f.Drives[unit].Disk; d == nil || d.ReadOnly {
			v |= st3WP
		}
	}
	return v
}

// seek starts moving a drive's head; the controller is free meanwhile and
// interrupts when the head arrives.
func (f *FDC) seek(unit int, head, target uint8, recal bool) {
	u := &f.Units[unit]
	u.Seeking = true
	u.SeekDue = f.clock.Now() + seekDelay
	bus.Due(f.clock, u.SeekDue)
	u.Target = target
	u.Recal = recal
	u.Head = head
	u.Sense = false
}

// seekDone ends a seek: the head is on its cylinder (or, for a drive that is
// not there, RECALIBRATE found no track 0) and a status waits for SENSE
// INTERRUPT STATUS.
func (f *FDC) seekDone(unit int) {
	u := &f.Units[unit]
	u.Seeking = false
	st0 := st0SE | u.Head<<2 | uint8(unit)
	if unit >= len(f.Drives) && u.Recal {
		st0 |= st0Abnormal | st0EC
	} else {
		u.PCN = u.Target
	}
	if unit < len(f.Drives) && f.Drives[unit].Disk != nil {
		// A step pulse with a diskette in clears the change line.
		f.Drives[unit].Changed = false
	}
	u.Sense = true
	u.ST0 = st0
	f.raiseInt()
}

// senseInterrupt answers SENSE INTERRUPT STATUS: after a reset, the four
// drives' ready-change statuses; then the seeks that ended; else invalid.
func (f *FDC) senseInterrupt() {
	f.lowerInt()
	if f.ResetSense > 0 {
		d := len(f.Units) - f.ResetSense
		f.ResetSense--
		f.result(st0Ready|uint8(d), f.Units[d].PCN)
		return
	}
	for i := range f.Units {
		if u := &f.Units[i]; u.Sense {
			u.Sense = false
			f.result(u.ST0, u.PCN)
			return
		}
	}
	f.result(st0Invalid)
}

// dumpreg answers DUMPREG with the controller's internal registers.
func (f *FDC) dumpreg() {
	lock := uint8(0)
	if f.Lock {
		lock = 0x80
	}
	f.result(
		f.Units[0].PCN, f.Units[1].PCN, f.Units[2].PCN, f.Units[3].PCN,
		f.Specify[0], f.Specify[1], f.LastEOT,
		lock|f.Perp&0x3F, f.Config, f.PreTrk,
	)
}
