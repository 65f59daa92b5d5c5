package ide

import (
	"github.com/do86/do86/internal/ata"
	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/disk"
)

// Drive defaults.
const (
	cdSectorSize = 2048
	stageMax     = 64 << 10 // bytes read from the medium at a time
)

// Command phases: what the drive expects of the host next.
const (
	phaseIdle    = iota
	phaseBusy    // working on the command; an event follows
	phaseDataIn  // PIO data for the host, DRQ set
	phaseDataOut // PIO data from the host (ATA writes), DRQ set
	phasePacket  // the ATAPI command packet from the host, DRQ set
	phaseDMA     // waiting for or running a bus-master transfer
)

// Timed events.
const (
	evNone     = iota
	evDataIn   // the first DRQ block of data for the host is ready
	evWritten  // a PIO block is on the disk: ask for the next or complete
	evComplete // the command completes, with DoneErr as its error register
	evDMA      // run the bus-master transfer
	evDiag     // EXECUTE DEVICE DIAGNOSTIC finished
)

// TaskFile is a drive's copy of the command block parameters, with the
// previous value of each (the high-order bytes of LBA48 commands).
type TaskFile struct {
	Feature, Nsect, Lbal, Lbam, Lbah                uint8
	HobFeature, HobNsect, HobLbal, HobLbam, HobLbah uint8
	Device                                          uint8
}

// drive is one drive position of a channel.
type drive struct {
	ch   *channel
	slot int
	kind Kind
	disk *disk.Disk

	DriveState
}

// DriveState is a drive's registers and the command in progress: all of its
// state but what is attached.
type DriveState struct {
	TF     TaskFile
	Status uint8
	Error  uint8
	Intrq  bool // the drive asserts its interrupt

	// The command in progress.
	Cmd     uint8
	Phase   uint8
	Event   uint8
	Due     float64 // guest time of Event
	DoneErr uint8   // error register of the coming evComplete

	// The data of the command: staged bytes Buf[Pos:] (data-in) or the
	// block being collected Buf[:Pos] (data-out), and the medium sectors
	// from LBA on that are still to be staged or written.
	Buf       []byte
	Pos       int
	LBA       uint64
	Left      uint64
	DRQLeft   int  // bytes left in the current PIO DRQ block
	BlockSize int  // bytes per DRQ block
	DMAWrite  bool // a DMA command moving memory to the drive

	// ATA settings.
	Heads, SPT uint8 // CHS translation (INITIALIZE DEVICE PARAMETERS)
	Multiple   int   // sectors per block of READ/WRITE MULTIPLE; 0 = off
	XferMode   uint8 // the transfer mode SET FEATURES selected

	// ATAPI state.
	CDB           [12]byte
	PacketDMA     bool     // the packet's data goes by DMA
	ByteLimit     int      // the host's byte count limit per DRQ block
	Sense         [3]uint8 // sense key, ASC, ASCQ of the last command
	UnitAttention bool     // power-on reset not yet reported
}

// powerOn puts the drive in its power-on state.
func (d *drive) powerOn() {
	*d = drive{ch: d.ch, slot: d.slot, kind: d.kind, disk: d.disk, DriveState: DriveState{Buf: d.Buf[:0]}}
	d.Heads, d.SPT = ata.DefaultHeads, ata.DefaultSPT
	d.XferMode = ata.XferMWDMA | 2
	d.UnitAttention = d.kind == CDROM
	d.resetDone()
}

// holdReset is the drive while the host holds SRST.
func (d *drive) holdReset() {
	d.Event, d.Phase = evNone, phaseIdle
	d.Intrq = false
	d.Status = ata.StatBSY
}

// softReset is the drive when the host releases SRST.
func (d *drive) softReset() {
	if d.kind != None {
		d.resetDone()
	}
}

