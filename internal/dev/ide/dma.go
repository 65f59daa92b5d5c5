package ide

import (
	"encoding/binary"

	"github.com/do86/do86/internal/ata"
	"github.com/do86/do86/internal/bus"
)

// Bus-master IDE registers (BAR4; the secondary channel's at +8).
const (
	bmCommand = 0 // BMICOM
	bmStatus  = 2 // BMISTA
	bmPRD     = 4 // BMIDTP, 4 bytes

	bmCmdStart = 0x01 // start/stop bus master
	bmCmdRead  = 0x08 // read/write control: 1 = the bus master writes memory

	bmStActive  = 0x01 // bus master IDE active
	bmStError   = 0x02 // IDE DMA error (write 1 to clear)
	bmStIRQ     = 0x04 // IDE interrupt status (write 1 to clear)
	bmStCapable = 0x60 // drive 0/1 DMA capable, for the BIOS to set

	prdEOT     = 0x80 // in the last byte of an entry: end of table
	maxPRDs    = 8192 // a table cannot cross 64 KiB
	prdMaxSize = 0x10000
)

// bmPorts is the 16 bytes of bus-master registers BAR4 maps.
type bmPorts struct{ c *Controller }

func (b *bmPorts) ReadPort(off uint16, size int) uint32 {
	return bus.ReadSplit(b.read, off, size)
}

func (b *bmPorts) WritePort(off uint16, size int, v uint32) {
	bus.WriteSplit(b.write, off, size, v)
}

func (b *bmPorts) read(off uint16) uint8 {
	if off >= bmBlockLen {
		return 0xFF
	}
	ch := &b.c.Channels[off/8]
	switch r := off % 8; r {
	case bmCommand:
		return ch.BMCommand
	case bmStatus:
		// A host polling for the end of a transfer sees it when it is due.
		ch.selected().settle()
		return ch.BMStatus
	case bmPRD, bmPRD + 1, bmPRD + 2, bmPRD + 3:
		return uint8(ch.PRD >> (8 * (r - bmPRD)))
	}
	return 0xFF
}

func (b *bmPorts) write(off uint16, v uint8) {
	if off >= bmBlockLen {
		return
	}
	ch := &b.c.Channels[off/8]
	switch r := off % 8; r {
	case bmCommand:
		ch.writeBMCommand(v)
	case bmStatus:
		// The guest sets the capable bits and acknowledges error and interrupt.
		ch.BMStatus = ch.BMStatus&^(bmStCapable|v&(bmStError|bmStIRQ)) | v&bmStCapable
	case bmPRD, bmPRD + 1, bmPRD + 2, bmPRD + 3:
		sh := 8 * (r - bmPRD)
		ch.PRD = (ch.PRD&^(0xFF<<sh) | uint32(v)<<sh) &^ 3
	}
}

// writeBMCommand starts or stops the channel's bus master.
func (ch *channel) writeBMCommand(v uint8) {
	was := ch.BMCommand&bmCmdStart != 0
	ch.BMCommand = v & (bmCmdStart | bmCmdRead)
	switch start := v&bmCmdStart != 0; {
	case start && !was:
		ch.BMStatus |= bmStActive
		ch.kickDMA()
	case !start && was:
		// The guest stops the engine (after the transfer, or to abort it).
		ch.BMStatus &^= bmStActive
	}
}

// kickDMA schedules the transfer of a drive waiting for the bus master.
func (ch *channel) kickDMA() {
	if ch.BMStatus&bmStActive == 0 {
		return
	}
	for i := range ch.drives {
		d := &ch.drives[i]
		if d.Phase == phaseDMA && d.Event == evNone {
			d.schedule(evDMA)
		}
	}
}

// beginDMA waits for the bus master to move the command's data.
func (d *drive) beginDMA(write bool) {
	d.DMAWrite = write
	d.Phase = phaseDMA
	d.Status = ata.StatBSY | ata.StatDRDY
	d.ch.kickDMA()
}

// dmaLeft returns the bytes the command still has to move.
func (d *drive) dmaLeft() int {
	if d.DMAWrite {
		return int(d.Left)*d.secSize() - len(d.Buf)
	}
	return d.remaining()
}

// runDMA moves the command's data through the guest's PRD table, then
// completes the command.
func (d *drive) runDMA() {
	ch := d.ch
	if ch.BMStatus&bmStActive == 0 || d.Phase != phaseDMA {
		return // stopped meanwhile: a restart kicks it again
	}
	mem := ch.c.mem
	addr := ch.PRD
	tableDone := false
	for i := 0; i < maxPRDs && d.dmaLeft() > 0; i++ {
		var e [8]byte
		mem.ReadPhys(addr, e[:])
		addr += 8
		base := binary.LittleEndian.Uint32(e[0:]) &^ 1
		n := int(binary.LittleEndian.Uint16(e[4:]) &^ 1)
		if n == 0 {
			n = prdMaxSize
		}
		eot := e[7]&prdEOT != 0
		var err error
		moved := min(n, d.dmaLeft())
		if d.DMAWrite {
			err = d.dmaFromMemory(base, moved)
		} else {
			err = d.dmaToMemory(base, moved)
		}
		if err != nil {
			ch.BMStatus &^= bmStActive
			d.mediumError()
			return
		}
		if eot {
			tableDone = moved == n
			break
		}
	}
	if d.dmaLeft() > 0 {
		// The table ended before the drive's data: the command cannot end well.
		ch.BMStatus &^= bmStActive
		ch.BMStatus |= bmStError
		if d.Cmd == ata.CmdPacket {
			d.checkCondition(senseAbortedCommand, 0, 0)
		} else {
			d.finish(ata.ErrABRT)
		}
		return
	}
	if tableDone {
		// Data and table ran out together; with table to spare the engine
		// stays active until the guest stops it.
		ch.BMStatus &^= bmStActive
	}
	if d.Cmd == ata.CmdPacket {
		d.Sense = [3]uint8{}
	}
	d.complete(0)
}

// dmaToMemory copies n bytes of the command's data to guest memory at addr.
func (d *drive) dmaToMemory(addr uint32, n int) error {
	for n > 0 {
		k := min(n, stageMax)
		if err := d.stage(k); err != nil {
			return err
		}
		d.ch.c.mem.WritePhys(addr, d.Buf[d.Pos:d.Pos+k])
		d.Pos += k
		addr += uint32(k)
		n -= k
	}
	return nil
}

// dmaFromMemory takes n bytes of guest memory at addr for the disk, writing
// each whole sector as it arrives.
func (d *drive) dmaFromMemory(addr uint32, n int) error {
	for n > 0 {
		k := min(n, stageMax)
		start := len(d.Buf)
		d.Buf = grow(d.Buf, k)
		d.ch.c.mem.ReadPhys(addr, d.Buf[start:])
		addr += uint32(k)
		n -= k
		ss := d.secSize()
		if s := len(d.Buf) / ss; s > 0 {
			if err := d.disk.WriteSectors(d.LBA, d.Buf[:s*ss]); err != nil {
				return err
			}
			d.LBA += uint64(s)
			d.Left -= uint64(s)
			d.Buf = d.Buf[:copy(d.Buf, d.Buf[s*ss:])]
		}
	}
	return nil
}
