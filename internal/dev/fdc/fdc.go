// Package fdc emulates the Intel 82077AA floppy disk controller of a PC/AT
// (ports 0x3F0–0x3F5 and 0x3F7, IRQ 6, ISA DMA channel 2) with drives A: and B:.
//
// Just enough for SeaBIOS, DOS, Linux and hobby systems: the 82077AA command
// set but the SCAN commands, 512-byte MFM sectors only, no deleted-data marks,
// no rotation or step timing (every command completes a fixed short time
// later), no FM, no drives 2 and 3, and a diskette's geometry fixed by its
// image's size. The guest's writes go to an in-memory overlay, never to the
// image.
package fdc

import (
	"fmt"
	"io"

	"github.com/do86/do86/internal/bus"
)

var (
	_ bus.PortDevice = (*FDC)(nil)
	_ bus.Timer      = (*FDC)(nil)
	_ bus.Resetter   = (*FDC)(nil)
)

// Where a PC wires the controller.
const (
	BasePort   = 0x3F0 // SRA, SRB, DOR, TDR, MSR/DSR, FIFO: register 6 ports here
	DIRPort    = 0x3F7 // DIR (read) / CCR (write): register (*FDC).DIRPort() here
	IRQLine    = 6
	DMAChannel = 2
)

// Register offsets from BasePort. 0x3F6 belongs to the IDE controller.
const (
	regSRA  = 0 // status register A (read)
	regSRB  = 1 // status register B (read)
	regDOR  = 2 // digital output register
	regTDR  = 3 // tape drive register
	regMSR  = 4 // main status register (read); DSR, data rate select (write)
	regFIFO = 5 // data FIFO
	regDIR  = 7 // digital input register (read); CCR, configuration control (write)
)

// DOR bits.
const (
	dorDriveSel = 0x03 // DRIVE SEL0-1
	dorReset    = 0x04 // /RESET: 0 holds the controller in reset
	dorDMAGate  = 0x08 // DMAGATE: DMA and interrupt enable (not enforced)
	dorMotEn0   = 0x10 // MOT EN0; MOT EN1 is 0x20
)

// MSR bits.
const (
	msrRQM     = 0x80 // request for master: the FIFO is ready
	msrDIO     = 0x40 // data direction: 1 = controller to CPU
	msrNonDMA  = 0x20 // execution phase of a non-DMA transfer
	msrCB      = 0x10 // command in progress
	msrDrvBusy = 0x0F // DRV x BUSY: the drive is seeking
)

// DSR bits; CCR has only the DRATE bits.
const (
	dsrSWReset = 0x80 // software reset, self-clearing
	dsrDRate   = 0x03 // DRATE SEL
)

// DIR bits.
const dirDskChg = 0x80 // DSKCHG: the diskette may have changed since the last step

// ST0 bits.
const (
	st0Abnormal = 0x40 // IC = 01: abnormal termination
	st0Invalid  = 0x80 // IC = 10: invalid command
	st0Ready    = 0xC0 // IC = 11: ready line changed (after reset)
	st0SE       = 0x20 // seek end
	st0EC       = 0x10 // equipment check: recalibrate found no track 0
	st0H        = 0x04 // head address
)

// ST1 bits.
const (
	st1DE = 0x20 // data error
	st1OR = 0x10 // overrun: the DMA did not keep up
	st1ND = 0x04 // no data: the sector was not found
	st1NW = 0x02 // not writable
	st1MA = 0x01 // missing address mark: no ID on the track
)

// ST3 bits.
const (
	st3WP = 0x40 // write protected
	st3RY = 0x20 // ready (always 1)
	st3T0 = 0x10 // track 0
	st3TS = 0x08 // two-sided (always 1)
	st3HD = 0x04 // head address
)

// Phases of the controller.
const (
	phaseReset   = iota // held in reset: nothing answers
	phaseIdle           // waiting for a command's first byte
	phaseCommand        // collecting parameter bytes
	phaseExec           // executing: the FIFO is not ready
	phasePIO            // non-DMA execution: data bytes through the FIFO
	phaseResult         // result bytes to read
)

// Virtual time, in ms, the controller takes to do things.
const (
	resetDelay    = 0.05 // from leaving reset to its interrupt
	seekDelay     = 0.5  // a seek or recalibrate, whatever the distance
	transferDelay = 0.2  // a data command's execution phase
)

// Power-on values of the CONFIGURE byte (EIS=0, EFIFO=1, POLL=0, FIFOTHR=0).
const configDefault = 0x20