// resetDone leaves a drive after a reset or diagnostic: its signature in the
// registers, diagnostic code 1 (passed) in the error register.
func (d *drive) resetDone() {
	d.Event, d.Phase = evNone, phaseIdle
	d.Intrq = false
	d.TF.Nsect, d.TF.Lbal = 1, 1
	d.TF.Lbam, d.TF.Lbah = 0, 0
	if d.kind == CDROM {
		d.TF.Lbam, d.TF.Lbah = 0x14, 0xEB
	}
	d.TF.Device = 0
	d.Error = 1
	d.Status = d.readyStatus()
	if d.kind == CDROM {
		d.Status = 0 // an ATAPI drive shows no DRDY after a reset
	}
}

func (d *drive) readyStatus() uint8 { return ata.StatDRDY | ata.StatDSC }

func (d *drive) secSize() int {
	if d.kind == CDROM {
		return cdSectorSize
	}
	return disk.SectorSize
}

// schedule makes ev happen a short guest time from now.
func (d *drive) schedule(ev uint8) {
	d.Event = ev
	d.Due = d.ch.c.clock.Now() + completionDelay
}

// settle runs the drive's event now if its time has come. The machine runs
// device timers only every so many instructions while the CPU is busy, and a
// host polling the status register (SeaBIOS's INT 13h does, with interrupts
// off) would otherwise wait that long for every command and every sector
// written; a status read sees the drive as it is at the time of the read.
func (d *drive) settle() {
	if d.Event != evNone && d.Due <= d.ch.c.clock.Now() {
		ev := d.Event
		d.Event = evNone
		d.fire(ev)
	}
}

// fire runs a due event.
func (d *drive) fire(ev uint8) {
	switch ev {
	case evDataIn:
		d.startDataInBlock()
	case evWritten:
		d.nextWriteBlock()
	case evComplete:
		d.complete(d.DoneErr)
	case evDMA:
		d.runDMA()
	case evDiag:
		d.Status = d.readyStatus()
		if d.kind == CDROM {
			d.Status = 0
		}
		d.interrupt()
	}
}

// interrupt asserts the drive's INTRQ.
func (d *drive) interrupt() {
	d.Intrq = true
	if d.ch.Sel == d.slot {
		d.ch.BMStatus |= bmStIRQ
	}
	d.ch.updateIRQ()
}

// busy starts a command's busy phase ending in ev.
func (d *drive) busy(ev uint8) {
	d.Phase = phaseBusy
	d.Status = ata.StatBSY
	d.schedule(ev)
}

// finish ends the command a moment later with error register e (0 = success).
func (d *drive) finish(e uint8) {
	d.DoneErr = e
	d.busy(evComplete)
}

// complete ends the command now and interrupts.
func (d *drive) complete(e uint8) {
	d.Phase = phaseIdle
	d.DRQLeft = 0
	d.Status = d.readyStatus()
	if e != 0 {
		d.Status |= ata.StatERR
	}
	d.Error = e
	if d.Cmd == ata.CmdPacket {
		d.TF.Nsect = reasonCoD | reasonIO // status phase
	}
	d.interrupt()
}

// remaining returns the bytes of data-in the command still has for the host.
func (d *drive) remaining() int {
	return len(d.Buf) - d.Pos + int(d.Left)*d.secSize()
}

// stage makes at least n bytes (or all there are) ready in Buf[Pos:].
func (d *drive) stage(n int) error {
	have := len(d.Buf) - d.Pos
	if have >= n || d.Left == 0 {
		return nil
	}
	if d.Pos > 0 {
		d.Buf = d.Buf[:copy(d.Buf, d.Buf[d.Pos:])]
		d.Pos = 0
	}
	ss := d.secSize()
	k := uint64((n - have + ss - 1) / ss)
	k = min(k, d.Left)
	start := len(d.Buf)
	d.Buf = grow(d.Buf, int(k)*ss)
	if err := d.readMedium(d.LBA, d.Buf[start:]); err != nil {
		d.Buf = d.Buf[:start]
		return err
	}
	d.LBA += k
	d.Left -= k
	return nil
}

// grow extends b by n bytes.
func grow(b []byte, n int) []byte {
	if cap(b)-len(b) < n {
		nb := make([]byte, len(b), len(b)+n)
		copy(nb, b)
		b = nb
	}
	return b[:len(b)+n]
}

// readMedium reads whole drive sectors from lba into p. A CD's last sector
// may run past the end of its image: the rest reads as zeros.
func (d *drive) readMedium(lba uint64, p []byte) error {
	if d.kind != CDROM {
		return d.disk.ReadSectors(lba, p)
	}
	const per = cdSectorSize / disk.SectorSize
	start, n := lba*per, uint64(len(p)/disk.SectorSize)
	avail := d.disk.Sectors()
	if start >= avail {
		clear(p)
		return nil
	}
	n = min(n, avail-start)
	clear(p[n*disk.SectorSize:])
	return d.disk.ReadSectors(start, p[:n*disk.SectorSize])
}

// beginDataIn starts sending Buf and then Left sectors from LBA to the host
// by PIO in DRQ blocks of BlockSize bytes.
func (d *drive) beginDataIn() {
	d.Pos = 0
	d.busy(evDataIn)
}

// startDataInBlock offers the next DRQ block and interrupts.
func (d *drive) startDataInBlock() {
	n := min(d.BlockSize, d.remaining())
	if err := d.stage(n); err != nil {
		d.mediumError()
		return
	}
	d.DRQLeft = n
	if d.Cmd == ata.CmdPacket {
		d.TF.Lbam, d.TF.Lbah = uint8(n), uint8(n>>8)
		d.TF.Nsect = reasonIO
	}
	d.Phase = phaseDataIn
	d.Status = d.readyStatus() | ata.StatDRQ
	d.interrupt()
}

// readData serves a read of the data register.
func (d *drive) readData(size int) uint32 {
	if d.kind == None || d.Phase != phaseDataIn {
		return bus.Ones(size)
	}
	n := min(size, d.DRQLeft)
	v := bus.Ones(size) &^ (1<<(8*n) - 1)
	for i := 0; i < n; i++ {
		v |= uint32(d.Buf[d.Pos]) << (8 * i)
		d.Pos++
	}
	d.DRQLeft -= n
	if d.DRQLeft == 0 {
		d.endDataInBlock()
	}
	return v
}

// endDataInBlock follows the host's reading the last byte of a DRQ block.
func (d *drive) endDataInBlock() {
	switch {
	case d.remaining() > 0:
		// The drive has the next block at hand.
		d.startDataInBlock()
	case d.Cmd == ata.CmdPacket:
		d.Sense = [3]uint8{}
		d.complete(0)
	default:
		// An ATA data-in command ends without an interrupt.
		d.Phase = phaseIdle
		d.Status = d.readyStatus()
	}
}

// writeData serves a write of the data register.
func (d *drive) writeData(size int, v uint32) {
	if d.kind == None {
		return
	}
	switch d.Phase {
	case phaseDataOut:
		for i := 0; i < size && d.Pos < len(d.Buf); i++ {
			d.Buf[d.Pos] = uint8(v >> (8 * i))
			d.Pos++
		}
		if d.Pos == len(d.Buf) {
			d.blockWritten()
		}
	case phasePacket:
		for i := 0; i < size && d.Pos < len(d.CDB); i++ {
			d.CDB[d.Pos] = uint8(v >> (8 * i))
			d.Pos++
		}
		if d.Pos == len(d.CDB) {
			d.Status = ata.StatBSY
			d.Phase = phaseBusy
			d.packet()
		}
	}
}

// mediumError ends a command whose medium could not be read.
func (d *drive) mediumError() {
	if d.Cmd == ata.CmdPacket {
		d.checkCondition(senseMediumError, 0x11, 0x00) // unrecovered read error
		return
	}
	d.finish(ata.ErrUNC | ata.ErrABRT)
}