// configPollOff is CONFIGURE's POLL bit: 1 disables drive polling, and with it
// the ready-change statuses after a reset.
const configPollOff = 0x10

// DMA is the ISA DMA controller as the FDC sees its channel: it moves bytes
// between guest memory and the device until the channel's count runs out.
// n is how many bytes it moved; tc is true when the terminal count was
// reached with them.
type DMA interface {
	WriteMemory(ch int, p []byte) (n int, tc bool) // device -> guest memory
	ReadMemory(ch int, p []byte) (n int, tc bool)  // guest memory -> device
}

// Drive is one of the two floppy drives.
type Drive struct {
	Disk    *Disk // nil: no diskette
	Changed bool  // DSKCHG: set by inserting or ejecting, cleared by a step with a diskette in
	Sector  uint8 // the sector READ ID last saw pass under the head
}

// Unit is the controller's view of one of its four drive select lines: the
// present cylinder and an overlapped seek.
type Unit struct {
	PCN     uint8   // present cylinder number
	Seeking bool    // a SEEK or RECALIBRATE is moving the head
	SeekDue float64 // when it ends
	Target  uint8   // the cylinder it moves to
	Recal   bool    // the seek is a RECALIBRATE
	Head    uint8   // head select of the seek command, for ST0
	Sense   bool    // a seek-end status waits for SENSE INTERRUPT STATUS
	ST0     uint8   // that status
}

// FDC is the floppy disk controller with its two drives. Its state lives in
// the exported fields; New wires it to an interrupt line, a DMA channel and
// the guest's clock.
type FDC struct {
	irq   bus.IRQ
	dma   DMA
	clock bus.Clock

	Registers
	Drives [2]Drive
}

// Registers are the controller's registers, the command it runs and its view
// of the drives: all of its state but the diskettes.
type Registers struct {
	// Registers the guest programs.
	DOR   uint8 // digital output register
	TDR   uint8 // tape drive register
	DRate uint8 // DRATE SEL from the DSR or CCR
	DSR   uint8 // the other DSR bits last written

	// Parameters of SPECIFY, CONFIGURE, PERPENDICULAR MODE and LOCK.
	Specify [2]uint8 // SRT|HUT, HLT|ND
	Config  uint8    // EIS EFIFO POLL FIFOTHR
	PreTrk  uint8    // precompensation start track
	Perp    uint8    // D3-D0 (bits 5-2), GAP, WGATE
	Lock    bool     // CONFIGURE and PERPENDICULAR settings survive a reset
	LastEOT uint8    // EOT of the last data command, for DUMPREG

	Phase   int       // phaseReset, phaseIdle, ...: what the FIFO is doing
	Cmd     [9]uint8  // the command being collected
	CmdLen  int       // bytes of it received
	CmdWant int       // bytes it has
	Res     [10]uint8 // result bytes
	ResLen  int       // how many
	ResPos  int       // how many the guest read

	Int          bool     // the INT output
	ResetSense   int      // ready-change statuses still owed after a reset
	ResetPending bool     // the reset interrupt is scheduled
	ResetDue     float64  // for then
	Op           int      // what completes at Due: opNone, opExecute, opResult
	Due          float64  // when Op completes
	X            Transfer // the data command being executed

	Units [4]Unit
}

// New returns a controller in its power-on state (held in reset until the
// guest sets DOR's /RESET bit), raising irq, moving data through channel 2 of
// dma, and timing its commands by clock.
func New(irq bus.IRQ, dma DMA, clock bus.Clock) *FDC {
	f := &FDC{irq: irq, dma: dma, clock: clock}
	f.Reset()
	return f
}

// Reset returns the controller to its power-on state: DOR 0 (in reset),
// 500 kbps, default CONFIGURE, no LOCK. Diskettes stay in their drives.
func (f *FDC) Reset() {
	f.DOR = 0
	f.TDR = 0
	f.DRate = Rate500K
	f.DSR = 0
	f.Specify = [2]uint8{}
	f.Lock = false
	f.LastEOT = 0
	for i := range f.Units {
		f.Units[i] = Unit{}
	}
	f.enterReset()
}

// enterReset stops whatever the controller does, as /RESET low does.
func (f *FDC) enterReset() {
	f.Phase = phaseReset
	f.CmdLen, f.CmdWant, f.ResLen, f.ResPos = 0, 0, 0, 0
	f.ResetSense = 0
	f.ResetPending = false
	f.Op = opNone
	f.X = Transfer{}
	for i := range f.Units {
		u := &f.Units[i]
		u.Seeking, u.Sense = false, false
	}
	if !f.Lock {
		f.Config = configDefault
		f.PreTrk = 0
		f.Perp &^= 0x03
	}
	f.lowerInt()
}

// leaveReset starts the controller; it interrupts shortly after, with the
// four drives' ready-change statuses for SENSE INTERRUPT STATUS.
func (f *FDC) leaveReset() {
	f.Phase = phaseIdle
	f.ResetPending = true
	f.ResetDue = f.clock.Now() + resetDelay
	bus.Due(f.clock, f.ResetDue)
}

// raiseInt asserts INT, with an edge even if it was asserted.
func (f *FDC) raiseInt() {
	f.Int = true
	f.irq.Lower()
	f.irq.Raise()
}

// lowerInt deasserts INT.
func (f *FDC) lowerInt() {
	f.Int = false
	f.irq.Lower()
}

// Tick completes what is due at now: the reset interrupt, seeks, command
// execution. It returns the ms until the next event, or bus.NoDeadline.
func (f *FDC) Tick(now float64) float64 {
	if f.ResetPending && now >= f.ResetDue {
		f.ResetPending = false
		if f.Config&configPollOff == 0 {
			f.ResetSense = len(f.Units)
		}
		f.raiseInt()
	}
	for i := range f.Units {
		if u := &f.Units[i]; u.Seeking && now >= u.SeekDue {
			f.seekDone(i)
		}
	}
	if f.Op != opNone && now >= f.Due {
		op := f.Op
		f.Op = opNone
		f.complete(op)
	}

	next := float64(bus.NoDeadline)
	if f.ResetPending {
		next = min(next, f.ResetDue-now)
	}
	for i := range f.Units {
		if u := &f.Units[i]; u.Seeking {
			next = min(next, u.SeekDue-now)
		}
	}
	if f.Op != opNone {
		next = min(next, f.Due-now)
	}
	return max(next, 0)
}

// schedule makes op complete after delay ms.
func (f *FDC) schedule(op int, delay float64) {
	f.Op = op
	f.Due = f.clock.Now() + delay
	bus.Due(f.clock, f.Due)
}

// Insert puts a diskette holding the image r of size bytes into drive 0 (A:)
// or 1 (B:). readOnly write-protects it; either way the image is never
// written. The accepted sizes are those of MediaFor. A nil r is a blank
// diskette of that size.
func (f *FDC) Insert(drive int, r io.ReaderAt, size int64, readOnly bool) error {
	if drive < 0 || drive >= len(f.Drives) {
		return fmt.Errorf("fdc: no drive %d", drive)
	}
	m, err := MediaFor(size)
	if err != nil {
		return err
	}
	d := &f.Drives[drive]
	d.Disk = &Disk{Media: m, Size: size, ReadOnly: readOnly, image: r}
	d.Changed = true
	d.Sector = 0
	return nil
}

// InsertPersistent is Insert for a diskette whose writes go to the image rw
// itself (the user asked to persist them) instead of an overlay.
func (f *FDC) InsertPersistent(drive int, rw interface {
	io.ReaderAt
	io.WriterAt
}, size int64) error {
	if err := f.Insert(drive, rw, size, false); err != nil {
		return err
	}
	f.Drives[drive].Disk.through = rw
	return nil
}

// Eject takes the diskette out of drive 0 or 1.
func (f *FDC) Eject(drive int) {
	if drive < 0 || drive >= len(f.Drives) {
		return
	}
	f.Drives[drive].Disk = nil
	f.Drives[drive].Changed = true
}

// Disk returns the diskette in drive 0 or 1, nil if none; its ReadAt and
// Bytes give the image as the guest left it.
func (f *FDC) Disk(drive int) *Disk {
	if drive < 0 || drive >= len(f.Drives) {
		return nil
	}
	return f.Drives[drive].Disk
}

// DriveType returns the CMOS register 0x10 nibble for drive 0 or 1, a drive
// fit for the diskette in it: 1 360K, 2 1.2M, 3 720K, 4 1.44M, 5 2.88M; 0
// when the drive is empty.
func (f *FDC) DriveType(drive int) uint8 {
	if d := f.Disk(drive); d != nil {
		return d.Media.CMOS
	}
	return 0
}

// CMOSDriveTypes returns CMOS register 0x10: drive A's type in the high
// nibble, drive B's in the low one.
func (f *FDC) CMOSDriveTypes() uint8 {
	return f.DriveType(0)<<4 | f.DriveType(1)
}
